"""Another tool joins a session knowing only docs/collaboration.md: a plain y-websocket
client of the test's own (pycrdt's document and sync messages over a websocket, none of
Pianola's session code) reads the song by the documented schema and writes a note the way
a Yjs client would (numbers as doubles); a Pianola peer hears it (a real server)."""

from __future__ import annotations

import time

from pycrdt import (
    Doc,
    Map,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)
from websockets.sync.client import connect

from engine.collab.connection import create_room
from engine.collab.peer import Peer
from engine.collab.song_schema import SCHEMA_VERSION
from engine.core.score import Note, Score, Track
from tests.engine.collab.conftest import wait_until


def _synced(ws, doc: Doc, timeout_s: float = 30.0) -> None:
    """The y-websocket handshake: our state vector out, the server's answers applied,
    until the server's sync step 2 (what we lacked) has come."""
    ws.send(create_sync_message(doc))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        message = ws.recv(timeout=deadline - time.monotonic())
        if isinstance(message, str) or message[0] != YMessageType.SYNC:
            continue  # awareness, clock pings: not this tool's business
        reply = handle_sync_message(message[1:], doc)
        if reply is not None:
            ws.send(reply)
        if message[1] == YSyncMessageType.SYNC_STEP2:
            return
    raise AssertionError("the server never sent its sync step 2")


def test_a_tool_knowing_only_the_documented_schema_reads_the_song_and_adds_a_note(server):
    room = create_room(server.url, timeout_s=60.0)
    song = Score(tracks=(Track("Piano", notes=(Note(0, 240, 60),)), Track("Bass", channel=1)))
    ann = Peer(room, "Ann", score=song)
    assert wait_until(lambda: ann.pump() is not None and ann.session.status.synced, 30.0)
    doc = Doc()
    with connect(room.url, max_size=None) as ws:  # the link is a plain y-websocket URL
        _synced(ws, doc)
        meta, tracks, notes = (doc.get(name, type=Map) for name in ("song", "tracks", "notes"))
        assert meta["schema"] == SCHEMA_VERSION and meta["ppq"] == 480
        by_name = {tracks[i]["name"]: i for i in tracks.keys()}
        assert set(by_name) == {"Piano", "Bass"}
        (first,) = (n for n in notes.values() if n["track"] == by_name["Piano"])
        assert (first["start"], first["length"], first["key"]) == (0, 240, 60)
        # a note on the bass, written as a Yjs client writes numbers
        before = doc.get_state()
        notes["0123456789abcdef"] = Map(
            {"track": by_name["Bass"], "start": 960.0, "length": 480.0, "key": 40.0,
             "velocity": 90.0}
        )  # fmt: skip
        ws.send(create_update_message(doc.get_update(before)))
        heard = Note(960, 480, 40, 90)
        assert wait_until(
            lambda: ann.pump() is not None and heard in ann.song.score().tracks[1].notes, 30.0
        ), ann.song.score()
    ann.leave()
