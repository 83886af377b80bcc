"""A JACK MIDI client that records what arrives and sends at chosen frames (setup and
reading in the caller's thread; the copying in a helper process of its own).

The tests and benchmarks listen to Pianola's MIDI output the way another program would:
this client's ``in`` port records ``(last_frame_time + offset, bytes)`` of every event it
receives, so each event's JACK frame is known exactly, and its ``out`` port sends events
at the frames the caller chose (to drive Pianola's MIDI input).

The JACK client is the MIDI helper process Pianola's own ports use
(``engine.midi.jack_port``), not a client of the caller's process: a process callback
there waits for the GIL whenever the caller's threads hold it, and on a busy machine runs
a period late, reading the next cycle's frame time and so stamping what it copies one
period late.  A client of the caller's own, never activated, answers questions about the
graph (ports, connections) and connects.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from engine.core.errors import AudioDriverError
from engine.midi.jack_port import JackMidiPort, MidiPortError


class MidiRecorder:
    """A JACK client ``name`` with MIDI ports ``in`` (recorded) and ``out`` (sent)."""

    def __init__(self, name: str = "pianola-midi-recorder", server: str | None = None):
        self.name = name
        self.server = server
        self._client: Any = None  # a jack.Client while open (JACK-Client has no types)
        self._port: JackMidiPort | None = None
        self._lock = threading.Lock()
        self._events: list[tuple[int, bytes]] = []
        self.period_frames = 0
        self.sample_rate = 0

    def open(self) -> MidiRecorder:
        try:
            import jack

            client = jack.Client(f"{self.name}-ask", no_start_server=True, servername=self.server)
        except Exception as exc:  # jack.JackError, or no JACK library
            raise AudioDriverError(f"the MIDI recorder cannot reach JACK ({exc})") from None
        self._client = client
        self.sample_rate = client.samplerate
        self.period_frames = client.blocksize
        try:
            self._port = JackMidiPort(self.name, server=self.server, with_input=True).open()
        except MidiPortError as exc:
            self.close()
            raise AudioDriverError(f"the MIDI recorder cannot open its ports ({exc})") from None
        return self

    @property
    def client(self) -> Any:
        """A jack.Client for asking JACK about ports and connections (never activated)."""
        if self._client is None:
            raise AudioDriverError(f"the MIDI recorder {self.name} is not open")
        return self._client

    @property
    def port(self) -> JackMidiPort:
        if self._port is None:
            raise AudioDriverError(f"the MIDI recorder {self.name} is not open")
        return self._port

    @property
    def inport(self) -> Any:
        return self.client.get_port_by_name(f"{self.name}:in")

    @property
    def outport(self) -> Any:
        return self.client.get_port_by_name(f"{self.name}:out")

    def close(self) -> None:
        if self._port is not None:
            self._drain()
            self._port.close()
            self._port = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> MidiRecorder:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _drain(self) -> None:
        with self._lock:
            if self._port is not None:
                self._events.extend(self._port.received())

    # --- the caller's side -------------------------------------------------------------
    def connect_from(self, port: str) -> None:
        """Record what ``port`` (another client's MIDI output) sends."""
        self.client.connect(port, f"{self.name}:in")

    def connect_to(self, port: str) -> None:
        """Send to ``port`` (another client's MIDI input)."""
        self.client.connect(f"{self.name}:out", port)

    @property
    def cycle_frame(self) -> int:
        """The first frame of the latest cycle the helper ran (unwrapped JACK frame time)."""
        return self.port.cycle_frame()

    def frame_now(self) -> int:
        return self.cycle_frame

    def send_at(self, frame: int, data: bytes) -> None:
        """Send ``data`` at JACK frame ``frame`` (a frame already passed: at once)."""
        if not self.port.send(frame, data):
            raise AudioDriverError(f"the MIDI recorder {self.name} has too much queued")

    @property
    def missed(self) -> list[tuple[int, int]]:
        """Frame ranges of the cycles the helper was not run in: what arrived in them was
        lost, or was copied a cycle late and so stamped late."""
        self._drain()
        return list(self.port.missed) if self._port is not None else []

    def events(self) -> list[tuple[int, bytes]]:
        """Everything received so far: (JACK frame, bytes), in arrival order."""
        self._drain()
        with self._lock:
            return list(self._events)

    def heard(self, frame: int) -> bool:
        """False if ``frame`` lies in a cycle this client was not run in (a busy machine's
        dummy server drops cycles): whatever was sent there may not have reached us, or
        reached us stamped late."""
        return not any(a <= frame < b for a, b in self.missed)

    def clear(self) -> None:
        self._drain()
        with self._lock:
            self._events.clear()

    def wait_for(self, count: int, timeout_s: float) -> list[tuple[int, bytes]]:
        """Wait until ``count`` events arrived (or the timeout); returns them all."""
        deadline = time.monotonic() + timeout_s
        while len(self.events()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.events()


def sounding_notes(events) -> dict[tuple[int, int], int]:
    """(channel, key) -> note-ons not yet ended, after ``events`` (bytes or (frame, bytes))."""
    open_notes: dict[tuple[int, int], int] = {}
    for event in events:
        data = event[1] if isinstance(event, tuple) else event
        if len(data) != 3:
            continue
        status, key = data[0] & 0xF0, (data[0] & 0x0F, data[1])
        if status == 0x90 and data[2] > 0:
            open_notes[key] = open_notes.get(key, 0) + 1
        elif status in (0x80, 0x90) or (status == 0xB0 and data[1] in (120, 123)):
            if status == 0xB0:  # all sound off / all notes off: the channel is silent
                for k in [k for k in open_notes if k[0] == data[0] & 0x0F]:
                    del open_notes[k]
            elif open_notes.get(key, 0) > 1:
                open_notes[key] -= 1
            else:
                open_notes.pop(key, None)
    return open_notes
