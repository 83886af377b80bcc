"""The host time <-> audio frames fit (pure)."""

from __future__ import annotations

import pytest

from engine.sync.host_clock import FrameTimeFit

RATE = 48000


def feed(fit, start_us: int, seconds: float, ratio: float, period: int = 256, frame0: int = 0):
    """Cycles of ``period`` frames of a clock running at ``ratio`` times its nominal rate."""
    us_per_cycle = period / (RATE * ratio) * 1e6
    frame = frame0
    for k in range(int(seconds * RATE * ratio / period)):
        fit.add(round(start_us + k * us_per_cycle), frame)
        frame += period
    return round(start_us + k * us_per_cycle), frame - period


def test_the_line_has_the_clocks_rate_and_place():
    fit = FrameTimeFit(RATE, window_us=1_000_000)
    last_us, last_frame = feed(fit, 10**12, 2.0, 1.0002)
    assert fit.rate_ratio == pytest.approx(1.0002, abs=1e-6)
    assert fit.frame_at(last_us) == pytest.approx(last_frame, abs=1)
    assert fit.host_us_at(last_frame) == pytest.approx(last_us, abs=20)


@pytest.mark.parametrize("period", [64, 1024])
def test_a_clock_that_changes_rate_is_followed_within_the_windows_time(period):
    """The pairs held span a time, whatever the period: after a second at the new rate
    the line is the new one (a count of 1024-frame cycles would hold 11 s of the old)."""
    fit = FrameTimeFit(RATE, window_us=1_000_000)
    us, frame = feed(fit, 0, 5.0, 1.0, period)
    us, frame = feed(fit, us, 1.5, 0.98, period, frame)  # a busy dummy server, 2 % slow
    assert fit.rate_ratio == pytest.approx(0.98, abs=1e-4)
    assert fit.frame_at(us) == pytest.approx(frame, abs=2)


def test_a_jump_starts_the_line_afresh():
    fit = FrameTimeFit(RATE, jump_frames=48, window_us=1_000_000)
    us, frame = feed(fit, 0, 1.0, 1.0)
    us, frame = feed(fit, us + 30_000, 0.2, 1.0, frame0=frame + 256)  # 30 ms lost at once
    assert fit.jumps == 1
    assert fit.frame_at(us) == pytest.approx(frame, abs=2)


def test_bad_windows_are_refused():
    with pytest.raises(ValueError, match="window_us"):
        FrameTimeFit(RATE, window_us=0)
