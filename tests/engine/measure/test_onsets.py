"""Onset detection and timing statistics on synthetic signals with known onsets."""

from __future__ import annotations

import numpy as np
import pytest

from engine.measure.onsets import (
    OnsetMatch,
    find_onsets,
    match_onsets,
    rms,
    suggest_threshold,
    timing_stats,
)

RATE = 48000


def drum_hit(
    length: int,
    decay_frames: float,
    freq_hz: float = 3000.0,
    level: float = 0.8,
    seed: int = 0,
    attack_frames: int = 0,
) -> np.ndarray:
    """A sharp hit: full level at sample ``attack_frames`` (a linear rise before it),
    exponential decay (noise + tone)."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    tone = np.sin(2 * np.pi * freq_hz * t / RATE + 0.7)  # phase: first sample is not 0
    noise = rng.uniform(-1, 1, length)
    rise = np.minimum(1.0, (t + 1) / (attack_frames + 1))
    return (level * rise * np.exp(-t / decay_frames) * (0.5 * tone + 0.5 * noise)).astype(
        np.float32
    )


def assert_timed_alike(found, truth):
    """Every hit found, each the same few samples after its true start (the detector
    times each note at the same point of its attack, so relative timing is exact)."""
    assert len(found) == len(truth), (found, truth)
    delay = np.asarray(found) - np.asarray(truth)
    assert 0 <= delay.min() and delay.max() <= 8, delay
    assert np.ptp(delay) <= 1, delay


def place(onsets, total: int, hit: np.ndarray) -> np.ndarray:
    signal = np.zeros(total, np.float32)
    for at in onsets:
        end = min(total, at + len(hit))
        signal[at:end] += hit[: end - at]
    return signal


def test_sharp_hits_in_silence_are_found_within_a_few_samples():
    truth = np.array([1000, 7000, 13001, 19017, 25555])
    signal = place(truth, 32000, drum_hit(3000, 300))
    assert_timed_alike(find_onsets(signal, threshold=0.05, min_gap_frames=1000), truth)


def test_noise_floor_below_threshold_gives_no_onsets_and_does_not_hide_hits():
    rng = np.random.default_rng(1)
    floor = rng.normal(0, 0.005, 40000).astype(np.float32)  # about -46 dBFS
    assert len(find_onsets(floor, threshold=0.05, min_gap_frames=500)) == 0
    truth = np.array([2000, 12000, 22000, 32000])
    signal = floor + place(truth, 40000, drum_hit(4000, 400))
    assert_timed_alike(find_onsets(signal, threshold=0.05, min_gap_frames=500), truth)


def test_hits_on_the_tail_of_the_previous_hit_are_found():
    # Each hit still rings above the threshold when the next one starts.
    truth = np.arange(500, 30000, 1500)
    signal = place(truth, 32000, drum_hit(12000, 800, seed=3))
    assert min(np.abs(signal[t - 100 : t]).max() for t in truth[1:]) > 0.05  # no silence between
    assert_timed_alike(find_onsets(signal, threshold=0.05, min_gap_frames=1000), truth)


def test_a_hit_on_a_tail_is_timed_like_a_hit_in_silence():
    # A 40-frame rise: a fixed level would be crossed early in it from silence but late
    # in it on top of the tail.
    hit = drum_hit(12000, 800, seed=5, attack_frames=40)
    alone = find_onsets(place([1000], 4000, hit), 0.05, 1000)
    on_tail = find_onsets(place([1000, 2500], 6000, hit), 0.05, 1000)
    assert len(on_tail) == 2
    assert abs((on_tail[1] - 2500) - (alone[0] - 1000)) <= 1


def test_a_slow_swell_is_one_onset_not_many():
    t = np.arange(6000)
    swell = (np.minimum(1.0, t / 4000) * np.sin(2 * np.pi * 200 * t / RATE)).astype(np.float32)
    found = find_onsets(np.concatenate((np.zeros(1000, np.float32), swell)), 0.02, 2000)
    assert len(found) == 1


def test_stereo_input_uses_the_loudest_channel():
    truth = np.array([800, 5000])
    left = place(truth[:1], 8000, drum_hit(2000, 200))
    right = place(truth[1:], 8000, drum_hit(2000, 200))
    assert_timed_alike(find_onsets(np.stack((left, right), axis=1), 0.05, 1000), truth)


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="threshold"):
        find_onsets(np.zeros(10), 0.0, 10)
    with pytest.raises(ValueError, match="min_gap_frames"):
        find_onsets(np.zeros(10), 0.1, 0)
    with pytest.raises(ValueError, match="silent"):
        suggest_threshold(np.zeros(100))


def test_matching_finds_the_offset_and_the_errors():
    expected = np.arange(0, 48000 * 4, 6000)
    jitter = np.tile([0, 10, -20, 5], len(expected) // 4)
    found = expected + 123_456 + jitter  # another clock's origin plus known errors
    match = match_onsets(expected, found, tolerance_frames=500)
    assert match.all_matched
    assert match.offset_frames == pytest.approx(123_456 + np.median(jitter))
    assert np.allclose(match.errors, jitter - np.median(jitter))
    stats = timing_stats(match, RATE)
    assert stats.worst_frames == pytest.approx(np.max(np.abs(jitter - np.median(jitter))))
    assert stats.std_frames == pytest.approx(np.std(jitter))
    assert abs(stats.drift_frames_per_min) < 30


def test_missing_and_extra_onsets_are_reported():
    expected = np.arange(10) * 4000
    found = np.delete(expected, 6) + 50_000
    found = np.sort(np.append(found, 50_000 + 4000 * 3 + 2000))  # a stray hit between notes
    match = match_onsets(expected, found, tolerance_frames=300)
    assert list(match.missing) == [24000]
    assert list(match.extra) == [50_000 + 14000]
    assert not match.all_matched
    assert np.all(match.errors == 0)


def test_drift_is_the_slope_in_frames_per_minute():
    expected = np.arange(0, RATE * 120, 3000)  # two minutes
    found = expected + 99 + np.round(expected * (5.0 / (RATE * 60))).astype(np.int64)
    stats = timing_stats(match_onsets(expected, found, 200), RATE)
    assert stats.drift_frames_per_min == pytest.approx(5.0, abs=0.1)


def test_stats_of_nothing_are_not_numbers():
    stats = timing_stats(OnsetMatch(*(np.zeros(0),) * 3, 0.0, np.zeros(0), np.zeros(0)), RATE)
    assert stats.count == 0 and np.isnan(stats.worst_frames)


def test_rms():
    assert rms(np.zeros(100)) == 0.0
    assert rms(np.full(10, 0.5)) == pytest.approx(0.5)


def test_a_jump_of_the_heard_clock_is_not_counted_as_lateness():
    expected = np.arange(20) * 6000
    jitter = np.tile([0, 20, -10, 5], 5)
    found = expected + 1000 + jitter
    found[12:] += 512  # the audio server dropped two 256-frame cycles before note 12
    breaks = [found[11] + 3000]
    match = match_onsets(expected, found, tolerance_frames=2000, breaks=breaks)
    assert match.all_matched
    assert match.offset_frames == pytest.approx(1000 + np.median(jitter[:12]))
    assert timing_stats(match, RATE).worst_frames <= 20
    # Without the break the jump shows as every later note being late.
    assert timing_stats(match_onsets(expected, found, 2000), RATE).worst_frames >= 250
