"""The synth's sample clock read against the monotonic clock and against a JACK port's
frame counter (pure)."""

from __future__ import annotations

import random

import pytest

from engine.midi.clocks import HeldFrameOffset, WallClockMap

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


def _readings(held: HeldFrameOffset, start_ms: int, end_ms: int, offset: int, rng, odd=0.1):
    """Readings every 4 ms of "helper's cycle end - synth frames": the offset itself, or,
    for a reading taken while one of the two was running, a period off either way."""
    for ms in range(start_ms, end_ms, 4):
        synth = ms * RATE // 1000 // PERIOD * PERIOD
        off = rng.choice((-PERIOD, PERIOD)) if rng.random() < odd else 0
        held.sample(ms * 1_000_000, synth + offset + off - PERIOD, PERIOD, synth)


def test_the_held_offset_is_the_counters_exact_difference_and_follows_a_lost_cycle():
    rng = random.Random(11)
    held = HeldFrameOffset(1_000_000_000, 50)
    _readings(held, 0, 100, 7040, rng)
    assert held.offset is None  # too few readings yet
    _readings(held, 100, 2000, 7040, rng, odd=0.3)
    assert held.offset == 7040  # readings a period off, however many, never move it
    _readings(held, 2000, 4000, 7040 + PERIOD, rng)  # the synth lost a cycle
    assert held.offset == 7040 + PERIOD


def test_readings_split_between_two_values_move_nothing():
    held = HeldFrameOffset(1_000_000_000, 50)
    _readings(held, 0, 1000, 7040, random.Random(3), odd=0)
    for ms in range(1000, 3000, 4):  # read just as a client runs, every other time
        synth = ms * RATE // 1000 // PERIOD * PERIOD
        held.sample(ms * 1_000_000, synth + 7040 + PERIOD * (ms // 4 % 2), PERIOD, synth)
    assert held.offset == 7040


def test_a_held_offset_without_a_window_is_refused():
    with pytest.raises(ValueError):
        HeldFrameOffset(0, 50)
