"""`pianola --join LINK --event-log FILE`: the window, started from the command line in
its own process (Xvfb, an engine on the silent driver), joins the session and writes what
its engine schedules as JSON lines (a real server; the other peer in this process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.collab.connection import create_room
from engine.collab.peer import Peer
from engine.core.score import LoopRegion, Note, Score, Track
from tests.engine.collab.conftest import wait_until

pytestmark = pytest.mark.gui

PIANOLA = Path(sys.executable).parent / "pianola"


def _song() -> Score:
    notes = tuple(Note(i * 480, 240, 60 + i) for i in range(4))
    return Score(tracks=(Track("Piano", notes=notes),), loop=LoopRegion(0, 1920), loop_enabled=True)


def _lines(log: Path) -> list[dict]:
    text = log.read_text() if log.exists() else ""
    return [json.loads(line) for line in text.splitlines()[:-1] if line]  # whole lines only


def test_the_window_joins_from_the_command_line_and_logs_its_engines_events(
    xdisplay, server, tmp_path
):
    link = create_room(server.url, timeout_s=60.0)
    host = Peer(link, "Ann", score=_song())
    log = tmp_path / "events.jsonl"
    env = dict(
        os.environ,
        DISPLAY=xdisplay,
        PIANOLA_CONFIG_DIR=str(tmp_path / "config"),
        PIANOLA_STATE_DIR=str(tmp_path / "state"),
        PIANOLA_NO_RECOVERY_PROMPT="1",
        PIANOLA_NAME="Window",
    )
    args = ["--join", link.url, "--event-log", str(log), "--driver", "none", "--no-realtime"]
    with open(tmp_path / "window.txt", "w") as out:
        proc = subprocess.Popen([str(PIANOLA), *args], env=env, stdout=out, stderr=out)
    said = tmp_path / "window.txt"

    def joined() -> bool:
        host.pump()
        assert proc.poll() is None, said.read_text()
        return [p.name for p in host.session.peers()] == ["Window"]

    try:
        assert wait_until(joined, 120.0), said.read_text()
        host.play(0)
        assert wait_until(
            lambda: host.pump() is not None and any(e.get("on") for e in _lines(log)), 60.0
        ), said.read_text()
        host.stop()
        ons = [e for e in _lines(log) if e.get("on")]
        # each the song's note of that beat (passes of the loop counted on), as it is
        for e in ons:
            assert e["beat"] == int(e["beat"]), e
            assert (e["track"], e["key"], e["velocity"]) == (0, 60 + int(e["beat"]) % 4, 100), e
    finally:
        host.leave()
        proc.kill()
        proc.wait(30)
