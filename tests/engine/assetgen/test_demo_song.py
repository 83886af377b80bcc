"""The demo song: the committed file matches its builder, and it is a real arrangement."""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
import pytest

from engine.assetgen.demo_song import BPM, build_demo_score
from engine.assetgen.sf2.bank import drum_keys
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL
from engine.files.project_file import load_project
from engine.files.soundfonts import BUNDLED_SOUNDFONT, preset_names

DEMO = Path(__file__).resolve().parents[3] / "assets" / "demo.pianola"


@pytest.fixture(scope="module")
def score():
    return load_project(DEMO)


def test_committed_demo_is_what_the_builder_makes(score):
    assert score == build_demo_score(), (
        "assets/demo.pianola is stale: run python -m engine.assetgen.demo_song assets/demo.pianola"
    )


def test_demo_is_at_least_sixteen_bars_with_drums_bass_melody_and_chords(score):
    bar = score.bar_ticks_at(0)
    assert score.end_tick >= 16 * bar
    assert len(score.tracks) >= 4
    drums = [t for t in score.tracks if t.is_drum]
    assert len(drums) == 1
    assert (drums[0].channel, drums[0].bank, drums[0].program) == (GM_DRUM_CHANNEL, DRUM_BANK, 0)
    programs = {t.program for t in score.tracks if not t.is_drum}
    assert programs & set(range(32, 40)), "a bass"
    assert programs & set(range(80, 88)), "a lead melody"
    assert programs & {0, 88, 89}, "chords (piano or pad)"
    channels = [t.channel for t in score.tracks]
    assert len(set(channels)) == len(channels), "each track on its own channel"
    assert 110 <= score.tempo_map.bpm_at(0) <= 124 and round(score.tempo_map.bpm_at(0)) == BPM


def test_every_track_has_dynamics_and_fills_the_song(score):
    bar = score.bar_ticks_at(0)
    for track in score.tracks:
        velocities = {n.velocity for n in track.notes}
        assert len(velocities) >= 4, f"{track.name} is flat: velocities {sorted(velocities)}"
        bars_used = {n.start_tick // bar for n in track.notes}
        assert len(bars_used) >= 12, f"{track.name} plays in only {len(bars_used)} bars"


def test_every_sound_exists_in_the_bundled_font(score):
    names = preset_names(BUNDLED_SOUNDFONT)
    kit = set(drum_keys())
    for track in score.tracks:
        assert (track.bank, track.program) in names, track.name
        if track.is_drum:
            assert {n.pitch for n in track.notes} <= kit


def _render_demo_dry(score, font: Path) -> list[np.ndarray]:
    """Each track rendered alone with pyfluidsynth, events applied between 64-frame blocks."""
    fluidsynth = pytest.importorskip("fluidsynth")
    lib = fluidsynth._fl
    lib.fluid_synth_write_float.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
    ]
    rate, block = 48000, 64
    outputs = []
    for track in score.tracks:
        synth = fluidsynth.Synth(samplerate=rate, gain=0.5)
        sfid = synth.sfload(str(font))
        synth.program_select(track.channel, sfid, track.bank, track.program)
        synth.cc(track.channel, 7, track.volume)
        synth.cc(track.channel, 10, track.pan)
        events = []
        for n in track.notes:
            on = score.tempo_map.tick_to_frame(n.start_tick, score.ppq, rate)
            off = score.tempo_map.tick_to_frame(n.end_tick, score.ppq, rate)
            events += [(on // block, 1, n.pitch, n.velocity), (off // block, 0, n.pitch, 0)]
        events.sort()
        last_block = events[-1][0] + rate // block  # one second of tail
        buf = (ctypes.c_float * (2 * block))()
        chunks, i = [], 0
        for b in range(last_block):
            while i < len(events) and events[i][0] <= b:
                _, is_on, key, vel = events[i]
                if is_on:
                    synth.noteon(track.channel, key, vel)
                else:
                    synth.noteoff(track.channel, key)
                i += 1
            lib.fluid_synth_write_float(synth.synth, block, buf, 0, 2, buf, 1, 2)
            chunks.append(np.frombuffer(buf, dtype=np.float32).copy())
        synth.delete()
        outputs.append(np.concatenate(chunks).reshape(-1, 2))
    return outputs


def test_demo_renders_at_sane_levels_on_the_bundled_font(score):
    tracks = _render_demo_dry(score, BUNDLED_SOUNDFONT)
    length = max(len(t) for t in tracks)
    mix = np.zeros((length, 2))
    for track, out in zip(score.tracks, tracks):
        mix[: len(out)] += out
        rms_db = 20 * np.log10(np.sqrt(np.mean(out.astype(np.float64) ** 2)))
        assert -45 < rms_db < -12, f"{track.name}: RMS {rms_db:.1f} dBFS"
    peak = np.abs(mix).max()
    assert 0.1 < peak < 0.9, f"mix peak {peak:.2f} (want headroom, and not near-silence)"


def test_the_regenerate_command_writes_the_committed_demo(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "demo.pianola"
    done = subprocess.run(
        [sys.executable, "-m", "engine.assetgen.demo_song", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == DEMO.read_bytes()


def test_pianola_render_plays_the_demo_with_no_system_font(tmp_path, monkeypatch, capsys):
    """The acceptance path: `pianola render assets/demo.pianola -o demo.wav`, fresh machine."""
    import wave

    from engine.commands.cli import main
    from engine.files import soundfonts

    monkeypatch.setattr(soundfonts, "system_search_dirs", lambda: [tmp_path / "none"])
    monkeypatch.delenv("PIANOLA_SOUNDFONT", raising=False)
    out = tmp_path / "demo.wav"
    assert main(["render", str(DEMO), "-o", str(out)]) == 0
    assert "pianola.sf2" in capsys.readouterr().out
    with wave.open(str(out)) as w:
        rate, frames = w.getframerate(), w.getnframes()
        audio = np.frombuffer(w.readframes(frames), dtype="<i2").astype(np.float64) / 32768
    assert frames / rate > 45  # 24 bars at 116 BPM, plus the tail
    assert 0.1 < np.abs(audio).max() < 0.99
