"""An rtmidi output port fed at absolute deadlines (its own sender thread, which inherits
the engine's realtime priority; ``send`` from the engine's scheduler thread).

For APIs whose messages go out "now" (ALSA sequencer, CoreMIDI, WinMM -- and rtmidi's
JACK API, which writes at offset 0 of the next cycle) the best a sender can do is to call
``send_message`` as close to each event's moment as it can: events wait in a heap keyed
by their deadline on the monotonic clock; the thread sleeps until shortly before the
first one and spins the last stretch, so the error is the wake-up jitter, not a sleep's.

Notes it started are remembered per (channel, key) until their note-off went out, so
``release_all`` (stop, locate, panic, closing) ends exactly the notes that sound.
"""

from __future__ import annotations

import heapq
import threading
import time

from engine.core.errors import MidiPortError
from engine.midi.ports import MidiPort, api_ident, quiet_c_stderr

SPIN_NS = 1_000_000  # the last millisecond before a deadline is spun, not slept


class DeadlinePort:
    """One rtmidi output (a port of ``port``'s API, or a virtual one) and its sender thread."""

    def __init__(self, port: MidiPort | None, *, api_ident: int | None = None, name="pianola"):
        self.port = port
        self.api_ident = api_ident
        self.name = name
        self._out = None
        self._heap: list[tuple[int, int, int, bytes]] = []  # (deadline_ns, seq, tag, data)
        self._seq = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False
        self.sounding: dict[tuple[int, int], int] = {}
        self.failed: str | None = None  # set when the port went away while sending
        self.sent = 0
        self.errors_ns: list[int] = []  # send time minus deadline, kept when measuring
        self.measure = False

    def open(self) -> DeadlinePort:
        import rtmidi

        try:
            with quiet_c_stderr():
                if self.port is not None:
                    api = self.api_ident if self.api_ident is not None else api_ident(self.port.api)
                    out = rtmidi.MidiOut(api, name=self.name)
                    names = out.get_ports()
                    # the index may have moved since the port was listed: find it by name
                    if self.port.name not in names:
                        out.delete()
                        raise MidiPortError(f"The MIDI port {self.port.label} is gone.")
                    out.open_port(names.index(self.port.name), "out")
                else:
                    out = rtmidi.MidiOut(self.api_ident, name=self.name)
                    out.open_virtual_port("out")
        except (rtmidi.RtMidiError, OSError) as exc:
            label = self.port.label if self.port else "virtual MIDI output"
            raise MidiPortError(f"The MIDI port {label} cannot be opened ({exc}).") from None
        self._out = out
        self._thread = threading.Thread(target=self._run, name="pianola-midi-send", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.release_all()
            with self._cond:
                self._closing = True
                self._cond.notify()
            self._thread.join(timeout=2)
            self._thread = None
        if self._out is not None:
            with quiet_c_stderr():
                self._out.close_port()
                self._out.delete()
            self._out = None

    # --- the scheduler's side ------------------------------------------------------------
    def send(self, deadline_ns: int, data: bytes, tag: int = 0) -> bool:
        with self._cond:
            self._seq += 1
            heapq.heappush(self._heap, (deadline_ns, self._seq, tag, bytes(data)))
            if self._heap[0][1] == self._seq:
                self._cond.notify()  # the new event is the first: wake the thread earlier
        return True

    def cancel_tag(self, tag: int) -> None:
        with self._cond:
            self._heap = [e for e in self._heap if e[2] != tag]
            heapq.heapify(self._heap)

    def cancel_all(self) -> None:
        with self._cond:
            self._heap.clear()

    def release_all(self) -> None:
        """Withdraw what waits and end every note this port started, at once."""
        with self._cond:
            self._heap.clear()
            sounding, self.sounding = self.sounding, {}
            channels = {channel for channel, _ in sounding}
            for channel, key in sounding:
                self._write(bytes((0x80 | channel, key, 0)))
            for channel in channels:
                self._write(bytes((0xB0 | channel, 64, 0)))
                self._write(bytes((0xE0 | channel, 0, 64)))

    def send_now(self, data: bytes) -> None:
        with self._cond:
            self._write(bytes(data))

    # --- the sender thread ---------------------------------------------------------------
    def _run(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._closing and not self._heap:
                    cond.wait()
                if self._closing:
                    return
                deadline = self._heap[0][0]
                wait_ns = deadline - time.monotonic_ns() - SPIN_NS
                if wait_ns > 0:
                    cond.wait(wait_ns / 1e9)  # woken early by an earlier event or a close
                    continue
            while time.monotonic_ns() < deadline:
                pass  # the last stretch: a sleep would overshoot by the timer slack
            with cond:
                now = time.monotonic_ns()
                while self._heap and self._heap[0][0] <= now:
                    due, _, _, data = heapq.heappop(self._heap)
                    self._write(data)
                    if self.measure:
                        self.errors_ns.append(time.monotonic_ns() - due)

    def _write(self, data: bytes) -> None:
        """Send and keep the sounding notes (with the lock held)."""
        if self._out is None or self.failed:
            return
        try:
            self._out.send_message(data)
        except Exception as exc:  # rtmidi raises its own errors when the port went away
            self.failed = str(exc) or type(exc).__name__
            return
        self.sent += 1
        if len(data) == 3:
            status, key = data[0] & 0xF0, (data[0] & 0x0F, data[1])
            if status == 0x90 and data[2]:
                self.sounding[key] = self.sounding.get(key, 0) + 1
            elif status in (0x80, 0x90):
                left = self.sounding.pop(key, 0) - 1
                if left > 0:
                    self.sounding[key] = left
