"""`pianola convert` through engine.commands.cli.main and through the installed console script."""

import subprocess
from pathlib import Path

import mido
import pytest

from engine.commands.cli import main
from engine.core.score import Note, Score, Track
from engine.core.timing import TempoChange, TempoMap
from engine.files.midifile import import_midi
from engine.files.project_file import load_project, save_project

ROOT = Path(__file__).resolve().parents[3]
PIANOLA = ROOT / ".venv" / "bin" / "pianola"

SONG = Score(
    tracks=(
        Track(
            name="Lead",
            channel=1,
            program=81,
            notes=(Note(0, 240, 72), Note(240, 240, 74, 90), Note(480, 960, 76, 110)),
        ),
        Track(name="Kit", channel=9, is_drum=True, notes=(Note(0, 30, 36), Note(480, 30, 38))),
    ),
    tempo_map=TempoMap((TempoChange(0, 500_000), TempoChange(960, 450_000))),
    title="Demo",
)


def test_pianola_to_midi_and_back(tmp_path, capsys):
    src, mid, back = tmp_path / "a.pianola", tmp_path / "a.mid", tmp_path / "b.pianola"
    save_project(SONG, src)
    assert main(["convert", str(src), str(mid)]) == 0
    assert capsys.readouterr().out == f"Wrote {mid}: 2 tracks, 5 notes.\n"
    assert mido.MidiFile(mid).type == 1
    assert main(["convert", str(mid), str(back)]) == 0
    assert load_project(back) == SONG


def test_normalising_conversions(tmp_path):
    # a type 0 file written by mido becomes Pianola's type 1 layout
    raw = tmp_path / "raw.midi"
    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    mid.tracks.append(
        mido.MidiTrack(
            [
                mido.Message("note_on", note=60, velocity=80, channel=2),
                mido.Message("note_on", note=60, velocity=0, channel=2, time=96),
            ]
        )
    )
    mid.save(raw)
    out = tmp_path / "clean.mid"
    assert main(["convert", str(raw), str(out)]) == 0
    assert mido.MidiFile(out).type == 1
    assert import_midi(out).tracks[0].notes == (Note(0, 96, 60, 80),)
    p1, p2 = tmp_path / "x.pianola", tmp_path / "y.pianola"
    save_project(SONG, p1)
    assert main(["convert", str(p1), str(p2)]) == 0
    assert p2.read_text() == p1.read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["song.wav", "out.mid"],
            "Cannot open song.wav: Pianola reads only .mid, .midi or .pianola files",
        ),
        (
            ["in.pianola", "out.mp3"],
            "Cannot save out.mp3: Pianola writes only .mid, .midi or .pianola files",
        ),
    ],
)
def test_unknown_extensions(tmp_path, capsys, args, message):
    save_project(SONG, tmp_path / "in.pianola")
    args = [str(tmp_path / a) if a.startswith("in.") else a for a in args]
    assert main(["convert", *args]) == 1
    assert capsys.readouterr().err == f"pianola: {message}\n"


def test_installed_console_script(tmp_path):
    assert PIANOLA.exists(), "the package is not installed in .venv: run ./bootstrap.sh test"
    src = tmp_path / "a.pianola"
    save_project(SONG, src)
    ok = subprocess.run(
        [str(PIANOLA), "convert", str(src), str(tmp_path / "a.mid")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert import_midi(tmp_path / "a.mid").note_count == 5
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\x01\x00\x00\x90")
    out = subprocess.run(
        [str(PIANOLA), "convert", str(bad), str(tmp_path / "b.pianola")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert out.stderr == f"pianola: Cannot open {bad}: the MIDI file is cut short (in track 1)\n"
    assert not (tmp_path / "b.pianola").exists()
    usage = subprocess.run(
        [str(PIANOLA), "convert", str(src)], capture_output=True, text=True, timeout=60
    )
    assert usage.returncode == 2 and "OUT" in usage.stderr


def test_bench_lists_benchmarks_from_their_docstrings(capsys):
    from engine.commands.bench import available

    names = available()
    assert names["model"].startswith("`pianola bench model`: MIDI import of 100 000 notes")
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    out = capsys.readouterr().out
    assert "model" in out and names["model"] in out


def test_bench_model_runs_small_and_prints_its_figures(capsys):
    # Small sizes so the test is quick; it checks the benchmark works, not the speed.
    main(
        [
            "bench",
            "model",
            "--notes",
            "3000",
            "--imports",
            "1",
            "--track-notes",
            "500",
            "--queries",
            "50",
        ]
    )
    out = capsys.readouterr().out
    assert "ERROR" not in out
    assert "import_midi of 3000 notes in 16 tracks" in out
    assert "notes_in_range on 500 notes, 50 random windows" in out
    assert "naive linear scan: median" in out
    assert "move_notes of 20 notes in a 500-note track" in out


def test_bench_unknown_name_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "nosuch"])
    assert exit_.value.code == 2
    assert "invalid choice: 'nosuch'" in capsys.readouterr().err
