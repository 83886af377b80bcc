"""The synth's sample clock read against the monotonic clock and against a JACK port's
frame counter (pure)."""

from __future__ import annotations

import random

import pytest

from engine.midi.clocks import ArrivalClock, HeldFrameOffset, WallClockMap

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


def test_an_arrival_clock_takes_the_api_times_from_the_least_delayed_read():
    # the API stamps at 1 000, 1 250 and 1 600 us on its own clock (origin 5 ms on the
    # monotonic clock); the reads come 3 ms, 0.2 ms and 1 ms late
    clock = ArrivalClock()
    origin_ns = 5_000_000
    stamped_us = (1000, 1250, 1600)
    late_ns = (3_000_000, 200_000, 1_000_000)
    stamps = []
    previous = None
    for at_us, late in zip(stamped_us, late_ns):
        delta_s = 0.0 if previous is None else (at_us - previous) / 1e6
        previous = at_us
        stamps.append(clock.stamp(delta_s, origin_ns + at_us * 1000 + late))
    # the first is known only as well as its read; from the second on, to 0.2 ms
    assert stamps[0] == origin_ns + 1_000_000 + 3_000_000
    assert stamps[1] == origin_ns + 1_250_000 + 200_000
    assert stamps[2] == origin_ns + 1_600_000 + 200_000


def test_an_arrival_clock_sums_many_deltas_exactly():
    clock = ArrivalClock()
    clock.stamp(0.0, 0)
    for _ in range(100_000):
        clock.stamp(0.000_333, 10**12)  # rounding each float delta keeps the sum exact
    assert clock.api_us == 33_300_000


def test_an_arrival_clock_needs_a_window():
    with pytest.raises(ValueError, match="window"):
        ArrivalClock(0)
