"""A JACK MIDI client that records what arrives and sends at chosen frames (setup in the
caller's thread; the copying in JACK's process thread).

The tests and ``pianola bench midi`` listen to Pianola's MIDI output the way another
program would: this client's ``in`` port records ``(last_frame_time + offset, bytes)`` of
every event it receives, so each event's JACK frame is known exactly, and its ``out``
port sends events at the frames the caller chose (to drive Pianola's MIDI input).
"""

from __future__ import annotations

import bisect
import threading
import time
from typing import Any

from engine.core.errors import AudioDriverError


class MidiRecorder:
    """A JACK client ``name`` with MIDI ports ``in`` (recorded) and ``out`` (sent)."""

    def __init__(self, name: str = "pianola-midi-recorder", server: str | None = None):
        self.name = name
        self.server = server
        self._client: Any = None  # a jack.Client while open (JACK-Client has no types)
        self._lock = threading.Lock()
        self._events: list[tuple[int, bytes]] = []
        self._to_send: list[tuple[int, int, bytes]] = []  # (frame, seq, data)
        self._seq = 0
        self._high = 0
        self._last: int | None = None
        self.cycle_frame = 0
        self._next_cycle: int | None = None
        self.missed: list[tuple[int, int]] = []  # frame ranges of cycles we were not run in
        self.period_frames = 0
        self.sample_rate = 0

    def open(self) -> MidiRecorder:
        try:
            import jack

            client = jack.Client(self.name, no_start_server=True, servername=self.server)
        except Exception as exc:  # jack.JackError, or no JACK library
            raise AudioDriverError(f"the MIDI recorder cannot reach JACK ({exc})") from None
        self._client = client
        self.inport = client.midi_inports.register("in")
        self.outport = client.midi_outports.register("out")
        self.sample_rate = client.samplerate
        self.period_frames = client.blocksize
        client.set_process_callback(self._process)
        client.activate()
        return self

    @property
    def client(self) -> Any:
        """The open jack.Client (for asking JACK about this recorder's ports)."""
        if self._client is None:
            raise AudioDriverError(f"the MIDI recorder {self.name} is not open")
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.deactivate()
            self._client.close()
            self._client = None

    def __enter__(self) -> MidiRecorder:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _unwrap(self, frame32: int) -> int:
        frame = self._high | frame32
        if self._last is not None and frame < self._last - (1 << 31):
            self._high += 1 << 32
            frame += 1 << 32
        self._last = frame
        return frame

    def _process(self, frames: int) -> None:
        start = self._unwrap(self._client.last_frame_time)
        if self._next_cycle is not None and start > self._next_cycle:
            self.missed.append((self._next_cycle, start))
        self._next_cycle = max(start + frames, self._next_cycle or 0)
        self.cycle_frame = start
        for offset, data in self.inport.incoming_midi_events():
            self._events.append((start + offset, bytes(data)))
        self.outport.clear_buffer()
        end = start + frames
        with self._lock:
            n = 0
            while n < len(self._to_send) and self._to_send[n][0] < end:
                frame, _, data = self._to_send[n]
                self.outport.write_midi_event(max(0, frame - start), data)
                n += 1
            del self._to_send[:n]

    # --- the caller's side -------------------------------------------------------------
    def connect_from(self, port: str) -> None:
        """Record what ``port`` (another client's MIDI output) sends."""
        self.client.connect(port, self.inport)

    def connect_to(self, port: str) -> None:
        """Send to ``port`` (another client's MIDI input)."""
        self.client.connect(self.outport, port)

    def frame_now(self) -> int:
        """The first frame of the cycle in progress (unwrapped JACK frame time)."""
        return self.cycle_frame

    def send_at(self, frame: int, data: bytes) -> None:
        with self._lock:
            self._seq += 1
            bisect.insort(self._to_send, (frame, self._seq, bytes(data)))

    def events(self) -> list[tuple[int, bytes]]:
        """Everything received so far: (JACK frame, bytes), in arrival order."""
        return list(self._events)

    def heard(self, frame: int) -> bool:
        """False if ``frame`` lies in a cycle this client was not run in (a busy machine's
        dummy server drops cycles): whatever was sent there never reached us."""
        return not any(a <= frame < b for a, b in self.missed)

    def clear(self) -> None:
        self._events.clear()

    def wait_for(self, count: int, timeout_s: float) -> list[tuple[int, bytes]]:
        """Wait until ``count`` events arrived (or the timeout); returns them all."""
        deadline = time.monotonic() + timeout_s
        while len(self._events) < count and time.monotonic() < deadline:
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
