"""`pianola bench soak`: its edits and one short run through the real engine."""

from __future__ import annotations

import subprocess
import sys

from engine.bench.cpu import sixteen_track_score
from engine.bench.soak import moved


def test_each_edit_moves_the_first_note_back_and_forth_and_keeps_the_rest():
    score = sixteen_track_score(120.0)
    from dataclasses import replace

    first, rest = score.tracks[0].notes[0], score.tracks[0].notes[1:]
    one, two = moved(score, 1), moved(score, 2)
    assert sorted(one.tracks[0].notes) == sorted((replace(first, start_tick=120),) + rest)
    assert two == score
    assert one.tracks[1:] == score.tracks[1:] and one.loop == score.loop


def test_a_short_soak_prints_a_row_per_period_and_a_summary(jack_server):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.commands.cli",
            "bench",
            "soak",
            "--minutes",
            "0.1",
            "--row-seconds",
            "2",
            "--jack-server",
            jack_server,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["min", "RSS"])
    rows = [line.split() for line in lines[header + 1 : -1]]
    assert len(rows) >= 2 and all(len(r) == 8 and float(r[1]) > 0 for r in rows)
    assert lines[-1].startswith("memory ") and "late events" in lines[-1]
