"""Find note onsets in recorded samples and measure timing errors (pure: numpy only).

The test SoundFont's drums start at full level within a few samples, so an onset is the
first sample whose magnitude rises above a threshold after a stretch below it — or, when
the previous note still rings above the threshold, well above that ring (``rise_ratio``
times its recent peak), which finds a hit that lands on the tail of the one before, where
a plain "after silence" rule would miss it.  Two onsets are at least ``min_gap_frames`` apart.  A detector that fires a constant
few samples after the true start is fine: timing is measured relative to the other
onsets, so a constant delay cancels (see ``engine.capture`` for the choice of clocks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BLOCK_FRAMES = 32  # coarse envelope resolution; the exact sample is found inside the block


def find_onsets(magnitude, threshold: float, min_gap_frames: int, *,
                rise_ratio: float = 2.0, lookback_frames: int = 512) -> np.ndarray:
    """Sample indexes (int64, ascending) where notes start in ``magnitude``.

    Parameters
    ----------
    magnitude : 1-D absolute sample values (e.g. ``Recording.magnitude()``), or a
        signed 1-D / ``[n, channels]`` signal, whose absolute maximum per frame is used.
    threshold : an onset's level must exceed this (set it above the noise floor); after
        ``lookback_frames`` below it, crossing it is an onset.
    min_gap_frames : the shortest distance between two onsets; anything sooner after an
        onset belongs to that note (its attack rising over several blocks).
    rise_ratio : when the preceding ``lookback_frames`` peaked above the threshold (the
        previous note's decay), an onset must exceed ``rise_ratio`` times that peak.
    """
    if threshold <= 0:
        raise ValueError(f"threshold must be positive, not {threshold}")
    if min_gap_frames < 1:
        raise ValueError(f"min_gap_frames must be at least 1, not {min_gap_frames}")
    if rise_ratio < 1:
        raise ValueError(f"rise_ratio must be at least 1, not {rise_ratio}")
    mag = np.abs(np.asarray(magnitude, dtype=np.float32))
    if mag.ndim == 2:
        mag = mag.max(axis=1)
    if mag.ndim != 1:
        raise ValueError(f"magnitude must be 1-D or [frames, channels], not shape {mag.shape}")
    n = len(mag)
    if n == 0:
        return np.zeros(0, np.int64)
    b = _BLOCK_FRAMES
    n_blocks = -(-n // b)
    env = np.zeros(n_blocks * b, np.float32)
    env[:n] = mag
    env = env.reshape(n_blocks, b).max(axis=1)
    # Peak of the blocks before block k (over the look-back), with silence before the start.
    look = max(1, -(-lookback_frames // b))
    padded = np.concatenate((np.zeros(look, np.float32), env))
    before = np.lib.stride_tricks.sliding_window_view(padded[:-1], look).max(axis=1)
    # After silence (nothing above the threshold) crossing the threshold is enough; on a
    # ringing tail the new note must rise well above it.
    level = np.where(before <= threshold, threshold, rise_ratio * before)
    candidates = np.flatnonzero(env > level)
    onsets: list[int] = []
    last = -min_gap_frames
    for k in candidates:
        start = int(k) * b
        if start + b <= last + min_gap_frames:
            continue
        above = np.flatnonzero(mag[start:start + b] > level[k])
        i = start + int(above[0])
        if i - last >= min_gap_frames:
            onsets.append(i)
            last = i
    return np.asarray(onsets, dtype=np.int64)


def suggest_threshold(magnitude, fraction: float = 0.1) -> float:
    """A threshold at ``fraction`` of the recording's loudest sample (0 < fraction < 1)."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, not {fraction}")
    peak = float(np.max(np.abs(magnitude))) if len(magnitude) else 0.0
    if peak <= 0:
        raise ValueError("the recording is silent: nothing was heard")
    return peak * fraction


@dataclass(frozen=True, slots=True)
class OnsetMatch:
    """Expected onsets paired with heard ones, on the expected clock.

    ``offset_frames`` is the fitted constant (median of heard − expected): the latency if
    both lists are on one clock, an arbitrary origin difference otherwise.  ``errors`` are
    heard − expected − offset for each matched pair.
    """

    expected: np.ndarray
    found: np.ndarray
    errors: np.ndarray
    offset_frames: float
    missing: np.ndarray
    extra: np.ndarray

    @property
    def all_matched(self) -> bool:
        return len(self.missing) == 0 and len(self.extra) == 0


def match_onsets(expected, found, tolerance_frames: int) -> OnsetMatch:
    """Pair each expected onset with the heard onset nearest it once the clocks are aligned.

    ``expected`` and ``found`` are frame numbers on any two clocks that differ by a
    constant.  The alignment is the offset that pairs the most onsets within
    ``tolerance_frames`` (tried from each early heard onset against the first expected
    one), refined to the median difference of the pairs.
    """
    exp = np.sort(np.asarray(expected, dtype=np.int64))
    got = np.sort(np.asarray(found, dtype=np.int64))
    empty = np.zeros(0, np.int64)
    if len(exp) == 0 or len(got) == 0:
        return OnsetMatch(empty, empty, np.zeros(0), 0.0, exp, got)
    best = None
    for j in range(min(len(got), 8)):
        for i in range(min(len(exp), 8)):
            pairs = _pair(exp, got, float(got[j] - exp[i]), tolerance_frames)
            if best is None or len(pairs[0]) > len(best[0]):
                best = pairs
    ei, fi = best
    offset = float(np.median(got[fi] - exp[ei]))
    ei, fi = _pair(exp, got, offset, tolerance_frames)  # re-pair about the refined offset
    offset = float(np.median(got[fi] - exp[ei])) if len(ei) else offset
    errors = (got[fi] - exp[ei]).astype(np.float64) - offset
    return OnsetMatch(expected=exp[ei], found=got[fi], errors=errors, offset_frames=offset,
                      missing=np.delete(exp, ei), extra=np.delete(got, fi))


def _pair(exp: np.ndarray, got: np.ndarray, offset: float, tolerance: int):
    """Indexes (into exp, into got) of nearest pairs within tolerance, each used once."""
    shifted = exp + offset
    pos = np.clip(np.searchsorted(got, shifted), 1, len(got) - 1) if len(got) > 1 else np.zeros(len(exp), np.int64)
    if len(got) > 1:
        left, right = got[pos - 1], got[pos]
        nearest = np.where(np.abs(left - shifted) <= np.abs(right - shifted), pos - 1, pos)
    else:
        nearest = pos
    ok = np.abs(got[nearest] - shifted) <= tolerance
    ei = np.flatnonzero(ok)
    fi = nearest[ok]
    # A heard onset claimed twice keeps only its first (nearest-in-order) expected onset.
    _, first = np.unique(fi, return_index=True)
    return ei[first], fi[first]


@dataclass(frozen=True, slots=True)
class TimingStats:
    """Onset-error figures in frames (drift in frames per minute)."""

    count: int
    worst_frames: float
    p99_frames: float
    std_frames: float
    drift_frames_per_min: float
    missing: int
    extra: int


def timing_stats(match: OnsetMatch, sample_rate: int) -> TimingStats:
    """Worst, 99th percentile and standard deviation of |error|, and the drift.

    Drift is the least-squares slope of error against the expected time: a clock that
    runs fast or slow shows as a slope, jitter does not.
    """
    err = match.errors
    if len(err) == 0:
        nan = float("nan")
        return TimingStats(0, nan, nan, nan, nan, len(match.missing), len(match.extra))
    mag = np.abs(err)
    drift = 0.0
    if len(err) >= 2 and np.ptp(match.expected) > 0:
        minutes = (match.expected - match.expected[0]) / (sample_rate * 60.0)
        drift = float(np.polyfit(minutes, err, 1)[0])
    return TimingStats(count=len(err), worst_frames=float(mag.max()),
                       p99_frames=float(np.percentile(mag, 99)), std_frames=float(np.std(err)),
                       drift_frames_per_min=drift, missing=len(match.missing),
                       extra=len(match.extra))


def rms(samples) -> float:
    """Root mean square of all samples (0.0 for none)."""
    x = np.asarray(samples, dtype=np.float64)
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0
