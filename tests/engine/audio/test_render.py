"""Offline render with the real FluidSynth: identical renders, onsets where the score says."""

from __future__ import annotations

import wave

import numpy as np
import pytest
import soundfile

from engine.commands.cli import main
from engine.core.audio_settings import AudioSettings
from engine.core.errors import SoundFontError
from engine.core.score import Note, Score, Track
from engine.core.timing import TempoChange, TempoMap
from engine.files.midifile_export import export_midi
from engine.files.project_file import save_project
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.measure.onsets import find_onsets
from engine.realtime.offline_render import render_score

SR = 48000


def read_wav(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 2 and w.getsampwidth() == 2
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return data.reshape(-1, 2).astype(np.float32) / 32768.0, w.getframerate()


def song() -> Score:
    piano = Track("Piano", notes=tuple(Note(i * 240, 200, 60 + i % 12, 90) for i in range(16)))
    drums = Track("Drums", is_drum=True, notes=tuple(Note(i * 480, 60, 36) for i in range(8)))
    return Score((piano, drums))


def test_two_renders_of_one_score_are_identical(tmp_path):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    render_score(song(), a, BUNDLED_SOUNDFONT)
    render_score(song(), b, BUNDLED_SOUNDFONT)
    assert a.read_bytes() == b.read_bytes()
    audio, rate = read_wav(a)
    assert rate == SR and np.abs(audio).max() > 0.05
    # the song lasts 4 s; the tail stops at silence or 2 s after it
    assert 4.0 * SR <= len(audio) <= 6.1 * SR


def test_drum_onsets_land_within_64_frames_of_the_score(tmp_path):
    # a tempo change half-way: the second half's frames come from the tempo map
    tempo = TempoMap((TempoChange(0, 500_000), TempoChange(1920, 375_000)))  # 120 -> 160 BPM
    hits = tuple(Note(i * 480, 60, 36, 120) for i in range(8))
    score = Score((Track("Kick", is_drum=True, notes=hits),), tempo_map=tempo)
    path = tmp_path / "kick.wav"
    render_score(score, path, BUNDLED_SOUNDFONT, settings=AudioSettings(reverb=False))
    audio, _ = read_wav(path)
    magnitude = np.abs(audio).max(axis=1)
    found = find_onsets(magnitude, threshold=0.1 * magnitude.max(), min_gap_frames=4000)
    expected = [tempo.tick_to_frame(n.start_tick, score.ppq, SR) for n in hits]
    assert len(found) == len(expected)
    errors = [int(f) - e for f, e in zip(found, expected)]
    assert all(abs(e) <= 64 for e in errors), errors


def test_a_render_past_the_plain_wav_limit_is_rf64_with_the_same_audio(tmp_path, monkeypatch):
    """Past a plain WAV's size the render goes on as RF64, every sample as it would be in a
    WAV: shown with the line moved down to 1 s of audio, so no 4 GiB file is written."""
    from engine.files import wav_writer

    plain, big = tmp_path / "plain.wav", tmp_path / "big.wav"
    first = render_score(song(), plain, BUNDLED_SOUNDFONT)
    assert first.container == "WAV"
    monkeypatch.setattr(wav_writer, "WAV_MAX_DATA_BYTES", SR * wav_writer.WAV_BYTES_PER_FRAME)
    second = render_score(song(), big, BUNDLED_SOUNDFONT)
    assert second.container == "RF64" and second.frames == first.frames
    assert soundfile.info(str(big)).format == "RF64"
    assert big.read_bytes()[:4] == b"RF64"
    as_rf64, rate = soundfile.read(str(big), dtype="int16")
    as_wav, _ = soundfile.read(str(plain), dtype="int16")
    assert rate == SR and len(as_rf64) == first.frames
    assert np.array_equal(as_rf64, as_wav)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.wav", "plain.wav"]


def test_the_render_command_says_when_it_wrote_rf64(tmp_path, monkeypatch, capsys):
    from engine.files import wav_writer

    project, out = tmp_path / "song.pianola", tmp_path / "out.wav"
    save_project(song(), project)
    args = ["render", str(project), "-o", str(out), "--soundfont", str(BUNDLED_SOUNDFONT)]
    assert main(args) == 0
    assert "RF64" not in capsys.readouterr().out
    monkeypatch.setattr(wav_writer, "WAV_MAX_DATA_BYTES", SR * wav_writer.WAV_BYTES_PER_FRAME)
    assert main(args) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"Wrote {out}: ") and said.count("\n") == 1
    assert said.endswith(
        "It is an RF64 file: WAV's 64-bit form, for audio past a plain WAV's 4 GiB.\n"
    )
    assert soundfile.info(str(out)).format == "RF64"


def test_missing_soundfont_is_a_clear_error(tmp_path):
    with pytest.raises(SoundFontError, match="does not exist"):
        render_score(song(), tmp_path / "x.wav", tmp_path / "missing.sf2")
    assert not (tmp_path / "x.wav").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_progress_is_reported_up_to_one(tmp_path):
    seen = []
    render_score(song(), tmp_path / "p.wav", BUNDLED_SOUNDFONT, progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


def test_render_command_reads_midi_and_project_files(tmp_path, capsys):
    mid, project = tmp_path / "song.mid", tmp_path / "song.pianola"
    export_midi(song(), mid)
    save_project(song(), project)
    for source in (mid, project):
        out = tmp_path / f"{source.suffix[1:]}.wav"
        assert (
            main(
                [
                    "render",
                    str(source),
                    "-o",
                    str(out),
                    "--sample-rate",
                    "44100",
                    "--soundfont",
                    str(BUNDLED_SOUNDFONT),
                ]
            )
            == 0
        )
        audio, rate = read_wav(out)
        assert rate == 44100 and np.abs(audio).max() > 0.05
    assert "Wrote" in capsys.readouterr().out


def test_render_command_bad_input_is_one_sentence(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("not music")
    assert main(["render", str(text), "-o", str(tmp_path / "x.wav")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("pianola: ") and "\n" not in err and ".pianola, .mid" in err
    assert main(["render", str(tmp_path / "absent.mid"), "-o", str(tmp_path / "x.wav")]) == 1
    assert (
        main(
            [
                "render",
                str(text),
                "-o",
                str(tmp_path / "x.wav"),
                "--soundfont",
                str(tmp_path / "none.sf2"),
            ]
        )
        == 1
    )
    assert not (tmp_path / "x.wav").exists()


def test_offline_loop_and_live_edit_through_the_real_synth():
    """The scheduler on FluidSynth's sample clock, rendered offline so every frame is
    known: the loop point is seamless, and a note added during playback is heard on the
    next pass while a deleted one is not."""
    from engine.audio.synth import SynthBackend
    from engine.core.score import LoopRegion
    from engine.realtime.scheduler import Scheduler

    kicks = (Note(0, 60, 36, 120), Note(960, 60, 36, 120))
    loop = LoopRegion(0, 1920)  # one 4/4 bar at 120 BPM: 96000 frames
    score = Score((Track(is_drum=True, notes=kicks),), loop=loop, loop_enabled=True)
    settings = AudioSettings(driver="file", reverb=False)
    with SynthBackend(settings, BUNDLED_SOUNDFONT) as backend:
        scheduler = Scheduler(backend, lookahead_frames=2048)
        scheduler.load_score(score)
        scheduler.play(0)
        anchor = 2048
        blocks = []
        for i in range(4 * 96000 // 1024):
            state = scheduler.service()
            if i == 140:  # in pass 1, past beat 2: add a kick on beat 2, delete beat 3's
                assert state.loop_count == 1
                edited = (Note(0, 60, 36, 120), Note(480, 60, 36, 120))
                scheduler.replace_score(
                    Score((Track(is_drum=True, notes=edited),), loop=loop, loop_enabled=True)
                )
            blocks.append(backend.render(1024))
        assert scheduler.service().loop_count == 3
    audio = np.concatenate(blocks)
    magnitude = np.abs(audio).max(axis=1)
    found = find_onsets(magnitude, threshold=0.1 * magnitude.max(), min_gap_frames=4000)
    # pass 0: beats 1 and 3; pass 1: beat 1 only (beat 3 deleted before it was due, the
    # new beat 2 already passed); passes 2 and 3: beats 1 and 2
    bar, beat = 96000, 24000
    expected = [
        anchor + f for f in (0, 2 * beat, bar, 2 * bar, 2 * bar + beat, 3 * bar, 3 * bar + beat)
    ]
    assert len(found) == len(expected), (found, expected)
    errors = [int(f) - e for f, e in zip(found, expected)]
    assert all(abs(e) <= 64 for e in errors), errors
