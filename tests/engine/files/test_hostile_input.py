"""Hostile and damaged input, one class per case: every one is refused with one sentence
naming the file (exit 1 on the command line), leaves no output file, and never changes
the open document."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import mido
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.commands.cli import main
from engine.core.errors import FileFormatError, FileWriteError
from engine.core.history import History
from engine.core.score import Note, Score, Track
from engine.files.midifile import import_midi
from engine.files.midifile_export import export_midi
from engine.files.project_file import dumps_project, load_project, save_project
from tests.hypothesis_profiles import examples


def _chunk(name: bytes, payload: bytes, length: int | None = None) -> bytes:
    return name + struct.pack(">L", len(payload) if length is None else length) + payload


def _header(fmt=1, tracks=1, division=480) -> bytes:
    return _chunk(b"MThd", struct.pack(">HHH", fmt, tracks, division))


NOTE_TRACK = bytes.fromhex("00903c64") + bytes.fromhex("8360803c00") + bytes.fromhex("00ff2f00")
NAME_TRACK = bytes.fromhex("00ff0304") + b"Lead" + bytes.fromhex("00ff2f00")


def _song(*tracks: bytes, fmt=1, announced=None, division=480) -> bytes:
    count = len(tracks) if announced is None else announced
    return _header(fmt, count, division) + b"".join(_chunk(b"MTrk", t) for t in tracks)


def refused(tmp_path, capsys, path, problem: str | tuple[str, ...]) -> None:
    """``path`` is refused by the loader and by `pianola convert`, with one sentence."""
    history = History(Score(tracks=(Track(name="mine", notes=(Note(0, 1, 60),)),)))
    before = (history.score, history.generation)
    reader = import_midi if path.suffix == ".mid" else load_project
    with pytest.raises(FileFormatError) as err:
        history.apply(reader(path), "Open")
    assert str(err.value).startswith(f"Cannot open {path}: ")
    alternatives = (problem,) if isinstance(problem, str) else problem
    assert any(p in str(err.value) for p in alternatives) and "\n" not in str(err.value)
    assert (history.score, history.generation) == before
    out = tmp_path / ("out.pianola" if path.suffix == ".mid" else "out.mid")
    assert main(["convert", str(path), str(out)]) == 1
    err_text = capsys.readouterr().err
    assert err_text.startswith(f"pianola: Cannot open {path}: ") and err_text.count("\n") == 1
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# --- MIDI files whose damage mido would read as a smaller song ------------------------


MIDI_DAMAGE = {
    "track chunk length 0": (
        _header(1, 1) + _chunk(b"MTrk", NOTE_TRACK, length=0),
        "track 1 is empty (its chunk length is 0)",
    ),
    "track chunk length short by a whole event": (
        _header(1, 1) + _chunk(b"MTrk", NOTE_TRACK, length=len(NOTE_TRACK) - 4),
        "the MIDI file is damaged (track 1's chunk length (9 bytes) does not match its events)",
    ),
    "track chunk length short by part of an event": (
        _header(1, 2)
        + _chunk(b"MTrk", NOTE_TRACK, length=len(NOTE_TRACK) - 6)
        + _chunk(b"MTrk", NOTE_TRACK),
        "the MIDI file is damaged (track 1's chunk length (7 bytes) does not match its events)",
    ),
    "track chunk length too long": (
        _header(1, 2)
        + _chunk(b"MTrk", NOTE_TRACK, length=len(NOTE_TRACK) + 3)
        + _chunk(b"MTrk", NOTE_TRACK),
        "the MIDI file is damaged (track 1's chunk length (16 bytes) does not match its events)",
    ),
    "header announces fewer tracks than the file holds": (
        _song(NAME_TRACK, NOTE_TRACK, NOTE_TRACK, announced=2),
        "its header announces 2 tracks but it holds 3",
    ),
    "header announces more tracks than the file holds": (
        _song(NOTE_TRACK, announced=4),
        "its header announces 4 tracks but it holds 1",
    ),
    "format 3": (_song(NOTE_TRACK, fmt=3), "it declares MIDI file format 3, which does not exist"),
    "format 65535": (
        _song(NOTE_TRACK, fmt=65535),
        "it declares MIDI file format 65535, which does not exist",
    ),
    "division 0": (
        _song(NOTE_TRACK, division=0),
        "its time division is 0 ticks per quarter note, which cannot be",
    ),
    "a 300 000-byte variable-length number": (
        _song(b"\x81" * 300_000 + b"\x00\xff\x2f\x00"),
        "track 1 holds a variable-length number longer than 4 bytes",
    ),
    "a key signature with mode 2": (
        _song(bytes.fromhex("00ff59020402") + NOTE_TRACK),
        "the MIDI file is damaged (Could not decode key",
    ),
    "a type 0 file with two tracks": (
        _song(NOTE_TRACK, NOTE_TRACK, fmt=0),
        "it is a type 0 file with 2 tracks",
    ),
    "garbage where a chunk should start": (
        _song(NOTE_TRACK) + b"\x00\x90\x3c\x64\x00\x00\x00\x00",
        "after track 1 comes something that is not a chunk",
    ),
}


@pytest.mark.parametrize("case", sorted(MIDI_DAMAGE))
def test_damaged_midi_is_refused_with_one_sentence(tmp_path, capsys, case):
    data, problem = MIDI_DAMAGE[case]
    path = tmp_path / "bad.mid"
    path.write_bytes(data)
    refused(tmp_path, capsys, path, problem)


def test_the_undamaged_twins_of_the_table_read_whole(tmp_path):
    """The same songs without the damage keep every note and track (the table's refusals
    come from the damage, not from the songs)."""
    path = tmp_path / "good.mid"
    path.write_bytes(_song(NAME_TRACK, NOTE_TRACK, NOTE_TRACK))
    score = import_midi(path)
    assert score.title == "Lead" and [len(t.notes) for t in score.tracks] == [1, 1]
    path.write_bytes(_song(NOTE_TRACK) + b"JUNK" + struct.pack(">L", 2) + b"ab")
    assert import_midi(path).note_count == 1  # an unknown chunk kind is skipped, as allowed


@settings(max_examples=examples(200), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 0x7F), st.binary(max_size=12))
@example(0x59, b"\x04\x02")  # key signature, impossible mode (mido's KeySignatureError)
@example(0x59, b"\x7f\x00")  # key signature, impossible key
@example(0x58, b"\x04\xff\x18\x08")  # time signature, denominator 2**255
@example(0x51, b"")  # tempo with no bytes
@example(0x54, b"\xff\xff\xff\xff\xff")  # SMPTE offset, impossible frame rate
def test_any_meta_event_gives_a_score_or_one_sentence(tmp_path, kind, data):
    length = mido.midifiles.meta.encode_variable_int(len(data))
    event = bytes([0, 0xFF, kind, *length]) + data
    path = tmp_path / "meta.mid"
    path.write_bytes(_song(event + NOTE_TRACK))
    try:
        score = import_midi(path)
    except FileFormatError as exc:
        assert str(exc).startswith(f"Cannot open {path}: ") and "\n" not in str(exc)
    else:
        assert score.note_count == 1


# --- project files --------------------------------------------------------------------


def _project_text(**changes) -> str:
    doc = json.loads(dumps_project(Score(tracks=(Track(name="t", notes=(Note(0, 1, 60),)),))))
    doc.update(changes)
    return json.dumps(doc)


PROJECT_DAMAGE = {
    "an integer of 5000 digits": (
        _project_text().replace('"pitch": 60', '"pitch": ' + "9" * 5000),
        "it holds a number with more digits than Pianola reads",
    ),
    "a ppq of 5000 digits": (
        _project_text().replace('"ppq": 480', '"ppq": -' + "1" * 5000),
        "it holds a number with more digits than Pianola reads",
    ),
    # Whether 1000 levels reach Python's recursion limit depends on the stack in use:
    # either way, one sentence.
    "a title nested 1000 deep": (
        _project_text().replace('"title": ""', '"title": ' + "[" * 1000 + "]" * 1000),
        ("title must be text, not a list", "it is nested too deeply"),
    ),
    "a file nested 1000 deep": (
        "[" * 1000 + "]" * 1000,
        ("the file must hold a JSON object", "it is nested too deeply"),
    ),
    "a file nested 100 000 deep": ("[" * 100_000, "it is nested too deeply"),
    "a lone surrogate in the title": (
        _project_text(title="\ud800"),
        "title holds a lone surrogate, which is not a character",
    ),
    "a lone surrogate in a track name": (
        _project_text().replace('"name": "t"', '"name": "a\\udfffb"'),
        "tracks[0].name holds a lone surrogate, which is not a character",
    ),
}


@pytest.mark.parametrize("case", sorted(PROJECT_DAMAGE))
def test_hostile_project_files_are_refused_with_one_sentence(tmp_path, capsys, case):
    text, problem = PROJECT_DAMAGE[case]
    path = tmp_path / "bad.pianola"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    refused(tmp_path, capsys, path, problem)


@pytest.mark.parametrize("suffix", [".pianola", ".mid"])
def test_saving_a_lone_surrogate_is_one_sentence_and_keeps_the_old_file(tmp_path, suffix):
    path = tmp_path / f"song{suffix}"
    writer = save_project if suffix == ".pianola" else export_midi
    writer(Score(title="old"), path)
    old = path.read_bytes()
    score = Score(title="a\ud800b", tracks=(Track(name="\udc80", notes=(Note(0, 1, 60),)),))
    if suffix == ".mid":  # MIDI text stores what it can: the surrogate becomes "?"
        writer(score, path)
        assert import_midi(path).title == "a?b"
        return
    with pytest.raises(FileWriteError) as err:
        writer(score, path)
    assert str(err.value) == (
        f"Cannot save {path}: a name or title holds a lone surrogate (U+D800), "
        "which is not a character"
    )
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# --- inputs that are not files --------------------------------------------------------


@pytest.mark.parametrize("suffix", [".mid", ".pianola"])
def test_a_named_pipe_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path, suffix):
    path = tmp_path / f"pipe{suffix}"
    os.mkfifo(path)
    out = tmp_path / "out.wav"
    for command in (
        ["convert", str(path), str(tmp_path / "o.pianola")],
        ["render", str(path), "-o", str(out)],
    ):
        # A blocked open would hang the child; the timeout only bounds a failure.
        result = subprocess.run(
            [sys.executable, "-m", "engine.commands.cli", *command],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        assert (
            result.stderr == f"pianola: Cannot open {path}: it is a named pipe, not a song file\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_folder_named_like_a_song_is_refused(tmp_path, capsys):
    path = tmp_path / "folder.mid"
    path.mkdir()
    assert main(["convert", str(path), str(tmp_path / "o.pianola")]) == 1
    assert capsys.readouterr().err.startswith(f"pianola: Cannot open {path}: ")
