"""Starting a session's transport: every peer plays the song from its first note, the
downbeat included (a real session server, `pianola play --join` processes)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from engine.collab.connection import create_room
from engine.core.score import Note, Score, Track
from engine.files.project_file import save_project
from tests.engine.collab.conftest import play_join, wait_for_line, wait_until

pytestmark = [pytest.mark.slow]

# the starter's (a busy machine's schedule-ahead may be seconds); the listener stays
# until the test has heard it play
SECONDS = 12.0
# a peer process starts its own engine (up to two minutes on a busy machine) and meets
# the server before it plays: a hang is what these waits catch, never slowness
WAIT_S = 300.0


def _peer(tmp_path: Path, name: str, link, seconds: float, *extra: str) -> subprocess.Popen:
    err = tmp_path / f"{name}.err"
    return play_join(link, name, seconds, tmp_path / f"{name}.jsonl", err, *extra)


def _note_ons(path: Path) -> list[tuple[float, int]]:
    lines = path.read_text().splitlines() if path.exists() else []
    events = [json.loads(line) for line in lines if line]
    return [(e["beat"], e["key"]) for e in events if e["on"]]


FIRST_FOUR = [(0.0, 60), (1.0, 61), (2.0, 62), (3.0, 63)]


def _four_notes() -> Score:
    return Score(tracks=(Track("Keys", notes=tuple(Note(i * 480, 240, 60 + i) for i in range(4))),))


def test_a_started_session_plays_its_first_note_on_every_peer(tmp_path, server):
    song = tmp_path / "song.pianola"
    save_project(_four_notes(), song)
    room = create_room(server.url, timeout_s=WAIT_S)
    listener = _peer(tmp_path, "listener", room, 3 * WAIT_S)
    try:
        assert wait_for_line(listener, "joined", WAIT_S), (tmp_path / "listener.err").read_text()
        starter = _peer(tmp_path, "starter", room, SECONDS, str(song), "--start")
        starter.communicate(timeout=WAIT_S)
        assert starter.returncode == 0, (tmp_path / "starter.err").read_text()
        assert wait_until(lambda: len(_note_ons(tmp_path / "listener.jsonl")) >= 4, WAIT_S)
    finally:
        listener.terminate()
        listener.communicate(timeout=WAIT_S)
    for name in ("starter", "listener"):
        heard = _note_ons(tmp_path / f"{name}.jsonl")
        print(name, heard)
        assert heard[:4] == FIRST_FOUR, f"{name} played {heard[:4]}, not the song from its start"


def test_a_peer_alone_starts_the_session_on_its_first_note(tmp_path, server):
    song = tmp_path / "song.pianola"
    save_project(_four_notes(), song)
    room = create_room(server.url, timeout_s=WAIT_S)
    starter = _peer(tmp_path, "starter", room, SECONDS, str(song), "--start")
    starter.communicate(timeout=WAIT_S)
    assert starter.returncode == 0, (tmp_path / "starter.err").read_text()
    heard = _note_ons(tmp_path / "starter.jsonl")
    assert heard[:4] == FIRST_FOUR, f"the peer played {heard[:4]}, not the song from its start"
