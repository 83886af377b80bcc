"""The engine's MIDI input: opened, connected, played through a track, reported to the
GUI placed on the transport (engine process: ``choose`` from the command thread, the
opening in a thread of its own, messages in the MIDI input thread).

Opening the JACK MIDI helper takes a moment (up to seconds on a busy machine), so it runs
in its own thread: the command thread never waits for it, and a play or stop sent right
after "listen" is applied at once.  Until the input is open nothing arrives, so nothing
is lost by not waiting.  Each message is played at once through the thru track (its
instrument and its output port), then sent to the GUI as a ``MidiInputEvent`` at the
tick heard when it arrived (``engine.midi.input_clock``).
"""

from __future__ import annotations

import threading

from engine.core.errors import MidiPortError
from engine.core.protocol import events as evt
from engine.midi.input_clock import InputStamper, worth_recording
from engine.midi.midi_input import MidiInput
from engine.realtime.channel_events import track_channel


class KeyboardInput:
    """See module doc.  ``engine`` is the process's ``Engine`` (backend, scheduler,
    router, sender); ``server`` the JACK server's name."""

    def __init__(self, engine, server: str | None):
        self.engine = engine
        self.server = server
        self.thru_track = 0
        self.source = ""  # the JACK MIDI output wanted connected
        self.midi_in: MidiInput | None = None
        self.stamper: InputStamper | None = None
        self._lock = threading.Lock()
        self._opener: threading.Thread | None = None
        self._closed = False

    def choose(self, source: str, track_index: int) -> None:
        """Listen to ``source`` through track ``track_index`` (command thread)."""
        self.thru_track = track_index
        with self._lock:
            self.source = source
            midi_in = self.midi_in
            if midi_in is None:
                if self._opener is None:
                    self._opener = threading.Thread(
                        target=self._open, name="pianola-midi-in-open", daemon=True
                    )
                    self._opener.start()
                return
        midi_in.connect(source)  # MidiPortError: said by the command handling

    def _open(self) -> None:
        try:
            midi_in = MidiInput(self._message, server=self.server).open()
        except MidiPortError as exc:
            self._say(exc)
            with self._lock:
                self._opener = None  # the next "listen" tries again
            return
        stamper = InputStamper(self.engine.backend, self.engine.scheduler, midi_in.port)
        midi_in.on_poll = stamper.sample
        with self._lock:
            if self._closed:
                midi_in.close()
                return
            self.midi_in, self.stamper = midi_in, stamper
        # connect to what is wanted now, even if it changed while we were opening
        while True:
            with self._lock:
                wanted = self.source
            try:
                midi_in.connect(wanted)
            except MidiPortError as exc:
                self._say(exc)
                return
            with self._lock:
                if self.source == wanted:
                    return

    def _say(self, exc: Exception) -> None:
        self.engine.sender.put(evt.ErrorEvent(str(exc), fatal=False, kind="MidiPortError"))

    def _message(self, frame: int, data: bytes) -> None:
        """MIDI input thread: play what came in through the thru track, at once, then tell
        the GUI where it was played (to record it)."""
        self._play_thru(data)
        stamper = self.stamper
        if worth_recording(data) and stamper is not None:
            at = stamper.place(frame)
            self.engine.sender.put(
                evt.MidiInputEvent(bytes(data[:3]), at.tick, at.pass_index, at.playing)
            )

    def _play_thru(self, data: bytes) -> None:
        scheduler, router = self.engine.scheduler, self.engine.router
        status, track = data[0] & 0xF0, self.thru_track
        if status == 0x90 and len(data) == 3 and data[2]:
            scheduler.preview_on(track, data[1], data[2])
        elif status in (0x80, 0x90) and len(data) == 3:
            scheduler.preview_off(track, data[1])
        elif status == 0xB0 and len(data) == 3:
            router.control_now(track_channel(track), data[1], data[2])
        elif status == 0xE0 and len(data) == 3:
            router.pitch_bend_now(track_channel(track), (data[1] | data[2] << 7) - 8192)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            midi_in, self.midi_in = self.midi_in, None
        if midi_in is not None:
            midi_in.close()
