"""The shared clock: each peer's offset to the session server's wall clock, measured with
many pings over the session, and the schedule-ahead that covers the slowest peer (pure;
samples are added from the network thread, read from the session's owner thread).

A ping carries the peer's monotonic send time; the server answers with its wall clock at
once.  For one sample: round trip = received - sent, offset = server - (sent + received)/2.
Queueing delays only ever lengthen a round trip, and they make its midpoint wrong by up
to half of what they added, so the offset comes from the fastest samples only (as NTP's
clock filter picks the least delayed): the median offset of the recent samples whose
round trip is within 1 ms (or 5 %) of the fastest one.  A busy start (an engine
loading its SoundFont) makes slow samples; the first fast ones after it take over.  The
spread of those offsets says how far to trust it.
"""

from __future__ import annotations

import statistics
import threading
from collections import deque
from dataclasses import dataclass

WINDOW = 64  # samples kept: at 4 pings a second, the last 16 seconds
MIN_AHEAD_MS = 60.0  # never closer than this: an edit still has to reach the engine
ENGINE_MARGIN_MS = 40.0  # the engine's own look-ahead and the Tk/queue hops
FAST_MARGIN_NS = 1_000_000  # round trips this close (or 5 %) to the fastest one are fast


@dataclass(frozen=True, slots=True)
class ClockEstimate:
    """What the pings say so far (all in nanoseconds but the two round-trip figures)."""

    offset_ns: int  # server wall clock minus this peer's monotonic clock
    spread_ns: int  # p90 - p10 of the offsets used (the fast samples)
    rtt_ms: float  # median round trip
    jitter_ms: float  # p90 - p10 of the round trips
    rtt_p95_ms: float
    samples: int

    def server_ns(self, local_ns: int) -> int:
        return local_ns + self.offset_ns

    def local_ns(self, server_ns: int) -> int:
        return server_ns - self.offset_ns


def _quantile(sorted_values, q: float):
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


class ClockEstimator:
    """Keeps the last ``WINDOW`` ping samples and estimates from them (module doc)."""

    def __init__(self, window: int = WINDOW):
        self._samples: deque[tuple[int, int]] = deque(maxlen=window)  # (rtt, offset)
        self._lock = threading.Lock()
        self._estimate: ClockEstimate | None = None

    def add(self, sent_local_ns: int, server_ns: int, received_local_ns: int) -> None:
        rtt = received_local_ns - sent_local_ns
        if rtt < 0:
            return
        offset = server_ns - (sent_local_ns + received_local_ns) // 2
        with self._lock:
            self._samples.append((rtt, offset))
            samples = list(self._samples)
        rtts = sorted(r for r, _ in samples)
        median_rtt = statistics.median(rtts)
        fastest = rtts[0]
        near = fastest + max(FAST_MARGIN_NS, fastest // 20)
        fast = sorted(o for r, o in samples if r <= near)
        estimate = ClockEstimate(
            offset_ns=int(statistics.median(fast)),
            spread_ns=int(_quantile(fast, 0.9) - _quantile(fast, 0.1)),
            rtt_ms=median_rtt / 1e6,
            jitter_ms=(_quantile(rtts, 0.9) - _quantile(rtts, 0.1)) / 1e6,
            rtt_p95_ms=_quantile(rtts, 0.95) / 1e6,
            samples=len(samples),
        )
        self._estimate = estimate  # one reference swap: readers see old or new whole

    @property
    def estimate(self) -> ClockEstimate | None:
        return self._estimate


def schedule_ahead_ms(peers_rtt_p95_ms, peers_jitter_ms) -> float:
    """How far ahead an edit must be stamped so every peer has it in time.

    An edit goes editor -> server -> every peer: at worst half the editor's round trip
    plus half the slowest peer's, and each half can be late by its jitter.  The slowest
    round trip bounds both halves; the engine's look-ahead comes on top."""
    rtt = max(peers_rtt_p95_ms, default=0.0)
    jitter = max(peers_jitter_ms, default=0.0)
    return max(MIN_AHEAD_MS, rtt + 2 * jitter + ENGINE_MARGIN_MS)
