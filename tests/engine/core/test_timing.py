"""Musical time: tempo-map and time-signature conversions (pure)."""

import pytest

from engine.core.errors import ScoreError
from engine.core.timing import (
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
    bpm_to_us_per_quarter,
)


def test_constant_tempo_converts_ticks_to_seconds_and_frames():
    tm = TempoMap.constant(120)
    assert tm.tick_to_seconds(480, 480) == 0.5
    assert tm.tick_to_frame(480, 480, 48000) == 24000
    assert tm.frame_to_tick(24000, 480, 48000) == 480
    assert tm.seconds_to_tick(1.0, 480) == 960


def test_tempo_change_applies_from_its_tick():
    tm = TempoMap((TempoChange(0, 500_000), TempoChange(960, 250_000)))
    assert tm.tick_to_seconds(960, 480) == 1.0
    assert tm.tick_to_seconds(1440, 480) == 1.25
    assert tm.seconds_to_tick(1.25, 480) == 1440
    assert tm.bpm_at(959) == 120 and tm.bpm_at(960) == 240


def test_late_ticks_do_not_drift():
    # 100 tempo changes of an awkward tempo: frame of a late tick equals the exact sum.
    us = bpm_to_us_per_quarter(133)
    tm = TempoMap(tuple(TempoChange(i * 480, us) for i in range(100)))
    exact = 100 * 480 * us * 48000 / (480 * 1_000_000)
    assert abs(tm.tick_to_frame(100 * 480, 480, 48000) - exact) <= 0.5


def test_tempo_map_rejects_bad_maps():
    with pytest.raises(ScoreError):
        TempoMap(())
    with pytest.raises(ScoreError):
        TempoMap((TempoChange(10, 500_000),))
    with pytest.raises(ScoreError, match="tempo"):
        bpm_to_us_per_quarter(5000)


def test_bar_beat_across_a_signature_change():
    ts = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(4 * 1920, 3, 4)))
    assert str(ts.tick_to_bar_beat(0, 480)) == "1.1.000"
    assert ts.tick_to_bar_beat(1920 + 480 + 10, 480).beat == 2
    assert ts.tick_to_bar_beat(4 * 1920, 480).bar == 5
    assert ts.bar_to_tick(6, 480) == 4 * 1920 + 1440
    assert [b for _, b in ts.bar_lines(0, 4 * 1920 + 3 * 1440, 480)] == [1, 2, 3, 4, 5, 6, 7]


def test_time_signature_denominator_must_be_power_of_two():
    with pytest.raises(ScoreError, match="power of two"):
        TimeSignature(0, 4, 3)
