"""Deterministic signal building blocks for the generated SoundFont (pure, numpy).

The font must regenerate byte for byte on any machine, so nothing here relies on
numpy's vectorised transcendental functions (whose SIMD variants may differ in the last
bit between CPUs).  Sines and exponentials come from Python's ``math`` on small tables or
per-sample lists; numpy only adds, multiplies, indexes and accumulates sequentially, all
of which IEEE 754 defines exactly.  Noise is SplitMix64 in wrapping uint64 arithmetic.
The last step rounds explicitly (half to even) to int16.
"""

from __future__ import annotations

import math

import numpy as np

TABLE_SIZE = 4096
_SINE = np.array([math.sin(2.0 * math.pi * i / TABLE_SIZE) for i in range(TABLE_SIZE + 1)])


def sine_cycles(cycles_per_loop: int, loop_frames: int) -> np.ndarray:
    """One loop of a sine with an exact whole number of cycles (seamless when looped)."""
    n = np.arange(loop_frames, dtype=np.int64)
    # Exact integer phase, (cycles * n) mod loop_frames, indexing a table of the loop's
    # own length: every value is a math.sin result.
    return _loop_table(loop_frames)[(cycles_per_loop * n) % loop_frames]


_LOOP_TABLES: dict[int, np.ndarray] = {}


def _loop_table(loop_frames: int) -> np.ndarray:
    if loop_frames not in _LOOP_TABLES:
        _LOOP_TABLES[loop_frames] = np.array(
            [math.sin(2.0 * math.pi * i / loop_frames) for i in range(loop_frames)]
        )
    return _LOOP_TABLES[loop_frames]


def oscillator(freq_hz: np.ndarray, sample_rate: int, phase_cycles: float = 0.0) -> np.ndarray:
    """A sine following a frequency curve (Hz per frame), by table look-up.

    ``phase_cycles=0.25`` starts on the crest (a cosine), so the first frame is at full
    level: what a drum needs for a sharp, exactly placed onset.
    """
    steps = np.asarray(freq_hz, dtype=np.float64) / sample_rate
    phase = np.concatenate(([0.0], np.add.accumulate(steps[:-1]))) + phase_cycles
    frac_cycle = phase - np.floor(phase)
    pos = frac_cycle * TABLE_SIZE
    i = pos.astype(np.int64)
    w = pos - i
    return _SINE[i] * (1.0 - w) + _SINE[i + 1] * w


def square_wave(freq_hz: float, frames: int, sample_rate: int) -> np.ndarray:
    """A naive +1/-1 square starting high (for metallic cymbal clusters)."""
    period = sample_rate / freq_hz
    n = np.arange(frames, dtype=np.float64)
    phase = n / period
    return np.where(phase - np.floor(phase) < 0.5, 1.0, -1.0)


def exp_decay(frames: int, time_constant_s: float, sample_rate: int) -> np.ndarray:
    """exp(-t / tau) sampled per frame, computed with math.exp (deterministic)."""
    k = -1.0 / (time_constant_s * sample_rate)
    return np.array([math.exp(k * i) for i in range(frames)])


def glide(
    frames: int, start: float, end: float, time_constant_s: float, sample_rate: int
) -> np.ndarray:
    """A value gliding exponentially from ``start`` towards ``end`` (pitch drops)."""
    return end + (start - end) * exp_decay(frames, time_constant_s, sample_rate)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def white_noise(frames: int, seed: int) -> np.ndarray:
    """Uniform noise in [-1, 1): SplitMix64 of a counter, in exact uint64 arithmetic.

    Written out rather than taken from numpy.random, whose streams NumPy does not
    promise to keep from one version to the next.
    """
    z = (np.arange(1, frames + 1, dtype=np.uint64) + np.uint64(seed)) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 / 2.0**53) - 1.0


def lowpass(x: np.ndarray, cutoff_hz: float, sample_rate: int) -> np.ndarray:
    """One-pole low-pass, state starting at zero (a plain loop: exact and repeatable)."""
    a = 1.0 - math.exp(-2.0 * math.pi * cutoff_hz / sample_rate)
    out = [0.0] * len(x)
    y = 0.0
    for i, v in enumerate(x.tolist()):
        y += a * (v - y)
        out[i] = y
    return np.array(out)


def highpass(x: np.ndarray, cutoff_hz: float, sample_rate: int) -> np.ndarray:
    """x minus its low-passed self: keeps the first frame's full step (sharp onset)."""
    return x - lowpass(x, cutoff_hz, sample_rate)


def fade_out(x: np.ndarray, frames: int) -> np.ndarray:
    """A short linear fade at the very end so a one-shot ends on zero without a click."""
    frames = min(frames, len(x))
    ramp = np.ones(len(x))
    ramp[len(x) - frames :] = np.arange(frames, 0, -1) / frames
    return x * ramp


def to_int16(x: np.ndarray, peak: float = 0.9) -> np.ndarray:
    """Scale so the loudest frame sits at ``peak`` of full scale, round half-to-even."""
    top = float(np.max(np.abs(x)))
    if top == 0.0:
        raise ValueError("cannot normalise a silent sample")
    scaled = np.rint(x * (peak * 32767.0 / top))
    return np.clip(scaled, -32767, 32767).astype(np.int16)


def choose_loop(
    freq_hz: float, sample_rate: int, min_frames: int, max_frames: int, cycle_multiple: int = 1
) -> tuple[int, int, float]:
    """The loop length holding a whole number of cycles closest to ``freq_hz``.

    Returns (loop_frames, cycles, error_cents) where error_cents is how sharp the loop
    plays (negative: flat).  ``cycle_multiple=2`` keeps room for a sub-octave partial.
    """
    best = None
    for frames in range(min_frames, max_frames + 1):
        cycles = round(freq_hz * frames / sample_rate / cycle_multiple) * cycle_multiple
        if cycles < cycle_multiple:
            continue
        error = 1200.0 * math.log2(cycles * sample_rate / frames / freq_hz)
        if best is None or abs(error) < abs(best[2]) - 1e-9:
            best = (frames, cycles, error)
    if best is None:
        raise ValueError(
            f"no loop of {min_frames}..{max_frames} frames holds {cycle_multiple} or more "
            f"cycles of {freq_hz:g} Hz"
        )
    return best


def midi_hz(key: float) -> float:
    return 440.0 * 2.0 ** ((key - 69) / 12.0)
