"""Autosave and recovery: real files, real Tk timers, the real restore dialog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from engine.core.edits import add_notes
from engine.core.history import History
from engine.core.score import Note, Score, Track
from engine.files.project_file import load_project
from sequencer_gui.files import dialogs
from sequencer_gui.files import recovery as A
from sequencer_gui.files.autosave import Autosaver
from sequencer_gui.files.dialogs import DISCARD, LATER, RESTORE, offer_recovery
from sequencer_gui.files.recovery import RecoverySlot, RecoveryStore


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    d = tmp_path / "state"
    monkeypatch.setenv("PIANOLA_STATE_DIR", str(d))
    return d


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def song(n=3) -> Score:
    return Score(
        tracks=(Track(name="Piano", notes=tuple(Note(i * 480, 240, 60 + i) for i in range(n))),)
    )


def leave_orphan(store: RecoveryStore, score: Score, document_path, pid: int) -> RecoverySlot:
    slot = store.new_session()
    slot.write(score, document_path)
    info = json.loads(slot.info_path.read_text())
    info["pid"] = pid
    info["process_start"] = A.process_start_time(pid)
    slot.info_path.write_text(json.dumps(info))
    return slot


def test_recovery_dir_honours_override(state_dir):
    assert RecoveryStore().directory == state_dir / "recovery"


def test_only_sessions_of_dead_processes_are_orphans(state_dir, tmp_path):
    store = RecoveryStore()
    mine = store.new_session()
    mine.write(song(), None)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        leave_orphan(store, song(1), tmp_path / "live.pianola", live.pid)
        gone = leave_orphan(store, song(2), tmp_path / "gone.pianola", dead_pid())
        orphans = store.orphans()
    finally:
        live.kill()
        live.wait()
    assert [e.project_path for e in orphans] == [gone.project_path]
    entry = orphans[0]
    assert entry.document_path == str(tmp_path / "gone.pianola")
    assert entry.document_name == "gone.pianola"
    assert load_project(entry.project_path) == song(2)


def test_reused_pid_is_recognised_by_its_start_time(state_dir):
    store = RecoveryStore()
    slot = leave_orphan(store, song(), None, os.getppid())
    info = json.loads(slot.info_path.read_text())
    info["process_start"] = 1  # the parent did not start at boot tick 1
    slot.info_path.write_text(json.dumps(info))
    assert [e.project_path for e in store.orphans()] == [slot.project_path]


def test_damaged_sidecar_still_offers_the_work(state_dir):
    store = RecoveryStore()
    store.directory.mkdir(parents=True)
    # the file name still says whose it was ("<pid>-<random>")
    name = f"{dead_pid()}-abc"
    slot = RecoverySlot(store.directory / f"{name}.pianola", store.directory / f"{name}.json")
    from engine.files.project_file import save_project

    save_project(song(), slot.project_path)
    slot.info_path.write_text("{not json")
    [entry] = store.orphans()
    assert entry.document_path is None and entry.project_path == slot.project_path


def test_lone_sidecar_is_ignored(state_dir):
    store = RecoveryStore()
    slot = leave_orphan(store, song(), None, dead_pid())
    slot.project_path.unlink()
    assert store.orphans() == []


def test_offer_recovery_later_keeps_discard_deletes_restore_stops(state_dir, tmp_path):
    store = RecoveryStore()
    old = leave_orphan(store, song(1), None, dead_pid())
    time.sleep(0.01)
    new = leave_orphan(store, song(2), tmp_path / "b.pianola", dead_pid())
    asked, restored = [], []

    def ask(_parent, entry):
        asked.append(entry.project_path)
        return LATER

    assert offer_recovery(None, store, restored.append, ask=ask) is None
    assert asked == [new.project_path, old.project_path]  # newest first
    assert old.exists and new.exists

    entry = offer_recovery(None, store, restored.append, ask=lambda _p, _e: RESTORE)
    assert entry.project_path == new.project_path and restored == [entry]
    assert old.exists and new.exists  # restoring is not saving: the file stays

    assert offer_recovery(None, store, restored.append, ask=lambda _p, _e: DISCARD) is None
    assert not old.exists and not new.exists
    assert list((state_dir / "recovery").iterdir()) == []


# ----------------------------------------------------------------- with a real Tk


@pytest.fixture
def root(xdisplay):
    import tkinter

    root = tkinter.Tk()
    root.withdraw()
    yield root
    root.destroy()


def pump(root, until, timeout_s=60.0):
    """Run Tk's loop until ``until()`` holds; the default timeout only ends a failure."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        root.update()
        if until():
            return True
        time.sleep(0.01)
    return False


class Doc:
    """What the window gives the autosaver: a history and a path."""

    def __init__(self, score, path=None):
        self.history = History(score)
        self.path = path

    def get(self):
        return self.history.score, self.history.is_modified, self.path

    def add(self, pitch):
        new, _ = add_notes(self.history.score, 0, [Note(0, 120, pitch)])
        self.history.apply(new, "Add note")


@pytest.mark.gui
def test_changes_are_copied_within_the_interval_and_removed_after_save(root, state_dir, tmp_path):
    doc = Doc(song(), tmp_path / "tune.pianola")
    slot = RecoveryStore().new_session()
    saver = Autosaver(root, slot, doc.get, interval_s=0.5)
    saver.start()
    try:
        assert not pump(root, lambda: slot.exists, timeout_s=1.0)  # nothing unsaved yet
        doc.add(72)
        # the project is written before its info file: wait for both (how soon is a
        # timing figure, not tested here)
        assert pump(root, lambda: slot.exists and slot.info_path.exists())
        assert load_project(slot.project_path) == doc.history.score
        info = json.loads(slot.info_path.read_text())
        assert info["document_path"] == str(tmp_path / "tune.pianola")
        assert info["pid"] == os.getpid()
        # steady editing still lands on disk: the timer is not pushed back by each edit
        for pitch in range(40, 48):
            doc.add(pitch)
            pump(root, lambda: False, timeout_s=0.1)
        assert pump(root, lambda: load_project(slot.project_path) == doc.history.score)
        doc.history.mark_saved()
        saver.document_saved()
        assert not slot.exists and not slot.info_path.exists()
        pump(root, lambda: False, timeout_s=1.0)
        assert not slot.exists  # a saved document is not copied again
    finally:
        saver.stop()


@pytest.mark.gui
def test_write_failure_is_reported_once(root, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("")  # a folder that cannot exist: its parent is a file
    slot = RecoveryStore(blocker / "recovery").new_session()
    doc = Doc(song())
    errors = []
    saver = Autosaver(root, slot, doc.get, interval_s=0.2, on_error=errors.append)
    saver.start()
    try:
        doc.add(70)
        assert pump(root, lambda: errors)
        doc.add(71)
        pump(root, lambda: False, timeout_s=1.0)
        assert len(errors) == 1 and errors[0].startswith("Autosave failed: Cannot save")
    finally:
        saver.stop()


@pytest.mark.gui
def test_restore_dialog_return_restores_escape_keeps(root, state_dir):
    store = RecoveryStore()
    leave_orphan(store, song(), None, dead_pid())
    [entry] = store.orphans()
    root.deiconify()

    def press(key):
        def find_and_press():
            dialogs = [w for w in root.winfo_children() if w.winfo_class() == "Toplevel"]
            if not dialogs or not dialogs[0].winfo_viewable():
                root.after(50, find_and_press)
                return
            dialogs[0].event_generate(key)

        root.after(50, find_and_press)

    press("<Return>")
    assert dialogs.ask_restore(root, entry) == RESTORE
    press("<Escape>")
    assert dialogs.ask_restore(root, entry) == LATER


def test_state_dir_is_the_platform_one_without_override(monkeypatch):
    import platformdirs

    monkeypatch.delenv("PIANOLA_STATE_DIR", raising=False)
    assert A.recovery_dir() == A.Path(platformdirs.user_state_dir("pianola")) / "recovery"
