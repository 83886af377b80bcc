"""The engine's MIDI input: opened, connected, played through a track, reported to the
GUI placed on the transport (engine process: ``choose`` from the command thread, the
opening and connecting in a thread of its own, messages in the MIDI input threads).

Pianola's own JACK input port (``pianola-midi-in:in``, through the JACK MIDI helper) is
always open; a source named by its JACK port name is connected to it, so its events are
stamped with their JACK frames.  A source named by its label, "API: port name" (an ALSA
sequencer port, CoreMIDI, WinMM, or a JACK port through rtmidi's JACK API), is opened
through python-rtmidi (``engine.midi.rtmidi_input``) and its events are stamped with the
API's own times; so is Pianola's own virtual input on an API ("ALSA: Pianola virtual
input"), a port of ours other programs connect to.  Opening takes a moment (up to seconds on a busy machine), so it runs
in its own thread: the command thread never waits for it, and a play or stop sent right
after "listen" is applied at once.  Each message is played at once through the thru
track (its instrument and its output port), then sent to the GUI as a
``MidiInputEvent`` at the tick heard when it was played (``engine.midi.input_clock``).
"""

from __future__ import annotations

import os
import threading

from engine.core.errors import MidiPortError
from engine.core.protocol import events as evt
from engine.midi.input_clock import ArrivalStamper, InputStamper, worth_recording
from engine.midi.midi_input import MidiInput
from engine.midi.ports import find_input, is_api_label
from engine.midi.rtmidi_input import RtMidiInput
from engine.realtime.channel_events import track_channel


class KeyboardInput:
    """See module doc.  ``engine`` is the process's ``Engine`` (backend, scheduler,
    router, sender); ``server`` the JACK server's name."""

    def __init__(self, engine, server: str | None):
        self.engine = engine
        self.server = server
        self.thru_track = 0
        self.source = ""  # wanted: "" (own port only), a JACK output's name, or a label
        self.midi_in: MidiInput | None = None  # Pianola's own JACK input port
        self.stamper: InputStamper | None = None
        self.api_in: RtMidiInput | None = None  # a source opened through python-rtmidi
        self._applied: str | None = None  # the source in force (None: none yet)
        self._failed = False  # the source in force could not be had: choosing it retries
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._closed = False

    def choose(self, source: str, track_index: int) -> None:
        """Listen to ``source`` through track ``track_index`` (command thread)."""
        self.thru_track = track_index
        with self._lock:
            self.source = source
            if self._failed and source == self._applied:
                self._applied = None  # chosen again: try again
            if self._worker is None and source != self._applied:
                self._worker = threading.Thread(
                    target=self._work, name="pianola-midi-in-open", daemon=True
                )
                self._worker.start()

    def _work(self) -> None:
        """Open the own port once, then apply the wanted source until it stays put."""
        if self.midi_in is None:
            self._open_own()
        while True:
            with self._lock:
                wanted = self.source
                if self._closed or wanted == self._applied:
                    self._worker = None
                    return
            try:
                self._apply(wanted)
                self._failed = False
            except MidiPortError as exc:
                self._say(str(exc))
                self._failed = True
            self._applied = wanted

    def _open_own(self) -> None:
        try:
            midi_in = MidiInput(self._jack_message, server=self.server).open()
        except MidiPortError as exc:
            self._say(str(exc))  # sources of other APIs can still be listened to
            return
        stamper = InputStamper(self.engine.backend, self.engine.scheduler, midi_in.port)
        midi_in.on_poll = stamper.sample
        with self._lock:
            if self._closed:
                midi_in.close()
                return
            self.midi_in, self.stamper = midi_in, stamper

    def _apply(self, wanted: str) -> None:
        """Listen to ``wanted`` alone (MidiPortError: why it cannot be had)."""
        api_in, self.api_in = self.api_in, None
        if api_in is not None:
            api_in.close()
        midi_in = self.midi_in
        if not is_api_label(wanted):
            if midi_in is None:
                if wanted:
                    raise MidiPortError(f"The MIDI input {wanted} cannot be reached: no JACK.")
                return
            midi_in.connect(wanted)
            return
        if midi_in is not None:
            midi_in.connect("")  # one source at a time
        if self.server and wanted.startswith("JACK: "):
            os.environ["JACK_DEFAULT_SERVER"] = self.server  # rtmidi's JACK client's server
        port = find_input(wanted, self.server)
        stamper = ArrivalStamper(self.engine.backend, self.engine.scheduler)
        opened = RtMidiInput(
            port, lambda at_ns, data: self._message(stamper, at_ns, data), self._say
        )
        opened.on_poll = stamper.sample
        opened.open()
        with self._lock:
            if self._closed:
                opened.close()
                return
            self.api_in = opened

    def _say(self, sentence: str) -> None:
        self.engine.sender.put(evt.ErrorEvent(sentence, fatal=False, kind="MidiPortError"))

    def _jack_message(self, frame: int, data: bytes) -> None:
        self._message(self.stamper, frame, data)

    def _message(self, stamper, stamp: int, data: bytes) -> None:
        """A MIDI input thread: play what came in through the thru track, at once, then
        tell the GUI where it was played (to record it).  ``stamp`` is in ``stamper``'s
        clock (a JACK frame, or a monotonic time)."""
        self._play_thru(data)
        if worth_recording(data) and stamper is not None:
            at = stamper.place(stamp)
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
            api_in, self.api_in = self.api_in, None
        for opened in (midi_in, api_in):
            if opened is not None:
                opened.close()
