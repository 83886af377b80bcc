"""The sequencer clock's arithmetic (pure: no FluidSynth; what it means for sound is
measured in test_synth.py)."""

from __future__ import annotations

import pytest

from engine.audio.sequencer_clock import (
    BLOCK_FRAMES,
    applied_horizon,
    last_frame_stamped_by,
    settled_frame,
    stamp_for,
)

RATES = (22050, 44100, 48000, 96000)


@pytest.mark.parametrize("rate", RATES)
def test_a_stamp_is_never_after_its_frame_and_never_goes_back(rate):
    stamps = [stamp_for(frame, rate) for frame in range(0, 20 * BLOCK_FRAMES)]
    assert all(stamp <= frame for frame, stamp in enumerate(stamps))
    assert stamps == sorted(stamps)
    # within a block and a millisecond of the block boundary nearest the frame
    frame = 12_345
    assert frame - stamp_for(frame, rate) <= 2 * BLOCK_FRAMES + rate // 1000


@pytest.mark.parametrize("rate", RATES)
def test_last_frame_stamped_by_is_the_last_frame_whose_stamp_has_come(rate):
    for tick in range(0, 10 * BLOCK_FRAMES, 7):
        last = last_frame_stamped_by(tick, rate)
        assert stamp_for(last, rate) <= tick
        assert all(stamp_for(f, rate) > tick for f in range(last + 1, last + 8 * BLOCK_FRAMES))


@pytest.mark.parametrize("rate", RATES)
def test_the_horizon_bounds_what_a_clock_reading_may_have_applied(rate):
    for tick in range(0, 10 * BLOCK_FRAMES, 7):
        assert settled_frame(tick, rate) < tick < applied_horizon(tick, rate)
        # every frame stamped by this reading lies inside the horizon
        assert last_frame_stamped_by(tick, rate) <= applied_horizon(tick, rate)
