"""Where a routed track's events go: a JACK MIDI port written sample-accurately, or a
port of another API sent to at absolute deadlines (engine threads: the scheduler thread
under its lock, and ``MidiRouter.prepare`` measuring a new port).

Both turn the synth frame the scheduler stamps an event with into their own clock (see
``engine.midi.clocks``) and keep the port's own bookkeeping of the notes it started, so
stop, locate, panic and close end them.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque

from engine.midi.clocks import HeldFrameOffset, JackClockMap, WallClockMap
from engine.midi.deadline_port import DeadlinePort
from engine.midi.jack_port import JackMidiPort

TAG_SLOTS = 256  # as the synth's: the scheduler withdraws by tag modulo this
HOLD_WINDOW_NS = 1_000_000_000  # a JACK sink's offset: measurements of the last second
HOLD_MIN_SAMPLES = 50


class JackSink:
    """A JACK destination written sample-accurately through a helper's port.

    When the synth renders on the same JACK server (``same_clock``) both count the same
    JACK frames, so "JACK frame - synth frame" is one constant that moves only by whole
    periods when the synth loses a cycle: it is read from the two counters directly
    (``HeldFrameOffset``).  Going through the monotonic clock instead put events periods
    off on a busy machine, whose dummy server's frames run slow against that clock.

    Otherwise (the synth on another audio API) the offset is measured through the
    monotonic clock (``engine.midi.clocks``), and the value in use is held until the
    median of the last second's measurements moves by more than half a period -- so the
    measuring noise of a busy machine never reaches the events' frames."""

    def __init__(
        self,
        port: JackMidiPort,
        label: str,
        sample_rate: int,
        period_frames: int,
        same_clock: bool = False,
    ):
        self.port = port
        self._held = HeldFrameOffset(HOLD_WINDOW_NS, HOLD_MIN_SAMPLES) if same_clock else None
        self.label = label
        self.period_frames = period_frames
        self.synth_clock = WallClockMap(sample_rate, period_frames)
        self.jack_clock = JackClockMap(sample_rate)
        self.offset: int | None = None  # JACK frame - synth frame, as held
        self._lock = threading.Lock()
        self._recent: deque[tuple[int, int]] = deque()  # (now_ns, measured offset)

    def sample(self, synth_frame: int, now_ns: int) -> None:
        with self._lock:  # the scheduler thread, or prepare() measuring a new port
            self._sample_locked(synth_frame, now_ns)

    def _sample_locked(self, synth_frame: int, now_ns: int) -> None:
        if self._held is not None:
            port = self.port
            self._held.sample(now_ns, port.cycle_frame(), port.cycle_frames(), synth_frame)
            self.offset = self._held.offset
            return
        self.synth_clock.sample(now_ns, synth_frame)
        self.jack_clock.sample(self.port.cycle_frame(), self.port.cycle_ns())
        at_ns = self.synth_clock.deadline_ns(synth_frame)
        frame = None if at_ns is None else self.jack_clock.frame_at(at_ns)
        if frame is None:
            return
        recent = self._recent
        recent.append((now_ns, frame - synth_frame))
        while recent[0][0] < now_ns - HOLD_WINDOW_NS:
            recent.popleft()
        if len(recent) < HOLD_MIN_SAMPLES:
            return
        measured = int(statistics.median(o for _, o in recent))
        if self.offset is None or abs(measured - self.offset) > self.period_frames // 2:
            self.offset = measured

    def send(self, synth_frame: int, data: bytes, tag: int) -> None:
        frame: int | None
        if self.offset is not None:
            frame = synth_frame + self.offset
        else:  # not measured yet: the live estimate, or as soon as possible
            at_ns = self.synth_clock.deadline_ns(synth_frame)
            frame = None if at_ns is None else self.jack_clock.frame_at(at_ns)
        self.port.send(self._next_cycle() if frame is None else frame, data, tag % TAG_SLOTS)

    def _next_cycle(self) -> int:
        return self.port.cycle_frame() + self.port.cycle_frames()

    def send_now(self, data: bytes) -> None:
        self.port.send(self._next_cycle(), data)

    def cancel_tag(self, slot: int) -> None:
        self.port.cancel_tag(slot)

    def cancel_all(self) -> None:
        self.port.cancel_all()

    def release_all(self) -> None:
        self.port.release_all()

    @property
    def alive(self) -> bool:
        return self.port.alive

    def close(self) -> None:
        self.port.close()


class DeadlineSink:
    """A port of another API (or rtmidi's JACK API) sent to at absolute deadlines."""

    def __init__(self, port: DeadlinePort, label: str, sample_rate: int, period_frames: int):
        self.port = port
        self.label = label
        self.map = WallClockMap(sample_rate, period_frames)

    def sample(self, synth_frame: int, now_ns: int) -> None:
        self.map.sample(now_ns, synth_frame)

    def send(self, synth_frame: int, data: bytes, tag: int) -> None:
        deadline = self.map.deadline_ns(synth_frame)
        self.port.send(time.monotonic_ns() if deadline is None else deadline, data, tag % TAG_SLOTS)

    def send_now(self, data: bytes) -> None:
        self.port.send_now(data)

    def cancel_tag(self, slot: int) -> None:
        self.port.cancel_tag(slot)

    def cancel_all(self) -> None:
        self.port.cancel_all()

    def release_all(self) -> None:
        self.port.release_all()

    @property
    def alive(self) -> bool:
        return self.port.failed is None

    def close(self) -> None:
        self.port.close()
