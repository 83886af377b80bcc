"""A sample-accurate JACK MIDI output (and input) port (engine threads; the copying runs
in the helper process ``engine.midi.jack_helper``).

``send(frame, data)`` queues bytes for the JACK frame ``frame``; the helper writes them in
the JACK cycle that holds that frame at its offset, so they land on their frame exactly,
whatever the engine's threads are doing at the time -- as long as they are queued before
that cycle starts.  Events can be withdrawn by tag until their cycle comes.  Any
timestamped bytes of up to eight bytes go through the same path (notes, controllers,
MIDI clock, song position).

Frames are JACK's frame time unwrapped to 64 bits; ``cycle_frame()`` is the first frame
of the latest cycle the helper ran, so ``cycle_frame() + cycle_frames()`` is the earliest
frame an event sent now can still land on exactly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import IO

from engine.core.errors import MidiPortError
from engine.midi import event_ring as r

START_TIMEOUT_S = 30.0  # a helper starting on a busy machine: Python, JACK-Client, the client


class JackMidiPort:
    """One JACK client with a MIDI ``out`` port (and ``in`` when ``with_input``)."""

    def __init__(
        self,
        client_name: str = "pianola-midi",
        *,
        server: str | None = None,
        connect_to: tuple[str, ...] = (),
        with_input: bool = False,
        capacity: int = 4096,
    ):
        self.client_name = client_name
        self.server = server
        self.connect_to = tuple(connect_to)
        self.with_input = with_input
        self.capacity = capacity
        self.out_ring: r.EventRing | None = None
        self.in_ring: r.EventRing | None = None
        self._proc: subprocess.Popen | None = None
        self._stderr: IO[bytes] | None = None
        # frame ranges of the cycles the helper's input was not run in (seen by received)
        self.missed: list[tuple[int, int]] = []

    # --- lifetime ----------------------------------------------------------------------
    def open(self) -> JackMidiPort:
        """Start the helper and wait until its client runs; MidiPortError if it cannot."""
        self.out_ring = r.EventRing.create(self.capacity)
        if self.with_input:
            self.in_ring = r.EventRing.create(self.capacity)
        args = [
            sys.executable,
            "-m",
            "engine.midi.jack_helper",
            self.out_ring.name,
            self.in_ring.name if self.in_ring else "-",
            self.client_name,
            self.server or "-",
            *self.connect_to,
        ]
        # the helper ends when we do; told our pid, since we may be gone before it asks
        env = dict(os.environ, JACK_NO_START_SERVER="1", PIANOLA_HELPER_OWNER=str(os.getpid()))
        # stderr to a file, not a pipe: a helper blocked on a full pipe would miss cycles.
        # Its stdin is a pipe it waits on: closed by close(), or by the OS when we end.
        stderr = self._stderr = tempfile.TemporaryFile()
        proc = self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr, env=env
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        items = self.out_ring.items
        while items[r.STATE] != r.RUNNING:
            if proc.poll() is not None or items[r.STATE] == r.ENDED:
                stderr.seek(0)
                reason = stderr.read().decode(errors="replace").strip().splitlines()
                self.close()
                raise MidiPortError(
                    "The JACK MIDI port could not be opened"
                    + (f" ({reason[-1]})." if reason else ".")
                )
            if time.monotonic() > deadline:
                self.close()
                raise MidiPortError("The JACK MIDI port did not start in time.")
            time.sleep(0.01)
        return self

    def close(self) -> None:
        """End every note the port started, then stop the helper (waits up to ~1 s)."""
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()  # the helper's word to end
            try:
                self._proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._stderr is not None:
                self._stderr.close()
            self._proc = None
        for ring in (self.out_ring, self.in_ring):
            if ring is not None:
                ring.close()
        self.out_ring = self.in_ring = None

    def __enter__(self) -> JackMidiPort:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def helper_output(self) -> str:
        """What the helper and libjack in it have written to standard error so far (the
        last lines), for saying why a port went quiet."""
        stderr = self._stderr
        if stderr is None or stderr.closed:
            return ""
        stderr.seek(0)
        return stderr.read().decode(errors="replace")[-2000:]

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def port_name(self) -> str:
        return f"{self.client_name}:out"

    @property
    def _out(self) -> r.EventRing:
        """The ring to the helper (the port is open)."""
        if self.out_ring is None:
            raise MidiPortError("The JACK MIDI port is not open.")
        return self.out_ring

    @property
    def _in(self) -> r.EventRing:
        """The ring from the helper (the port is open, with its input)."""
        if self.in_ring is None:
            raise MidiPortError("The JACK MIDI port has no input open.")
        return self.in_ring

    # --- output (one producer thread) --------------------------------------------------
    def send(self, frame: int, data: bytes, tag: int = 0) -> bool:
        """Queue ``data`` for JACK frame ``frame``; False if the queue is full."""
        return self._out.put(r.EVENT, frame, tag, bytes(data))

    def cancel_tag(self, tag: int) -> None:
        """Withdraw the queued events of ``tag`` that have not been written yet."""
        self._out.put(r.CANCEL_TAG, 0, tag)

    def cancel_all(self) -> None:
        self._out.put(r.CANCEL_ALL)

    def release_all(self) -> None:
        """Withdraw everything queued and end every note the port started (next cycle)."""
        self._out.put(r.RELEASE)

    # --- input (one consumer thread) ---------------------------------------------------
    def received(self) -> list[tuple[int, bytes]]:
        """Events that arrived at ``in`` since the last call: (JACK frame, bytes).  The
        cycles the helper was not run in meanwhile are added to ``missed``."""
        events = []
        for kind, frame, tag, data in self._in.take():
            if kind == r.GAP:
                self.missed.append((frame, tag))
            else:
                events.append((frame, data))
        return events

    # --- the helper's clock and counters -----------------------------------------------
    def cycle_frame(self) -> int:
        return self._out.items[r.CYCLE_FRAME]

    def cycle_ns(self) -> int:
        """The monotonic clock when the helper was woken for the latest cycle."""
        return self._out.items[r.CYCLE_NS]

    def cycle_frames(self) -> int:
        return self._out.items[r.CYCLE_FRAMES]

    def counters(self) -> dict[str, int]:
        items = self._out.items
        return {
            "written": items[r.WRITTEN],
            "late": items[r.LATE],
            "worst_late_frames": items[r.WORST_LATE],
            "dropped": items[r.DROPPED],
            "gaps": items[r.GAPS],
            "cycles": items[r.CYCLES],
        }
