"""Every class of hostile input, through the window's File menu: one dialog with one
sentence, the document exactly as it was, no file left behind (real Tk under Xvfb, real
files; only the OS dialogs are answered)."""

from __future__ import annotations

import os

import pytest

from engine.core.score import Score
from engine.files.project_file import save_project
from tests.engine.files.test_hostile_input import MIDI_DAMAGE, PROJECT_DAMAGE
from tests.sequencer_gui.files.test_files import (  # noqa: F401 (fixtures)
    answers,
    dirs,
    files,
    song,
    state,
)

pytestmark = pytest.mark.gui

CASES = [(f"{name}.mid", data) for name, (data, _) in sorted(MIDI_DAMAGE.items())] + [
    (f"{name}.pianola", text.encode("utf-8", "surrogatepass"))
    for name, (text, _) in sorted(PROJECT_DAMAGE.items())
]


def _one_dialog_nothing_changed(window, answers, path, before, folder, files_before):
    assert len(answers.errors) == 1, answers.errors
    message = answers.errors[0]
    assert message.startswith(f"Cannot open {path}: ") and "\n" not in message
    now = state(window)
    assert now[0] is before[0] and now[1:] == before[1:]
    assert sorted(p.name for p in folder.iterdir()) == files_before


@pytest.mark.parametrize("name, data", CASES, ids=[name for name, _ in CASES])
def test_opening_a_hostile_file_gives_one_dialog_and_keeps_the_song(
    window, files, answers, dirs, name, data
):
    mine = dirs / "mine.pianola"
    save_project(song(60, 64), mine)
    assert files.open(mine)
    before = state(window)
    path = dirs / name.replace(" ", "-")
    path.write_bytes(data)
    listing = sorted(p.name for p in dirs.iterdir())
    assert files.open(path) is False
    _one_dialog_nothing_changed(window, answers, path, before, dirs, listing)


def test_opening_a_named_pipe_does_not_wait_for_a_writer(window, files, answers, dirs):
    before = state(window)
    pipe = dirs / "pipe.mid"
    os.mkfifo(pipe)
    listing = sorted(p.name for p in dirs.iterdir())
    assert files.open(pipe) is False  # a blocking open would never return here
    _one_dialog_nothing_changed(window, answers, pipe, before, dirs, listing)
    assert "it is a named pipe, not a song file" in answers.errors[0]


def test_saving_a_title_with_a_lone_surrogate_gives_one_dialog_and_keeps_the_file(
    window, files, answers, dirs
):
    path = dirs / "song.pianola"
    save_project(song(60), path)
    assert files.open(path)
    old = path.read_bytes()
    # Tk can hand Python a lone surrogate (half of a character beyond the BMP).
    score = window.document.score
    window.document.apply(Score(tracks=score.tracks, title="half \ud83d"), "Title")
    before = state(window)
    assert files.save() is False
    assert answers.errors == [
        f"Cannot save {path}: a name or title holds a lone surrogate (U+D83D), "
        "which is not a character"
    ]
    assert path.read_bytes() == old
    assert sorted(p.name for p in dirs.iterdir() if not p.is_dir()) == ["song.pianola"]
    now = state(window)
    assert now[0] is before[0] and now[1:] == before[1:]
