"""The .pianola project file: exact round trip, validation with located messages, atomic save."""

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine.commands.cli import main
from engine.core.errors import FileFormatError, FileWriteError
from engine.core.history import History
from engine.core.score import Note, Score, Track
from engine.files.project_file import (
    dumps_project,
    load_project,
    loads_project,
    save_project,
    score_to_json,
)
from tests.engine.file_fixtures import lock_folder  # noqa: F401 (a fixture)
from tests.engine.strategies import scores, song_scales
from tests.hypothesis_profiles import examples

ROOT = Path(__file__).resolve().parents[3]


def small_song():
    return Score(
        tracks=(
            Track(name="Piano", notes=(Note(0, 480, 60), Note(480, 240, 64, 90))),
            Track(name="Drums", channel=9, is_drum=True, bank=128, notes=(Note(0, 60, 36),)),
        ),
        title="Small",
    )


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(scores(), song_scales)
def test_load_of_save_is_the_same_score(tmp_path_factory, score, scale):
    score = replace(score, scale=scale)
    path = tmp_path_factory.mktemp("rt") / "song.pianola"
    save_project(score, path)
    assert load_project(path) == score
    assert loads_project(dumps_project(score)) == score


def test_saved_file_is_readable_json_with_format_and_version(tmp_path):
    path = tmp_path / "song.pianola"
    save_project(small_song(), path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "pianola" and doc["version"] == 1
    assert doc["tracks"][0]["notes"][1] == {
        "start_tick": 480,
        "length_ticks": 240,
        "pitch": 64,
        "velocity": 90,
    }
    assert [p.name for p in tmp_path.iterdir()] == ["song.pianola"]  # no temp left behind


def with_change(change):
    doc = score_to_json(small_song())
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    "change, problem",
    [
        (
            lambda d: d["tracks"][1]["notes"][0].__setitem__("pitch", 300),
            "tracks[1].notes[0].pitch must be from 0 to 127, not 300",
        ),
        (
            lambda d: d["tracks"][0]["notes"][1].__setitem__("velocity", "loud"),
            'tracks[0].notes[1].velocity must be a whole number, not "loud"',
        ),
        (
            lambda d: d["tracks"][0]["notes"][1].__setitem__("start_tick", 1.5),
            "tracks[0].notes[1].start_tick must be a whole number, not 1.5",
        ),
        (
            lambda d: d["tracks"][0].__setitem__("channel", 16),
            "tracks[0].channel must be from 0 to 15, not 16",
        ),
        (lambda d: d["tracks"][0].pop("notes"), "tracks[0].notes is missing"),
        (
            lambda d: d["tracks"][0].__setitem__("tint", "red"),
            "tracks[0].tint is not a known field",
        ),
        (lambda d: d.__setitem__("tracks", {"a": 1}), 'tracks must be a list, not {"a": 1}'),
        (
            lambda d: d["tracks"].__setitem__(0, [1, 2]),
            "tracks[0] must be a JSON object, not a list",
        ),
        (lambda d: d.__setitem__("ppq", 0), "ppq must be from 24 to 32767, not 0"),
        (
            lambda d: d.__setitem__("version", 3),
            "it was saved by a newer Pianola (format version 3; this Pianola reads up to version 2)",
        ),
        (lambda d: d.__setitem__("version", "1"), 'version must be a whole number from 1, not "1"'),
        (
            lambda d: d.__setitem__("format", "other"),
            'it is not a Pianola project (its "format" is not "pianola")',
        ),
        (
            lambda d: d["tempo_map"].append({"tick": 0, "us_per_quarter": 400000}),
            "tempo_map: two tempos start at tick 0",
        ),
        (
            lambda d: d["tempo_map"][0].__setitem__("us_per_quarter", 5),
            "tempo_map[0]: microseconds per quarter note must be from 60060 to 6000000, not 5",
        ),
        (
            lambda d: d["time_signatures"][0].__setitem__("denominator", 3),
            "time_signatures[0]: time signature denominator must be a power of two, not 3",
        ),
        (
            lambda d: d.__setitem__("loop", {"start_tick": 10, "end_tick": 5}),
            "loop: loop end (5) must come after loop start (10)",
        ),
        (
            lambda d: d.__setitem__("loop_enabled", True),
            "the song: looping is on but there is no loop region",
        ),
    ],
)
def test_bad_values_name_the_file_and_the_first_problem(tmp_path, change, problem):
    path = tmp_path / "bad.pianola"
    path.write_text(with_change(change))
    with pytest.raises(FileFormatError) as err:
        load_project(path)
    assert str(err.value) == f"Cannot open {path}: {problem}"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[1, 2, 3]", "the file must hold a JSON object, not a list"),
        ('{"format": "pianola", "version": 1', "it is not valid JSON (Expecting ',' delimiter"),
        ("", "it is not valid JSON (Expecting value at line 1, column 1)"),
        ("[" * 100000, "it is nested too deeply"),
    ],
)
def test_wrong_shape_json(text, problem):
    with pytest.raises(FileFormatError) as err:
        loads_project(text, "x.pianola")
    assert str(err.value).startswith(f"Cannot open x.pianola: {problem}")


def test_missing_file_and_binary_file(tmp_path):
    with pytest.raises(FileFormatError, match="nope.pianola: the file does not exist$"):
        load_project(tmp_path / "nope.pianola")
    (tmp_path / "bin.pianola").write_bytes(bytes(range(256)))
    with pytest.raises(FileFormatError, match="it is not a text file"):
        load_project(tmp_path / "bin.pianola")


def test_a_failed_load_leaves_the_open_document_unchanged(tmp_path):
    history = History(small_song())
    before = (history.score, history.generation, history.is_modified)
    bad = tmp_path / "future.pianola"
    bad.write_text(with_change(lambda d: d.__setitem__("version", 99)))
    with pytest.raises(FileFormatError):
        history.apply(load_project(bad), "Open")
    assert (history.score, history.generation, history.is_modified) == before


@pytest.fixture
def locked_dir(tmp_path, lock_folder):
    """A folder holding song.pianola that this process cannot write into."""
    folder = tmp_path / "locked"
    folder.mkdir()
    save_project(small_song(), folder / "song.pianola")
    return lock_folder(folder)


def test_unwritable_folder_gives_one_sentence_and_keeps_the_old_file(locked_dir):
    path = locked_dir / "song.pianola"
    old = path.read_bytes()
    history = History(small_song())
    history.apply(Score(title="changed"), "Edit")
    with pytest.raises(FileWriteError) as err:
        save_project(history.score, path)
    assert str(err.value) in (
        f"Cannot save {path}: permission was denied",
        f"Cannot save {path}: the disk is read-only",
    )
    assert path.read_bytes() == old
    assert sorted(p.name for p in locked_dir.iterdir()) == ["song.pianola"]
    assert history.is_modified and history.score.title == "changed"


def test_missing_folder(tmp_path):
    with pytest.raises(FileWriteError, match="the folder does not exist"):
        save_project(small_song(), tmp_path / "no" / "song.pianola")


def _run_child(code, *prefix):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [*prefix, sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


BIG_SAVE = """
    import sys
    from engine.core.errors import FileWriteError
    from engine.files.project_file import save_project
    from engine.core.score import Note, Score, Track
    big = Score(tracks=(Track(notes=tuple(Note(i, 10, 60) for i in range(20000))),))
    try:
        save_project(big, sys.argv[-1] if len(sys.argv) > 1 else {path!r})
    except FileWriteError as exc:
        print(exc)
"""


def test_a_write_that_fails_midway_keeps_the_old_file(tmp_path):
    # A real failing write: the child may not write files over 64 KiB (RLIMIT_FSIZE).
    path = tmp_path / "song.pianola"
    save_project(small_song(), path)
    old = path.read_bytes()
    code = (
        "import resource, signal\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))\n"
        + textwrap.dedent(BIG_SAVE.format(path=str(path)))
    )
    out = _run_child(code)
    assert out.stdout.strip() == f"Cannot save {path}: the file is too large", out.stderr
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["song.pianola"]


def test_a_full_disk_keeps_the_old_file(tmp_path):
    # A real full disk: a 64 KiB tmpfs mounted in a private mount namespace.
    mnt = tmp_path / "small"
    mnt.mkdir()
    target = mnt / "song.pianola"
    script = tmp_path / "save.py"
    script.write_text(textwrap.dedent(BIG_SAVE.format(path=str(target))))
    first = (
        "from tests.engine.files.test_project_file import small_song; "
        "from engine.files.project_file import save_project; "
        f"save_project(small_song(), {str(target)!r})"
    )
    shell = (
        f'mount -t tmpfs -o size=64k tmpfs "{mnt}" && '
        f'"{sys.executable}" -c "{first}" && "{sys.executable}" "{script}" && '
        f'ls -A "{mnt}" && wc -c < "{target}"'
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for prefix in (["unshare", "--mount"], ["unshare", "--map-root-user", "--mount"]):
        out = subprocess.run(
            [*prefix, "sh", "-c", shell],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=ROOT,
        )
        if out.returncode == 0:
            break
    else:
        pytest.skip(f"cannot mount a small tmpfs here: {out.stderr.strip()}")
    lines = out.stdout.splitlines()
    assert lines[0] == f"Cannot save {target}: the disk is full"
    assert lines[1:] == ["song.pianola", str(len(dumps_project(small_song()).encode()))]


def test_cli_convert_of_a_bad_project_exits_non_zero_with_one_sentence(tmp_path, capsys):
    bad = tmp_path / "bad.pianola"
    bad.write_text(with_change(lambda d: d["tracks"][1]["notes"][0].__setitem__("pitch", 300)))
    assert main(["convert", str(bad), str(tmp_path / "out.mid")]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"pianola: Cannot open {bad}: tracks[1].notes[0].pitch must be from 0 to 127, not 300\n"
    )
    assert not (tmp_path / "out.mid").exists()


@pytest.mark.parametrize(
    "content, problem",
    [
        ('{"format": "pianola", "version": 1, "tracks": 3}', "ppq is missing"),
        ("[]", "the file must hold a JSON object, not a list"),
        (None, "the file does not exist"),
        (
            with_change(lambda d: d.__setitem__("version", 3)),
            "it was saved by a newer Pianola (format version 3; this Pianola reads up to version 2)",
        ),
    ],
)
def test_cli_gives_one_sentence_and_status_1_for_each_bad_project(
    tmp_path, capsys, content, problem
):
    src = tmp_path / "in.pianola"
    if content is not None:
        src.write_text(content)
    assert main(["convert", str(src), str(tmp_path / "out.mid")]) == 1
    assert capsys.readouterr().err == f"pianola: Cannot open {src}: {problem}\n"


def test_cli_save_into_unwritable_folder(locked_dir, tmp_path, capsys):
    src = tmp_path / "in.pianola"
    save_project(Score(title="new"), src)
    target = locked_dir / "song.pianola"
    old = target.read_bytes()
    assert main(["convert", str(src), str(target)]) == 1
    assert capsys.readouterr().err in (
        f"pianola: Cannot save {target}: permission was denied\n",
        f"pianola: Cannot save {target}: the disk is read-only\n",
    )
    assert target.read_bytes() == old


def test_a_chosen_track_colour_is_kept_and_an_unchosen_one_is_not_written():
    from engine.files.project_file import dumps_project, loads_project

    score = Score(tracks=(Track(name="Lead", colour="#e8685a"), Track(name="Bass")))
    text = dumps_project(score)
    assert text.count('"colour"') == 1
    assert loads_project(text) == score


def test_a_track_colour_that_is_not_rrggbb_is_refused_in_one_sentence():
    from engine.files.project_file import dumps_project, loads_project

    text = dumps_project(Score(tracks=(Track(name="Lead", colour="#e8685a"),)))
    with pytest.raises(FileFormatError, match="track colour must be #rrggbb or empty, not 'red'"):
        loads_project(text.replace("#e8685a", "red"))


def test_markers_are_kept_and_a_song_without_them_has_no_markers_field():
    from engine.core import edits
    from engine.files.project_file import dumps_project, loads_project

    plain = Score(tracks=(Track(name="Lead"),))
    assert '"markers"' not in dumps_project(plain)
    marked = edits.set_marker(edits.set_marker(plain, 1920, "Verse"), 0, "Intro")
    assert [(m.tick, m.name) for m in marked.markers] == [(0, "Intro"), (1920, "Verse")]
    assert loads_project(dumps_project(marked)) == marked
    moved = edits.move_marker(marked, 1920, 3840)
    assert [(m.tick, m.name) for m in moved.markers] == [(0, "Intro"), (3840, "Verse")]
    assert edits.move_marker(marked, 1920, 0) == marked  # never onto another marker
    doc = json.loads(dumps_project(marked))
    doc["markers"][0]["tick"] = -5
    with pytest.raises(FileFormatError, match="markers\\[0\\].tick must be from 0"):
        loads_project(json.dumps(doc))


def test_the_song_scale_is_kept_and_files_without_one_still_load():
    from engine.core.scales import SongScale

    plain = small_song()
    text = dumps_project(plain)
    assert '"scale"' not in text  # a song with no scale keeps the file as it was
    assert loads_project(text).scale == SongScale()
    doc = json.loads(text)
    doc["scale"] = None
    assert loads_project(json.dumps(doc)).scale == SongScale()
    keyed = replace(plain, scale=SongScale("Dorian", 2, fold=True))
    doc = json.loads(dumps_project(keyed))
    assert doc["scale"] == {"name": "Dorian", "root": 2, "fold": True}
    assert doc["version"] == 1  # every Pianola that reads scales reads version 1
    assert loads_project(dumps_project(keyed)) == keyed
    del doc["scale"]["fold"]
    assert loads_project(json.dumps(doc)).scale == SongScale("Dorian", 2)


@pytest.mark.parametrize(
    "scale, problem",
    [
        ({"name": "Klingon", "root": 0}, "scale: the scale must be one of Major"),
        ({"name": "Major", "root": 12}, "scale.root must be from 0 to 11, not 12"),
        ({"name": "Major"}, "scale.root is missing"),
        ({"name": "Major", "root": 0, "key": 1}, "scale.key is not a known field"),
        ("C major", "scale must be an object or null"),
    ],
)
def test_a_bad_scale_is_refused_in_one_sentence(scale, problem):
    doc = json.loads(dumps_project(small_song()))
    doc["scale"] = scale
    with pytest.raises(FileFormatError, match=problem):
        loads_project(json.dumps(doc))
