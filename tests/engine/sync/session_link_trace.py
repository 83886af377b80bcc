"""What a session-with-Link scene reports so that a failure says why (runs in the scene's
process, next to its peers): how far each peer's estimate of the server's clock is off,
each start a peer gave its engine, and where each engine's clicks fall on the session's
beat.

The server runs on this host, so its clock is this host's wall clock: a peer's offset
estimate is checked against ``time.time_ns() - time.monotonic_ns()`` read here.
"""

from __future__ import annotations

import statistics
import time

SIXTEENTH = 0.25  # of a beat: every click of the scene's song lies on one


def true_offset_ns() -> int:
    """The server's clock minus this host's monotonic clock, from the tightest of a few
    side-by-side reads."""
    best = None
    for _ in range(5):
        before = time.monotonic_ns()
        wall = time.time_ns()
        after = time.monotonic_ns()
        if best is None or after - before < best[0]:
            best = (after - before, wall - (before + after) // 2)
    assert best is not None
    return best[1]


def clocks(peers) -> list[dict]:
    """Each peer's clock estimate: its error against the host's (ms), its spread and
    round trip (ms), the pings it rests on."""
    truth = true_offset_ns()
    found = []
    for peer in peers:
        estimate = peer.clock
        if estimate is None:
            found.append({"error_ms": None})
            continue
        found.append(
            {
                "error_ms": round((estimate.offset_ns - truth) / 1e6, 3),
                "spread_ms": round(estimate.spread_ns / 1e6, 3),
                "rtt_ms": round(estimate.rtt_ms, 3),
                "samples": estimate.samples,
            }
        )
    return found


def start_of(peer, command) -> dict:
    """A ``PlayAtCommand`` a peer sends its engine: the pass and tick it starts on, where
    that is on the session's clock (ms after the session's start, by the true clock) and
    how far ahead of now it was sent (ms)."""
    at_server_ns = command.at_ns + true_offset_ns()
    return {
        "pass": peer.pass_offset,
        "tick": command.from_tick,
        "session_ms": round((at_server_ns - peer.transport.at_ns) / 1e6, 3),
        "ahead_ms": round((command.at_ns - time.monotonic_ns()) / 1e6, 3),
    }


class HeardOnSession:
    """JACK frames heard -> beats of the session (constant tempo, started at tick 0), on
    the test's own record of JACK's cycles (``tests.engine.sync.link_scene.ClockSampler``,
    host times on CLOCK_MONOTONIC_RAW)."""

    def __init__(self, sampler):
        self.sampler = sampler
        # heard through the machine's outputs, as the session's clock places a start
        self.latency_frames = sampler.clock.playback_latency_frames(())

    def beats(self, frames, start_ns: int, us_per_quarter: int) -> list[float | None]:
        raw_to_server = (
            time.monotonic_ns() - time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW)
        ) + true_offset_ns()
        found: list[float | None] = []
        for frame in frames:
            host_us = self.sampler.host_us_at(int(frame) + self.latency_frames)
            if host_us is None:
                found.append(None)
                continue
            server_ns = host_us * 1000 + raw_to_server
            found.append((server_ns - start_ns) / 1000 / us_per_quarter)
        return found

    def channel(self, name: str, frames, start_ns: int, us_per_quarter: int) -> dict:
        """One channel's clicks: its port, how many, the first few session beats, and
        the median distance (ms, signed) from each to the nearest sixteenth."""
        beats = [b for b in self.beats(frames, start_ns, us_per_quarter) if b is not None]
        off_ms = [(b - SIXTEENTH * round(b / SIXTEENTH)) * us_per_quarter / 1000 for b in beats]
        return {
            "port": name,
            "clicks": len(frames),
            "first_beats": [round(b, 3) for b in beats[:6]],
            "off_grid_ms": round(statistics.median(off_ms), 2) if off_ms else None,
        }
