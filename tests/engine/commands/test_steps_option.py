"""`--steps LANE=PATTERN` on the command line: the beat rendered and heard in the WAV,
malformed patterns refused with one sentence."""

from __future__ import annotations

import wave
from types import SimpleNamespace

import numpy as np
import pytest

from engine.commands.cli import main
from engine.commands.steps_option import with_steps
from engine.core.pattern_expand import arrangement_notes
from engine.core.score import Note, Score, Track
from engine.measure.onsets import find_onsets, suggest_threshold

RATE = 48000


def read_wav(path):
    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        return data.reshape(-1, w.getnchannels()).astype(np.float32) / 32768


def test_e38_at_120_bpm_sounds_on_steps_0_3_6(tmp_path):
    out = tmp_path / "tresillo.wav"
    assert main(["render", "--steps", "rim=E(3,8)", "--tempo", "120", "-o", str(out)]) == 0
    audio = read_wav(out)
    mag = np.abs(audio).max(axis=1)
    onsets = find_onsets(mag, suggest_threshold(mag, 0.1), min_gap_frames=3000)
    sixteenth = RATE * 60 // 120 // 4  # 6000 frames
    steps = (onsets - onsets[0]) / sixteenth
    assert np.allclose(steps, [0, 3, 6], atol=64 / sixteenth), steps


def test_a_step_string_with_accents_and_a_file_gets_its_own_drum_track(tmp_path):
    song = Score(tracks=(Track("Piano", notes=(Note(0, 3840, 60),)),))
    args = SimpleNamespace(
        steps=["kick=x...X...", "42=E(2,4)"], step_size="1/8", repeats=None, tempo=None
    )
    score = with_steps(song, args)
    assert [t.name for t in score.tracks] == ["Piano", "Steps"] and score.tracks[1].is_drum
    pattern = score.patterns[0]
    assert pattern.length_steps == 8 and pattern.step_size == "1/8"
    assert [lane.key for lane in pattern.lanes] == [36, 42]
    assert score.placements[0].repeats == 2  # 8 eighths = 1920 ticks, over 3840
    kicks = [(n.start_tick, n.velocity) for n in arrangement_notes(score, 1) if n.pitch == 36]
    assert kicks[:2] == [(0, 100), (960, 127)]


@pytest.mark.parametrize(
    "argv, sentence",
    [
        (["--steps", "kick=x..o"], "step 4 of 'x..o' is 'o'"),
        (["--steps", "kick=E(9,8)"], "the onset count k must be from 0 to n (8), not 9"),
        (["--steps", "kick=E(3,0)"], "the step count n must be from 1 to 64, not 0"),
        (["--steps", "kick=" + "x" * 65], "1 to 64 steps, not 65"),
        (["--steps", "cowbel=x"], "'cowbel' is not a drum sound"),
        (["--steps", "300=x"], "a MIDI key number is from 0 to 127, not 300"),
        (["--steps", "kick"], "must be LANE=PATTERN"),
        (["--steps", "kick=x", "--step-size", "1/5"], "--step-size must be one of"),
        (["--steps", "kick=x", "--tempo", "5000"], "--tempo must be from 10 to 999 BPM"),
        ([], "give a song FILE, or a beat with --steps"),
    ],
)
def test_malformed_steps_get_one_sentence(tmp_path, capsys, argv, sentence):
    out = tmp_path / "x.wav"
    assert main(["render", *argv, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert sentence in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_play_help_lists_the_drum_names(capsys):
    with pytest.raises(SystemExit):
        main(["play", "--help"])
    text = "".join(capsys.readouterr().out.split())  # argparse wraps at hyphens
    for name in ("kick", "snare", "rim", "clap", "closed-hat", "open-hat", "low-tom"):
        assert name in text
