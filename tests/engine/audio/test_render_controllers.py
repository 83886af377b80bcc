"""Controllers heard in an offline render: a MIDI file with a sustain pedal sounds
sustained (real FluidSynth, bundled SoundFont)."""

from __future__ import annotations

import mido
import numpy as np

from engine.files.midifile import import_midi
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.realtime.offline_render import render_score
from tests.engine.audio.test_render import read_wav

ORGAN = 16  # sustains while held, 60 ms release: silence soon after a release unless held


def _file(tmp_path, pedal: bool):
    mid = mido.MidiFile(type=0, ticks_per_beat=480)
    messages = [(0, mido.Message("program_change", program=ORGAN))]
    if pedal:
        messages.append((0, mido.Message("control_change", control=64, value=127)))
    messages += [
        (0, mido.Message("note_on", note=60, velocity=100)),
        (240, mido.Message("note_off", note=60)),  # released after an eighth at 120 BPM
        (960, mido.Message("note_on", note=72, velocity=1)),  # the song goes on 1 s more
        (480, mido.Message("note_off", note=72)),
    ]
    if pedal:
        messages.append((0, mido.Message("control_change", control=64, value=0)))
    mid.tracks.append(mido.MidiTrack(m.copy(time=t) for t, m in messages))
    path = tmp_path / f"pedal-{pedal}.mid"
    mid.save(path)
    return path


def _level(samples, start_s: float, end_s: float, rate: int) -> float:
    part = samples[int(start_s * rate) : int(end_s * rate)]
    return float(np.sqrt(np.mean(part**2)))


def test_a_held_sustain_pedal_keeps_the_note_sounding(tmp_path):
    levels = {}
    for pedal in (False, True):
        score = import_midi(_file(tmp_path, pedal))
        render_score(score, tmp_path / f"{pedal}.wav", BUNDLED_SOUNDFONT)
        samples, rate = read_wav(tmp_path / f"{pedal}.wav")
        # half a second after the key was released (0.25 s), before the quiet last note
        levels[pedal] = _level(samples, 0.6, 1.2, rate)
        assert _level(samples, 0.05, 0.2, rate) > 1e-3  # the note is heard either way
    assert levels[False] < 1e-3  # released: only the reverb's tail (measured 2.5e-4)
    assert levels[True] > 30 * max(levels[False], 1e-6)  # held by the pedal (measured 150x)
