"""The File menu on the real window under Xvfb: round trips through the menu entries, the
unsaved-changes prompt, recent files, drops, recovery, and every bad file leaving the open
document exactly as it was.

The OS file dialogs and message boxes are replaced by answers (monkeypatch); all file I/O
is real.  Pianola's own dialogs (the Save / Don't Save / Cancel prompt) are answered by
pressing their real buttons.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tkinter as tk
from pathlib import Path
from tkinter import filedialog, messagebox

import mido
import pytest

from engine.core import edits
from engine.core.score import Note, Score, Track
from engine.files.midifile_export import export_midi
from engine.files.project_file import load_project, save_project
from sequencer_gui.files.commands import FileCommands

pytestmark = pytest.mark.gui


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PIANOLA_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


@pytest.fixture
def files(window, dirs):
    commands = FileCommands(window).install()
    yield commands
    commands.autosaver.stop()


class Answers:
    """Stand-ins for the OS file dialogs and message boxes, recording what was asked."""

    def __init__(self, monkeypatch):
        self.paths: list = []
        self.errors: list[str] = []
        monkeypatch.setattr(filedialog, "askopenfilename", self._path)
        monkeypatch.setattr(filedialog, "asksaveasfilename", self._path)
        monkeypatch.setattr(
            messagebox, "showerror", lambda title, message, **kw: self.errors.append(message)
        )

    def _path(self, **_options):
        return str(self.paths.pop(0)) if self.paths else ""


@pytest.fixture
def answers(monkeypatch):
    return Answers(monkeypatch)


def menu_invoke(window, label: str):
    menu = window.menus["file"]
    for i in range(menu.index("end") + 1):
        if menu.type(i) != "separator" and menu.entrycget(i, "label") == label:
            return menu.invoke(i)
    raise AssertionError(f"no {label!r} in the File menu")


def press_when_shown(root, button_text: str, log: list | None = None) -> None:
    """Press the button called ``button_text`` of the next dialog that appears."""

    def find(widget):
        for child in widget.winfo_children():
            if child.winfo_class() == "TButton" and child.cget("text") == button_text:
                return child
            found = find(child)
            if found is not None:
                return found
        return None

    def attempt():
        for top in root.winfo_children():
            if top.winfo_class() == "Toplevel" and top.winfo_viewable():
                button = find(top)
                if button is not None:
                    if log is not None:
                        log.append(top.title())
                    button.invoke()
                    return
        root.after(30, attempt)

    root.after(30, attempt)


def song(*pitches) -> Score:
    return Score(
        tracks=(
            Track(name="Piano", notes=tuple(Note(i * 240, 240, p) for i, p in enumerate(pitches))),
        )
    )


def add_note(window, pitch=67, tick=0):
    new, _ = edits.add_notes(window.document.score, 0, [Note(tick, 120, pitch)])
    window.document.apply(new, "Add note")


def state(window):
    d = window.document
    return d.history.score, d.path, d.is_modified


# ------------------------------------------------------------------ round trips


def test_save_as_open_and_recent_round_trip(window, files, answers, dirs):
    add_note(window, 64)
    target = dirs / "songs" / "tune.pianola"
    target.parent.mkdir()
    answers.paths.append(target)
    menu_invoke(window, "Save As…")
    assert load_project(target) == window.document.score
    assert window.document.path == target and not window.document.is_modified
    assert window.root.title() == "tune.pianola — Pianola"
    assert files.prefs.preferences.recent_files[0] == str(target.resolve())
    saved = window.document.score

    menu_invoke(window, "New")  # nothing unsaved: no question
    assert window.document.score.note_count == 0 and window.document.path is None

    answers.paths.append(target)
    menu_invoke(window, "Open…")
    assert window.document.score == saved and window.document.path == target
    assert not window.document.is_modified

    # the recent-files submenu opens it too
    menu_invoke(window, "New")
    files.fill_recent_menu()
    assert str(target.name) in files.recent_menu.entrycget(0, "label")
    files.recent_menu.invoke(0)
    assert window.document.score == saved
    # preferences were really written
    data = json.loads((dirs / "config" / "preferences.json").read_text())
    assert data["recent_files"] == [str(target.resolve())]


def test_save_writes_in_place_and_title_shows_unsaved_mark(window, files, answers, dirs):
    target = dirs / "a.pianola"
    save_project(song(60), target)
    files.open(target)
    add_note(window, 72, tick=960)
    assert window.root.title().startswith("*a.pianola")
    window.root.event_generate("<Control-s>")  # the shortcut reaches FileCommands.save
    window.root.update()
    assert load_project(target) == window.document.score
    assert window.root.title() == "a.pianola — Pianola"


def test_import_and_export_midi_through_the_menu(window, files, answers, dirs):
    window.document.replace(song(60, 64, 67), None)
    out = dirs / "out.mid"
    answers.paths.append(out)
    menu_invoke(window, "Export MIDI…")
    notes = [m.note for m in mido.MidiFile(out).play() if m.type == "note_on" and m.velocity]
    assert notes == [60, 64, 67]

    answers.paths.append(out)
    menu_invoke(window, "Import MIDI…")
    [track] = [t for t in window.document.score.tracks if t.notes]
    assert [n.pitch for n in track.notes] == [60, 64, 67]
    assert window.document.path is None  # Save will ask for a .pianola name
    assert answers.errors == []


def test_dropping_a_song_on_the_window_opens_it(window, files, answers, dirs):
    target = dirs / "dropped song.pianola"
    save_project(song(50, 52), target)
    if not files.dnd_available:
        pytest.skip("tkdnd could not be loaded into this Tk")
    # run the Tcl binding tkdnd calls on a drop: %D becomes one word holding a Tcl list
    # of paths (a path with a space is braced inside that list)
    script = window.root.bind("<<Drop>>")
    window.root.tk.eval(script.replace("%D", "{{" + str(target) + "}}"))
    window.root.update()
    assert window.document.score == load_project(target)
    files.drop_files([str(dirs / "notes.txt")])
    assert window.document.path == target


# ------------------------------------------------------------------ the prompt


def test_cancel_keeps_the_window_and_the_work(window, files, answers):
    add_note(window)
    before = state(window)
    seen = []
    press_when_shown(window.root, "Cancel", seen)
    window.quit()  # what the close button and Ctrl+Q call
    assert seen == ["Unsaved changes - Pianola"]
    assert window.root.winfo_exists() and state(window) == before
    press_when_shown(window.root, "Cancel")
    assert files.new() is False and state(window) == before
    press_when_shown(window.root, "Cancel")
    assert files.open(Path("/nonexistent.pianola")) is False and answers.errors == []


def test_save_in_the_prompt_saves_then_goes_on(window, files, answers, dirs):
    add_note(window, 71)
    edited = window.document.score
    answers.paths.append(dirs / "kept.pianola")
    press_when_shown(window.root, "Save")
    assert files.new() is True
    assert load_project(dirs / "kept.pianola") == edited
    assert window.document.score.note_count == 0


def test_dont_save_closes_the_window(dirs, xdisplay, monkeypatch):
    from sequencer_gui.app import MainWindow

    root = tk.Tk()
    window = MainWindow(root, start_engine=False)
    files = FileCommands(window).install()
    add_note(window)
    window.root.update()
    files.autosaver.flush()
    assert files.autosaver.slot.exists
    press_when_shown(root, "Don't Save")
    window.quit()
    with pytest.raises(tk.TclError):
        root.winfo_exists()  # the application is gone
    assert not files.autosaver.slot.exists  # the musician chose to drop the work


# ------------------------------------------------------------------ bad files


def write_bad_files(d: Path) -> dict[str, Path]:
    good_mid = d / "good.mid"
    export_midi(song(60, 62, 64, 65, 67), good_mid)
    data = good_mid.read_bytes()
    bad = {
        "corrupt.mid": os.urandom(200),
        "truncated.mid": data[: len(data) // 2],
        "empty.mid": b"",
        "malformed.pianola": b'{"format": "pianola", "tracks": [',
        "invalid.pianola": json.dumps(
            {"format": "pianola", "version": 1, "ppq": 3, "tracks": []}
        ).encode(),
        "binary.pianola": bytes(range(256)),
    }
    paths = {}
    for name, content in bad.items():
        paths[name] = d / name
        paths[name].write_bytes(content)
    paths["missing.pianola"] = d / "missing.pianola"
    return paths


def test_each_bad_file_gives_one_dialog_and_leaves_the_document(window, files, answers, dirs):
    original = dirs / "mine.pianola"
    save_project(song(60), original)
    files.open(original)
    add_note(window, 80, tick=480)
    before = state(window)
    assert before[2]  # modified: the prompt would ask, so answer Don't Save each time
    for name, path in write_bad_files(dirs).items():
        answers.errors.clear()
        press_when_shown(window.root, "Don't Save")
        ok = files.open(path) if name.endswith(".pianola") or "missing" in name else None
        if ok is None:
            answers.paths.append(path)
            ok = files.import_midi()
        assert ok is False, name
        assert len(answers.errors) == 1, (name, answers.errors)
        message = answers.errors[0]
        assert path.name in message and "\n" not in message, message
        now = state(window)
        assert now[0] is before[0] and now[1:] == before[1:], name
    assert window.root.title().startswith("*mine.pianola")


def test_unwritable_folder_and_full_disk_keep_the_old_file(
    window, files, answers, dirs, monkeypatch
):
    target = dirs / "song.pianola"
    save_project(song(60), target)
    files.open(target)
    old_bytes = target.read_bytes()
    add_note(window, 90)
    before = state(window)

    blocker = dirs / "a-file"
    blocker.write_text("")
    answers.paths.append(blocker / "x.pianola")  # a folder that is a file: even root fails
    assert files.save_as() is False
    assert "Cannot save" in answers.errors[-1] and state(window) == before

    import engine.files.file_io as file_io

    def disk_full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(file_io.os, "replace", disk_full)
    assert files.save() is False
    assert answers.errors[-1] == f"Cannot save {target}: the disk is full"
    assert target.read_bytes() == old_bytes and state(window) == before
    assert sorted(p.name for p in dirs.glob(".song*")) == []  # no temporary left over


@pytest.fixture
def read_only_mount(tmp_path):
    """A folder on a tmpfs holding a song, then remounted read-only (root only)."""
    mnt = tmp_path / "ro"
    mnt.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip(
            "cannot mount a tmpfs here (needs root); the other write-failure "
            "tests cover the same code path"
        )
    try:
        save_project(song(60), mnt / "song.pianola")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_read_only_disk_reports_and_keeps_the_file(window, files, answers, read_only_mount):
    target = read_only_mount / "song.pianola"
    old_bytes = target.read_bytes()
    files.open(target)
    add_note(window, 91)
    before = state(window)
    assert files.save() is False
    assert answers.errors == [f"Cannot save {target}: the disk is read-only"]
    assert target.read_bytes() == old_bytes and state(window) == before


# ------------------------------------------------------------------ recovery


def test_restored_work_opens_unsaved_in_its_file_and_survives_until_saved(
    window, files, answers, dirs
):
    from sequencer_gui.files.recovery import RecoveryStore

    original = dirs / "orig.pianola"
    save_project(song(60), original)
    crashed = song(60, 62, 64)
    store = RecoveryStore()
    slot = store.new_session()
    slot.write(crashed, original)
    info = json.loads(slot.info_path.read_text())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    info["pid"] = dead.pid
    slot.info_path.write_text(json.dumps(info))

    press_when_shown(window.root, "Restore")
    entry = files.offer_recovery()
    assert entry is not None
    assert window.document.score == crashed and window.document.path == original
    assert window.document.is_modified and window.root.title().startswith("*orig.pianola")
    assert slot.exists  # not deleted by restoring
    window.document.undo()  # the file's own content is one undo away
    assert window.document.score == load_project(original)
    window.document.redo()
    assert files.save() is True
    assert load_project(original) == crashed
    assert not slot.exists and store.orphans() == []


def test_a_recent_file_that_has_gone_is_reported_and_forgotten(window, files, answers, dirs):
    gone = dirs / "gone.pianola"
    save_project(song(60), gone)
    files.open(gone)
    files.new()
    gone.unlink()
    before = state(window)
    files.fill_recent_menu()
    files.recent_menu.invoke(0)
    assert len(answers.errors) == 1 and "does not exist" in answers.errors[0]
    assert state(window) == before
    assert str(gone.resolve()) not in files.prefs.preferences.recent_files
