"""The synth's sample clock read against the monotonic clock (pure)."""

from __future__ import annotations

import random

from engine.midi.clocks import WallClockMap

RATE, PERIOD = 48000, 256
PERIOD_NS = PERIOD * 1_000_000_000 // RATE


def _read(clock: WallClockMap, start_ms: int, end_ms: int, lost_periods: int, rng) -> None:
    """Readings every millisecond, each delayed by up to two periods (a busy machine),
    of a synth that renders a period at each cycle and has lost ``lost_periods``."""
    for ms in range(start_ms, end_ms):
        true_ns = ms * 1_000_000
        rendered = (true_ns * RATE // 1_000_000_000) // PERIOD * PERIOD + PERIOD
        delay = rng.randrange(0, 2 * PERIOD_NS) if rng.random() < 0.7 else 0
        clock.sample(true_ns + delay, rendered - lost_periods * PERIOD)


def _error_ns(clock: WallClockMap, lost_periods: int, at_ms: int) -> int:
    frame = at_ms * RATE // 1000 // PERIOD * PERIOD
    truth = (frame + lost_periods * PERIOD) * 1_000_000_000 // RATE
    return clock.deadline_ns(frame) - truth


def test_the_map_stays_put_on_a_busy_machine_and_follows_a_lost_cycle_within_a_second():
    rng = random.Random(7)
    clock = WallClockMap(RATE, PERIOD)
    _read(clock, 0, 3000, 0, rng)
    steady = _error_ns(clock, 0, 3000)
    assert abs(steady) < PERIOD_NS // 4  # delayed readings never move it
    _read(clock, 3000, 4000, 1, rng)  # from here the synth is a period behind
    assert abs(_error_ns(clock, 1, 4000) - steady) < PERIOD_NS // 4
