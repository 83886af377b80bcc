"""Autosave and recovery keep patterns, placements and the seed (real recovery files)."""

from __future__ import annotations

import json
import subprocess
import sys

from engine.core import pattern_edits as pe
from engine.core.score import Score, Track
from engine.files.project_file import load_project
from sequencer_gui.files import recovery as A
from sequencer_gui.files.recovery import RecoveryStore


def test_recovered_work_has_its_patterns(tmp_path, monkeypatch):
    monkeypatch.setenv("PIANOLA_STATE_DIR", str(tmp_path / "state"))
    score = Score(tracks=(Track("Drums", channel=9, is_drum=True),))
    pattern = pe.new_pattern("Beat", keys=(36, 38))
    score = pe.add_pattern(score, pattern)
    score = pe.set_step(score, pattern.id, pattern.lanes[0].id, 0, on=True, ratchet=3)
    score, _ = pe.place_pattern(score, pattern.id, 0, 0, repeats=8)
    score = pe.set_seed(score, 77)

    store = RecoveryStore()
    slot = store.new_session()
    slot.write(score, None)
    # make it the orphan of a process that has ended
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    info = json.loads(slot.info_path.read_text())
    info["pid"], info["process_start"] = proc.pid, A.process_start_time(proc.pid)
    slot.info_path.write_text(json.dumps(info))

    (entry,) = store.orphans()
    assert load_project(entry.project_path) == score
