"""Find note onsets in recorded samples and measure timing errors (pure: numpy only).

The test SoundFont's drums start at full level within a few samples, so an onset is the
first sample whose magnitude rises above a threshold after a stretch below it — or, when
the previous note still rings above the threshold, well above that ring (``rise_ratio``
times its recent peak), which finds a hit that lands on the tail of the one before, where
a plain "after silence" rule would miss it.  The onset is then placed where the note
first reaches half of its own early peak, the same point of its attack in silence or on a
tail.  Two onsets are at least ``min_gap_frames`` apart.  A detector that fires a constant
few samples after the true start is fine: timing is measured relative to the other
onsets, so a constant delay cancels (see ``engine.measure.capture`` for the choice of clocks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BLOCK_FRAMES = 32  # coarse envelope resolution; the exact sample is found inside the block
_ATTACK_FRAMES = 96  # where a sharp drum reaches its early peak, after the first rise


def find_onsets(
    magnitude,
    threshold: float,
    min_gap_frames: int,
    *,
    rise_ratio: float = 2.0,
    lookback_frames: int = 512,
) -> np.ndarray:
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
    # Peak of the blocks before block k-1 (over the look-back), silence before the start.
    # Block k-1 is left out so that a note starting late in it cannot raise its own bar.
    look = max(1, -(-lookback_frames // b))
    padded = np.concatenate((np.zeros(look + 1, np.float32), env))
    before = np.lib.stride_tricks.sliding_window_view(padded[:-2], look).max(axis=1)
    # After silence (nothing above the threshold) crossing the threshold is enough; on a
    # ringing tail the new note must rise well above it.
    level = np.where(before <= threshold, threshold, rise_ratio * before)
    # The note begins at the first sample, from block k-1 on, louder than anything before
    # it (the threshold, or the ringing tail's peak).
    start_level = np.maximum(threshold, before)
    candidates = np.flatnonzero(env > level)
    onsets: list[int] = []
    last = -min_gap_frames
    for k in candidates:
        start = int(k) * b
        if start + b <= last + min_gap_frames:
            continue
        lo = max(start - b, last + min_gap_frames, 0)
        above = np.flatnonzero(mag[lo : start + b] > start_level[k])
        i = lo + int(above[0])
        # Time the note where it first reaches half its own early peak: the same point of
        # its attack whether it starts in silence or on a tail (a fixed level is crossed
        # sooner from silence than on top of a ringing tail).
        attack = mag[i : i + _ATTACK_FRAMES]
        mark = max(float(start_level[k]), 0.5 * float(attack.max()))
        i += int(np.flatnonzero(attack >= mark)[0])
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


def match_onsets(expected, found, tolerance_frames: int, breaks=()) -> OnsetMatch:
    """Pair each expected onset with the heard onset nearest it once the clocks are aligned.

    ``expected`` and ``found`` are frame numbers on any two clocks that differ by a
    constant.  The alignment is the offset that pairs the most onsets within
    ``tolerance_frames`` (tried from each early heard onset against the early expected
    ones), refined to the median difference of the pairs.

    ``breaks`` are frames on the heard clock where it may have jumped (cycles the audio
    server dropped, ``Recording.gap_frames``): each stretch between breaks gets its own
    offset, so a dropped cycle is not counted as every later note being late.
    ``offset_frames`` is then the first stretch's.
    """
    exp = np.sort(np.asarray(expected, dtype=np.int64))
    got = np.sort(np.asarray(found, dtype=np.int64))
    empty = np.zeros(0, np.int64)
    if len(exp) == 0 or len(got) == 0:
        return OnsetMatch(empty, empty, np.zeros(0), 0.0, exp, got)
    segment = np.searchsorted(np.sort(np.asarray(breaks, dtype=np.int64)), got, side="right")
    all_e: list[np.ndarray] = []
    all_f: list[np.ndarray] = []
    all_err: list[np.ndarray] = []
    offsets: list[float] = []
    for s in np.unique(segment):
        idx = np.flatnonzero(segment == s)
        seg = got[idx]
        if offsets:  # near the previous stretch's alignment: a jump moves a few onsets
            guesses = [
                (j, i)
                for j in range(min(len(seg), 4))
                for c in [int(np.searchsorted(exp, seg[j] - offsets[-1]))]
                for i in range(max(0, c - 3), min(len(exp), c + 3))
            ]
        else:
            guesses = [(j, i) for j in range(min(len(seg), 8)) for i in range(min(len(exp), 8))]
        # The most pairs wins; on a tie (a steady pattern) the smallest jump from before.
        prev = offsets[-1] if offsets else float(got[0] - exp[0])
        best = max(
            (
                (
                    _pair(exp, seg, float(seg[j] - exp[i]), tolerance_frames),
                    -abs(float(seg[j] - exp[i]) - prev),
                )
                for j, i in guesses
            ),
            key=lambda pairs_jump: (len(pairs_jump[0][0]), pairs_jump[1]),
        )
        ei, fi = best[0]
        if not len(ei):
            continue
        offset = float(np.median(seg[fi] - exp[ei]))
        ei, fi = _pair(exp, seg, offset, tolerance_frames)  # re-pair about the refined offset
        if len(ei):
            offset = float(np.median(seg[fi] - exp[ei]))
        all_e.append(ei)
        all_f.append(idx[fi])
        all_err.append((seg[fi] - exp[ei]).astype(np.float64) - offset)
        offsets.append(offset)
    if not offsets:
        return OnsetMatch(empty, empty, np.zeros(0), 0.0, exp, got)
    ei, fi = np.concatenate(all_e), np.concatenate(all_f)
    return OnsetMatch(
        expected=exp[ei],
        found=got[fi],
        errors=np.concatenate(all_err),
        offset_frames=offsets[0],
        missing=np.delete(exp, ei),
        extra=np.delete(got, fi),
    )


def _pair(exp: np.ndarray, got: np.ndarray, offset: float, tolerance: int):
    """Indexes (into exp, into got) of nearest pairs within tolerance, each used once."""
    shifted = exp + offset
    pos = (
        np.clip(np.searchsorted(got, shifted), 1, len(got) - 1)
        if len(got) > 1
        else np.zeros(len(exp), np.int64)
    )
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
    return TimingStats(
        count=len(err),
        worst_frames=float(mag.max()),
        p99_frames=float(np.percentile(mag, 99)),
        std_frames=float(np.std(err)),
        drift_frames_per_min=drift,
        missing=len(match.missing),
        extra=len(match.extra),
    )


def rms(samples) -> float:
    """Root mean square of all samples (0.0 for none)."""
    x = np.asarray(samples, dtype=np.float64)
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0
