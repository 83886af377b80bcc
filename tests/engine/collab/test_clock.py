"""The offset to the server's clock from ping samples (pure)."""

from __future__ import annotations

import random

from engine.collab.clock import ClockEstimator

TRUE_OFFSET_NS = 5_000_000_000


def _ping(estimator, at_ns: int, out_ns: int, back_ns: int) -> None:
    """A ping sent at ``at_ns`` that took ``out_ns`` to the server and ``back_ns`` back."""
    server_ns = at_ns + out_ns + TRUE_OFFSET_NS
    estimator.add(at_ns, server_ns, at_ns + out_ns + back_ns)


def test_slow_lopsided_samples_give_way_to_the_first_fast_ones():
    estimator = ClockEstimator()
    # a busy start: every round trip 20 ms, all of it on the way back
    for i in range(30):
        _ping(estimator, i * 20_000_000, 100_000, 20_000_000)
    assert abs(estimator.estimate.offset_ns - TRUE_OFFSET_NS) > 9_000_000
    for i in range(4):
        _ping(estimator, 10**9 + i * 250_000_000, 150_000, 150_000)
    assert abs(estimator.estimate.offset_ns - TRUE_OFFSET_NS) < 100_000


def test_a_long_symmetric_path_with_jitter_is_estimated_within_a_millisecond():
    rng = random.Random(7)
    estimator = ClockEstimator()
    for i in range(64):
        # 50 ms each way +- 5 ms, drawn on their own (the way the test proxy delays)
        out, back = (int(rng.uniform(45e6, 55e6)) for _ in range(2))
        _ping(estimator, i * 250_000_000, out, back)
    estimate = estimator.estimate
    assert abs(estimate.offset_ns - TRUE_OFFSET_NS) < 1_000_000
    assert 90 < estimate.rtt_ms < 110
