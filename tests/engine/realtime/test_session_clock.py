"""The session clock's first readings are waited for only while a start can still be
placed (the clock on a stand-in synth clock: only ``now_frame`` and its rate are read)."""

from __future__ import annotations

import time

from engine.realtime.session_clock import SessionClock
from tests.engine.collab.conftest import wait_until

RATE = 48_000


class _SynthClock:
    """A synth's frame count: running at the host's pace, or stalled (no audio yet)."""

    def __init__(self, running: bool):
        self.sample_rate = RATE
        self.block_frames = 64
        self._running = running
        self._t0 = time.monotonic_ns()

    def now_frame(self) -> int:
        if not self._running:
            return 0
        return (time.monotonic_ns() - self._t0) * RATE // 1_000_000_000


def test_a_start_already_due_is_not_waited_for_while_the_clock_has_no_readings():
    clock = SessionClock(_SynthClock(running=False), None, uses_jack=False).open()
    try:
        assert not clock.wait_ready(time.monotonic_ns() - 1)
        # a start still ahead: waited for until then, and the clock still has nothing
        assert not clock.wait_ready(time.monotonic_ns() + 50_000_000)
    finally:
        clock.close()


def test_a_start_far_enough_ahead_waits_for_the_clocks_first_readings():
    clock = SessionClock(_SynthClock(running=True), None, uses_jack=False).open()
    try:
        # each wait is bounded by the clock's own limit (a second); a busy machine may
        # need a few of them for the first readings
        assert wait_until(lambda: clock.wait_ready(time.monotonic_ns() + 30_000_000_000), 60)
        at_ns = time.monotonic_ns() + 1_000_000_000
        frame = clock.frame_heard_at(at_ns)
        assert frame is not None and frame % 64 == 0
    finally:
        clock.close()
