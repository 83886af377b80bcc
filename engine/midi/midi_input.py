"""MIDI input: Pianola's own JACK MIDI input port, and a source connected to it (engine
process: ``open``/``connect`` from the command thread, the reader in its own thread).

Events arrive through the JACK MIDI helper (``JackMidiPort`` with an input), stamped with
the JACK frame they came in at, so a recording can place them where they were played,
not where Python got round to them.  The reader thread takes them from the shared ring
every millisecond and hands each to ``on_message(frame, data)`` -- the engine plays it at
once through the selected track (MIDI thru).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.core.errors import MidiPortError
from engine.midi.jack_port import JackMidiPort

POLL_S = 0.001
SAMPLE_EVERY = 4  # on_poll every fourth poll: clocks read often enough, at little cost
CLIENT_NAME = "pianola-midi-in"


class MidiInput:
    def __init__(self, on_message, *, server: str | None = None):
        self.on_message = on_message
        self.server = server
        self.port: JackMidiPort | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected: str = ""
        self.on_poll: Callable[[], None] | None = None  # called every few polls (a clock to read)

    @property
    def port_name(self) -> str:
        return f"{CLIENT_NAME}:in"

    def open(self) -> MidiInput:
        self.port = JackMidiPort(CLIENT_NAME, server=self.server, with_input=True).open()
        self._thread = threading.Thread(target=self._read, name="pianola-midi-in", daemon=True)
        self._thread.start()
        return self

    def connect(self, source: str) -> None:
        """Listen to ``source`` (a JACK MIDI output port) instead of what was connected."""
        if source == self.connected:
            return
        try:
            import jack

            client = jack.Client(
                "pianola-midi-connect", no_start_server=True, servername=self.server
            )
        except Exception as exc:  # jack.JackError, or no JACK library
            raise MidiPortError(f"MIDI input cannot reach JACK ({exc}).") from None
        try:
            if self.connected:
                try:
                    client.disconnect(self.connected, self.port_name)
                except jack.JackError:
                    pass  # the old source is gone already
            if source:
                try:
                    client.connect(source, self.port_name)
                except jack.JackError:
                    raise MidiPortError(
                        f"The MIDI input {source} cannot be connected (is it still there?)."
                    ) from None
            self.connected = source
        finally:
            client.close()

    def _read(self) -> None:
        port = self.port
        if port is None:  # started by open(), which opens the port first
            return
        polls = 0
        while not self._stop.wait(POLL_S):
            polls += 1
            if self.on_poll is not None and polls % SAMPLE_EVERY == 0:
                self.on_poll()
            for frame, data in port.received():
                self.on_message(frame, data)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None
        if self.port is not None:
            self.port.close()
            self.port = None
