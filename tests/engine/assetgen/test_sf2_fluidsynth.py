"""The bundled SoundFont as the real FluidSynth plays it (offline: no audio driver).

Onsets.  FluidSynth renders in 64-frame blocks and starts a note at the beginning of
the block after the note-on arrives.  It then fades the new voice in over that first
block (``fluid_rvoice_calc_amp`` ramps the amplitude from 0 to its target over
FLUID_BUFSIZE frames), so the block's frame 0 is silent and the level rises over about
64 frames, although every drum sample starts at full level on its own first frame.
The onset is taken as the first frame within 60 dB of the hit's peak (the fade-in's
shape scales with the level, so this does not depend on velocity); for every drum note
it lies in [64k, 64k + ONSET_TOLERANCE_FRAMES) -- measured: 2 to 6 frames -- and
nothing at all sounds before 64k.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np
import pytest

fluidsynth = pytest.importorskip("fluidsynth")

from engine.assetgen.sf2.bank import drum_keys  # noqa: E402
from engine.files.soundfonts import BUNDLED_SOUNDFONT, preset_names  # noqa: E402

RATE = 48000
BLOCK = 64
ONSET_RELATIVE = 1e-3  # -60 dB below the hit's peak
ONSET_TOLERANCE_FRAMES = 8  # the fade-in of the first block (see module docstring)
DRUM_CHANNEL = 9

_lib = fluidsynth._fl
_lib.fluid_synth_write_float.argtypes = [
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_int,
]
_lib.fluid_synth_write_float.restype = ctypes.c_int


def render(synth, frames: int) -> np.ndarray:
    """Stereo float frames straight from the synth (no dither, unlike write_s16)."""
    buf = (ctypes.c_float * (2 * frames))()
    _lib.fluid_synth_write_float(synth.synth, frames, buf, 0, 2, buf, 1, 2)
    return np.frombuffer(buf, dtype=np.float32).reshape(frames, 2).copy()


@pytest.fixture
def synth():
    s = fluidsynth.Synth(samplerate=RATE, gain=0.5)
    # Dry output: reverb and chorus tails would blur onsets and silences.
    s.setting("synth.reverb.active", 0)
    s.setting("synth.chorus.active", 0)
    sfid = s.sfload(str(BUNDLED_SOUNDFONT))
    assert sfid >= 0, "FluidSynth refused the bundled SoundFont"
    s.sfid = sfid
    yield s
    s.delete()


def magnitude(frames: np.ndarray) -> np.ndarray:
    return np.abs(frames).max(axis=1)


def onset(frames: np.ndarray, peak: float | None = None) -> int | None:
    """First frame within 60 dB of ``peak`` (default: the loudest frame given)."""
    level = magnitude(frames)
    peak = float(level.max()) if peak is None else peak
    loud = np.flatnonzero(level > ONSET_RELATIVE * peak) if peak > 0 else []
    return int(loud[0]) if len(loud) else None


def play_note(synth, bank, program, key, seconds, hold_s=None, velocity=100, channel=0):
    synth.program_select(channel, synth.sfid, bank, program)
    synth.noteon(channel, key, velocity)
    if hold_s is None:
        return render(synth, int(seconds * RATE))
    held = render(synth, int(hold_s * RATE))
    synth.noteoff(channel, key)
    return np.concatenate([held, render(synth, int((seconds - hold_s) * RATE))])


def rms(frames: np.ndarray) -> float:
    return float(np.sqrt(np.mean(frames.astype(np.float64) ** 2)))


def test_every_preset_renders_audible_unclipped_sound(synth):
    names = preset_names(BUNDLED_SOUNDFONT)
    assert (0, 0) in names and (128, 0) in names
    for (bank, program), name in sorted(names.items()):
        channel = DRUM_CHANNEL if bank == 128 else 0
        key = 38 if bank == 128 else 60
        out = play_note(synth, bank, program, key, 0.6, hold_s=0.5, channel=channel)
        peak = float(np.abs(out).max())
        assert np.isfinite(out).all(), name
        assert peak > 0.02, f"{name} ({bank}:{program}) is nearly silent: peak {peak:.4f}"
        assert peak < 1.0, f"{name} ({bank}:{program}) clips: peak {peak:.3f}"
        assert rms(out) > 0.002, name
        render(synth, RATE)  # let releases finish before the next preset


@pytest.mark.parametrize("key", drum_keys())
def test_drum_note_on_before_block_k_starts_at_frame_64k(synth, key):
    synth.program_select(DRUM_CHANNEL, synth.sfid, 128, 0)
    k = 7 + key % 5  # a different block for each key
    before = np.concatenate([render(synth, BLOCK) for _ in range(k)])
    synth.noteon(DRUM_CHANNEL, key, 100)
    after = np.concatenate([render(synth, BLOCK) for _ in range(40)])
    out = np.concatenate([before, after])
    found = onset(out)
    assert found is not None, f"drum key {key} made no sound"
    assert magnitude(out[: BLOCK * k]).max() == 0.0, "sound before the note-on's block"
    assert BLOCK * k <= found < BLOCK * k + ONSET_TOLERANCE_FRAMES, (
        f"key {key}: onset at frame {found}, block starts at {BLOCK * k}"
    )
    # A sharp hit: within the first two blocks it reaches most of its peak level.
    peak = magnitude(out).max()
    assert magnitude(out[BLOCK * k : BLOCK * (k + 2)]).max() > 0.5 * peak, key


def test_sequencer_events_land_on_the_block_grid(synth):
    """FluidSynth's sequencer, run on the synth's sample clock, places hits on blocks.

    Measured rule: the sequencer keeps whole milliseconds (48 frames at 48 kHz) and an
    event stamped T sounds from the first block boundary F with
    floor((F - 64) / 48) * 48 >= T.  So a stamp that is on both grids (a multiple of
    192 frames) sounds exactly one block (64 frames) after its stamp.
    """
    seq = fluidsynth.Sequencer(time_scale=RATE, use_system_timer=False)
    dest = seq.register_fluidsynth(synth)
    synth.program_select(DRUM_CHANNEL, synth.sfid, 128, 0)
    first = render(synth, BLOCK)  # out[i] is the synth's frame i from here on
    # Short hits (hat, rim: under 0.1 s) a quarter second apart never overlap.
    times = [192 * (10 + 62 * i) for i in range(8)]
    for i, t in enumerate(times):
        seq.note_on(t, DRUM_CHANNEL, (42, 37)[i % 2], 100, dest=dest, absolute=True)
    out = np.concatenate([first] + [render(synth, BLOCK) for _ in range(times[-1] // BLOCK + 40)])
    seq.delete()
    for t in times:
        boundary = t + BLOCK
        assert magnitude(out[boundary - 3 * BLOCK : boundary]).max() == 0.0, t
        found = onset(
            out[boundary : boundary + 2 * BLOCK],
            peak=magnitude(out[boundary : boundary + RATE // 10]).max(),
        )
        assert found is not None and found < ONSET_TOLERANCE_FRAMES, (t, found)


def test_sustained_voices_hold_while_the_key_is_down_and_stop_after_release(synth):
    for program in (16, 33, 80, 89):  # organ, bass, lead, pad
        out = play_note(synth, 0, program, 57, 3.5, hold_s=2.5)
        early = rms(out[int(0.9 * RATE) : int(1.1 * RATE)])
        late = rms(out[int(2.2 * RATE) : int(2.4 * RATE)])
        after = rms(out[int(3.3 * RATE) :])
        assert late > 0.5 * early, f"program {program} fades while held"
        assert after < 0.02 * late, f"program {program} keeps sounding after release"
        render(synth, RATE)


def test_piano_and_pluck_decay_while_held(synth):
    for program in (0, 24):
        out = play_note(synth, 0, program, 60, 4.0, hold_s=4.0)
        start = rms(out[int(0.05 * RATE) : int(0.25 * RATE)])
        end = rms(out[int(3.5 * RATE) :])
        assert end < start / 4, f"program {program} should die away like a struck string"
        render(synth, RATE)


def _pitch_hz(frames: np.ndarray) -> float:
    """Strongest spectral peak, refined by parabolic interpolation of log magnitudes."""
    mono = frames[:, 0].astype(np.float64)
    window = np.hanning(len(mono))
    spectrum = np.abs(np.fft.rfft(mono * window, n=8 * len(mono)))
    i = int(np.argmax(spectrum[1:])) + 1
    a, b, c = np.log(spectrum[i - 1 : i + 2] + 1e-12)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (i + shift) * RATE / (8 * len(mono))


@pytest.mark.parametrize(
    "program,key", [(16, 36), (16, 57), (16, 69), (16, 88), (33, 40), (33, 52), (0, 64), (80, 76)]
)
def test_notes_are_in_tune_across_the_keyboard(synth, program, key):
    out = play_note(synth, 0, program, key, 0.3)[int(0.05 * RATE) :]
    expected = 440.0 * 2 ** ((key - 69) / 12)
    measured = _pitch_hz(out)
    if program == 16:  # the organ's 16' drawbar sits an octave below the note
        ratio = measured / expected
        assert min(abs(1200 * math.log2(ratio)), abs(1200 * math.log2(ratio * 2))) < 5
    else:
        assert abs(1200 * math.log2(measured / expected)) < 5, (program, key, measured)
