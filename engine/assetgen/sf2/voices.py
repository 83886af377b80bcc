"""Synthesized voices of Pianola's own SoundFont (pure, numpy, deterministic).

Melodic voices are single-cycle-exact loops: a loop of L frames holds a whole number of
cycles of every partial, so it repeats seamlessly and its pitch is exact up to a
sub-cent correction stored in the sample header.  The envelope (decay for piano and
pluck, sustain for organ, lead, bass and pad) is the SoundFont's job, not the sample's.

Drum voices are one-shots that start at full level on their first frame (cosines and
high-passed steps rather than fades), so the first loud frame of a rendered hit is the
frame where the synthesizer started the note.
"""

from __future__ import annotations

import math

import numpy as np

from engine.assetgen.sf2 import dsp
from engine.assetgen.sf2.writer import MIN_LOOP_MARGIN, Sample

MELODIC_RATE = 32000
DRUM_RATE = 32000
CYMBAL_RATE = 32000
_LOOP_MIN, _LOOP_MAX = 1500, 2600
# Highest partial in a sample is kept below this once the sample is played at the top of
# its key range (FluidSynth's output is 48 kHz; above ~20 kHz it would alias).
_TOP_PARTIAL_HZ = 19000.0


def harmonic_loop(
    name: str, root_key: int, partials, top_key: int, attack=None, sub_octave: bool = False
) -> Sample:
    """A looped tone of ``partials`` (harmonic number -> amplitude) rooted at ``root_key``.

    ``attack`` (frames -> array) adds a transient that dies to zero before the loop starts.
    """
    freq = dsp.midi_hz(root_key)
    multiple = 2 if sub_octave else 1
    loop, cycles, error_cents = dsp.choose_loop(freq, MELODIC_RATE, _LOOP_MIN, _LOOP_MAX, multiple)
    # The limit applies where the sample plays fastest: the top of its zone, or an
    # octave above its root for the wide top zone (higher still, a few partials may
    # fold back, on keys that are rarely played).
    top = min(top_key, root_key + 12)
    limit_hz = min(_TOP_PARTIAL_HZ / 2.0 ** ((top - root_key) / 12.0), 0.45 * MELODIC_RATE)
    wave = np.zeros(loop)
    for harmonic, amplitude in partials:
        if harmonic * freq >= limit_hz and harmonic > 1:
            continue
        h_cycles = round(harmonic * cycles)  # sub-octave: cycles is even, so exact
        wave += amplitude * dsp.sine_cycles(h_cycles, loop)
    lead_in = MIN_LOOP_MARGIN * 2
    if attack is not None:
        transient = attack(loop)
        lead_in = max(lead_in, -(-len(transient) // loop) * loop)
    total = lead_in + loop + MIN_LOOP_MARGIN * 2
    body = np.resize(np.roll(wave, lead_in % loop), total)  # periodic in loop frames
    if attack is not None:
        body[: len(transient)] += transient
    return Sample(
        name=name,
        pcm=dsp.to_int16(body, peak=0.85),
        sample_rate=MELODIC_RATE,
        root_key=root_key,
        pitch_correction_cents=-round(error_cents),
        loop_start=lead_in,
        loop_end=lead_in + loop,
    )


# ---- partial recipes (harmonic -> amplitude) -----------------------------------------


def piano_partials():
    # Hammer striking near 1/7 of the string: the 7th harmonic and its multiples are weak.
    return [(h, abs(math.sin(math.pi * h / 7.3)) / h**1.15) for h in range(1, 40)]


def organ_partials():
    # Drawbars 16' 8' 5 1/3' 4' 2 2/3' 2' 1 3/5' 1 1/3' 1' (a full "888600400"-ish set).
    return [
        (0.5, 0.55),
        (1, 1.0),
        (1.5, 0.55),
        (2, 0.5),
        (3, 0.3),
        (4, 0.35),
        (5, 0.12),
        (6, 0.15),
        (8, 0.2),
    ]


def square_partials():
    return [(h, 1.0 / h) for h in range(1, 60, 2)]


def saw_partials(rolloff: float = 1.0):
    return [(h, 1.0 / h**rolloff) for h in range(1, 60)]


def bass_partials():
    return [(h, 1.0 / h**1.4) for h in range(1, 30)]


def pluck_partials():
    # Plucked a fifth of the way along: every fifth harmonic missing, bright top.
    return [(h, abs(math.sin(math.pi * h * 0.21)) / h**0.9) for h in range(1, 40)]


def hammer_thump(seed: int):
    """A short filtered knock (the hammer) fading to exactly zero within 40 ms."""

    def make(_loop_frames: int) -> np.ndarray:
        frames = int(0.04 * MELODIC_RATE)
        noise = dsp.lowpass(dsp.white_noise(frames, seed), 2500.0, MELODIC_RATE)
        ramp = (frames - 1 - np.arange(frames)) / (frames - 1)  # 1 down to exactly 0
        env = dsp.exp_decay(frames, 0.008, MELODIC_RATE) * ramp
        return 1.2 * noise * env

    return make


# ---- drums ----------------------------------------------------------------------------


def _one_shot(name: str, x: np.ndarray, rate: int = DRUM_RATE, root_key: int = 60) -> Sample:
    # The stick (or beater) itself: the first two frames at full level, whatever the
    # noise happened to start with, so the onset never depends on a random value.
    top = float(np.max(np.abs(x)))
    x = x.copy()
    x[:2] = np.where(x[:2] >= 0.0, top, -top)
    x = dsp.fade_out(x, int(0.004 * rate))
    pcm = dsp.to_int16(x, peak=0.95)
    return Sample(name=name, pcm=pcm, sample_rate=rate, root_key=root_key)


def kick() -> Sample:
    n = int(0.5 * DRUM_RATE)
    freq = dsp.glide(n, 160.0, 48.0, 0.03, DRUM_RATE)
    body = dsp.oscillator(freq, DRUM_RATE, phase_cycles=0.25) * dsp.exp_decay(n, 0.16, DRUM_RATE)
    click = dsp.highpass(dsp.white_noise(n, 101), 1500.0, DRUM_RATE) * dsp.exp_decay(
        n, 0.002, DRUM_RATE
    )
    x = body + 0.3 * click
    x[0] = 1.0  # the beater: full level on the very first frame
    return _one_shot("Kick", x)


def snare() -> Sample:
    n = int(0.35 * DRUM_RATE)
    tone = (
        dsp.oscillator(dsp.glide(n, 240.0, 185.0, 0.02, DRUM_RATE), DRUM_RATE, 0.25)
        + 0.6 * dsp.oscillator(np.full(n, 330.0), DRUM_RATE, 0.25)
    ) * dsp.exp_decay(n, 0.05, DRUM_RATE)
    wires = dsp.highpass(
        dsp.lowpass(dsp.white_noise(n, 202), 9000.0, DRUM_RATE), 1200.0, DRUM_RATE
    ) * dsp.exp_decay(n, 0.09, DRUM_RATE)
    x = 0.55 * tone + 1.1 * wires
    x[0] = 1.2
    return _one_shot("Snare", x)


def rim() -> Sample:
    n = int(0.07 * DRUM_RATE)
    x = (
        dsp.oscillator(np.full(n, 1750.0), DRUM_RATE, 0.25)
        + 0.7 * dsp.oscillator(np.full(n, 820.0), DRUM_RATE, 0.25)
    ) * dsp.exp_decay(n, 0.008, DRUM_RATE)
    x += (
        0.3
        * dsp.highpass(dsp.white_noise(n, 303), 3000.0, DRUM_RATE)
        * dsp.exp_decay(n, 0.004, DRUM_RATE)
    )
    return _one_shot("Rim", x)


def clap() -> Sample:
    n = int(0.35 * DRUM_RATE)
    noise = dsp.highpass(dsp.lowpass(dsp.white_noise(n, 404), 3500.0, DRUM_RATE), 800.0, DRUM_RATE)
    env = np.zeros(n)
    for start_s, level in ((0.0, 1.0), (0.011, 0.8), (0.022, 0.7)):  # hands, ms apart
        s = int(start_s * DRUM_RATE)
        env[s:] += level * dsp.exp_decay(n - s, 0.005, DRUM_RATE)
    tail_start = int(0.030 * DRUM_RATE)
    env[tail_start:] += 0.6 * dsp.exp_decay(n - tail_start, 0.07, DRUM_RATE)
    # The slap itself: a millisecond of broadband noise at full level from frame 0.
    slap = int(0.001 * DRUM_RATE)
    x = noise * env
    x[:slap] += 0.8 * np.sign(dsp.white_noise(slap, 405))
    x[0] = 1.0
    return _one_shot("Clap", x)


def _metal(n: int, rate: int, freqs, seed: int, hp_hz: float) -> np.ndarray:
    # A cluster of detuned squares (the classic analog cymbal) plus noise, high-passed:
    # every square starts high, so the high-pass output starts at full step.
    cluster = sum(dsp.square_wave(f, n, rate) for f in freqs) / len(freqs)
    noise = dsp.white_noise(n, seed)
    return dsp.highpass(0.7 * cluster + 0.5 * noise, hp_hz, rate)


_HAT_FREQS = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)


def closed_hat() -> Sample:
    n = int(0.1 * DRUM_RATE)
    x = _metal(n, DRUM_RATE, _HAT_FREQS, 505, 6500.0) * dsp.exp_decay(n, 0.018, DRUM_RATE)
    return _one_shot("Closed Hat", x)


def open_hat() -> Sample:
    n = int(0.7 * DRUM_RATE)
    x = _metal(n, DRUM_RATE, _HAT_FREQS, 606, 6000.0) * dsp.exp_decay(n, 0.2, DRUM_RATE)
    return _one_shot("Open Hat", x)


def tom() -> Sample:
    n = int(0.5 * DRUM_RATE)
    freq = dsp.glide(n, 150.0, 110.0, 0.05, DRUM_RATE)
    x = dsp.oscillator(freq, DRUM_RATE, 0.25) * dsp.exp_decay(n, 0.16, DRUM_RATE)
    x += (
        0.15
        * dsp.highpass(dsp.white_noise(n, 707), 2000.0, DRUM_RATE)
        * dsp.exp_decay(n, 0.01, DRUM_RATE)
    )
    x[0] = 1.0
    return _one_shot("Tom", x, root_key=60)


def crash() -> Sample:
    n = int(1.8 * CYMBAL_RATE)
    freqs = (293.0, 371.0, 422.0, 587.0, 719.0, 845.0, 1063.0, 1301.0)
    x = _metal(n, CYMBAL_RATE, freqs, 808, 4000.0) * dsp.exp_decay(n, 0.55, CYMBAL_RATE)
    return _one_shot("Crash", x, rate=CYMBAL_RATE)


def ride() -> Sample:
    n = int(1.5 * CYMBAL_RATE)
    bell = sum(dsp.oscillator(np.full(n, f), CYMBAL_RATE, 0.25) for f in (2350.0, 3170.0))
    x = (
        0.6 * _metal(n, CYMBAL_RATE, (330.0, 461.0, 533.0, 648.0, 997.0), 909, 5000.0) + 0.25 * bell
    ) * dsp.exp_decay(n, 0.45, CYMBAL_RATE)
    return _one_shot("Ride", x, rate=CYMBAL_RATE)
