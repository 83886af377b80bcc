"""Where a MIDI input event was played, from the JACK frame it came in at: with the synth on
the same JACK server, the offset between the two frame counters is read from the
counters themselves (pure: simulated clocks)."""

from __future__ import annotations

import random

from engine.midi.input_clock import InputClock

RATE, PERIOD = 48000, 256
OFFSET = 1000  # JACK frame - synth frame, the truth the clock must find
SLOW = 1.01  # the server's frames run 1 % slow against the monotonic clock


def _readings(seconds: float, lost_at_s: float | None, rng):
    """(synth frames, now ns, cycle frame, woken ns, cycle frames) every 4 ms of a dummy
    server whose cycles come late against the monotonic clock; the synth renders each
    cycle too, read mostly between cycles and now and then while one of the two runs;
    from ``lost_at_s`` on, the synth has lost a cycle."""
    cycle_ns = PERIOD * 1_000_000_000 * SLOW / RATE
    for step in range(int(seconds * 250)):
        now_ns = step * 4_000_000 + rng.randrange(0, 3_000_000)
        k = int(now_ns // cycle_ns)
        woken_ns = int(k * cycle_ns) + rng.randrange(0, 200_000)
        synth = (k + 1) * PERIOD - OFFSET
        if lost_at_s is not None and now_ns >= lost_at_s * 1e9:
            synth -= PERIOD
        roll = rng.random()
        if roll < 0.1:
            synth += PERIOD  # the synth already ran the next cycle, the helper not yet
        elif roll < 0.15:
            synth -= PERIOD  # the helper already ran it, the synth not yet
        yield synth, now_ns, k * PERIOD, woken_ns, PERIOD


def test_a_slow_servers_frames_leave_the_offset_exact():
    clock = InputClock(RATE, PERIOD, ms_clock=False, same_clock=True)
    seen = set()
    for i, reading in enumerate(_readings(30, None, random.Random(1))):
        clock.sample(*reading)
        if i >= 250:  # after the first second
            seen.add(clock.offset)
    assert seen == {OFFSET}
    assert clock.synth_frame(480_000) == 480_000 - OFFSET


def test_a_cycle_the_synth_lost_moves_the_offset_by_one_period():
    clock = InputClock(RATE, PERIOD, ms_clock=False, same_clock=True)
    for reading in _readings(10, 5.0, random.Random(2)):
        clock.sample(*reading)
    assert clock.offset == OFFSET + PERIOD


def test_not_measured_yet_says_so():
    clock = InputClock(RATE, PERIOD, ms_clock=False, same_clock=True)
    assert clock.synth_frame(1234) is None
