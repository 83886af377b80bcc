"""The metronome heard: the real scheduler driving real FluidSynth ("file" driver, rendered
block by block as the offline render does), onsets found in the samples."""

from __future__ import annotations

import numpy as np

from engine.audio.synth import SynthBackend
from engine.core.audio_settings import AudioSettings
from engine.core.metronome import clicks
from engine.core.score import Note, Score, Track
from engine.core.timing import TempoMap, TimeSignature, TimeSignatureMap
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.measure.onsets import find_onsets
from engine.realtime.scheduler import Scheduler

RATE, BLOCK, PPQ = 48000, 256, 480


def _render(score: Score, seconds: float, metronome: bool) -> np.ndarray:
    settings = AudioSettings(
        driver="file",
        sample_rate=RATE,
        soundfont=str(BUNDLED_SOUNDFONT),
        reverb=False,
        chorus=False,
    )
    out = []
    with SynthBackend(settings, BUNDLED_SOUNDFONT) as backend:
        scheduler = Scheduler(backend, lookahead_frames=2 * BLOCK, stop_at_end=False)
        scheduler.load_score(score)
        scheduler.set_metronome(metronome)
        scheduler.play(0)
        lead = scheduler.position().frame + 2 * BLOCK
        buffer = np.zeros((BLOCK, 2), dtype=np.float32)
        for _ in range(int(seconds * RATE) // BLOCK + lead // BLOCK + 1):
            scheduler.service()
            backend.render_into(buffer)
            out.append(buffer.copy())
        scheduler.stop()
    return np.concatenate(out)[lead:]


def test_clicks_fall_on_every_beat_with_the_bar_accented():
    # 3/4 at 120 BPM: a beat every 24000 frames, a bar every three; a quiet pad track
    score = Score(
        tracks=(Track("Pad", notes=(Note(0, 10, 40, 1),)),),
        ppq=PPQ,
        tempo_map=TempoMap.constant(120),
        time_signatures=TimeSignatureMap((TimeSignature(0, 3, 4),)),
    )
    samples = _render(score, 3.2, metronome=True)
    magnitude = np.abs(samples).max(axis=1)
    onsets = find_onsets(magnitude, 0.02, min_gap_frames=RATE // 8)
    beats = np.arange(7) * RATE // 2
    assert len(onsets) == len(beats), onsets
    assert np.all(np.abs(onsets - beats) <= 64)  # FluidSynth's block grid
    peaks = [magnitude[b : b + RATE // 20].max() for b in beats]
    assert peaks[0] > 1.2 * peaks[1] and peaks[3] > 1.2 * peaks[4]  # bars accented
    assert np.abs(_render(score, 3.2, metronome=False)).max() < 0.02  # the click is all


def test_beats_follow_a_change_of_meter():
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(4 * PPQ, 7, 8)))
    got = clicks(sigs, PPQ, 0, 4 * PPQ + 14 * (PPQ // 2))
    assert [t for t, _ in got][:5] == [0, 480, 960, 1440, 1920]
    assert [t for t, a in got if a] == [0, 1920, 1920 + 7 * 240]
    assert got[5] == (1920 + 240, False)
