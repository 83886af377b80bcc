"""A websocket with no secret, an empty one, or one for a room that is not there is
refused before it opens (HTTP 403): no song, no peer list, and a peer already in the room
sees no one join (a real server; plain websocket clients of the test's own)."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from engine.collab.connection import create_room
from engine.collab.peer import Peer
from engine.core.score import Note, Score, Track
from tests.engine.collab.conftest import wait_until


def test_no_secret_an_empty_one_or_no_such_room_is_refused_before_the_websocket_opens(server):
    room = create_room(server.url, timeout_s=60.0)
    ann = Peer(room, "Ann", score=Score(tracks=(Track("Piano", notes=(Note(0, 240, 60),)),)))
    try:
        assert wait_until(lambda: ann.pump() is not None and ann.session.status.synced, 60.0)
        base = f"ws://127.0.0.1:{server.port}/r/"
        for url in (
            base + room.room,
            base + room.room + "?s=",
            base + "000000000000?s=" + room.secret,  # the secret of another room
        ):
            with pytest.raises(InvalidStatus) as refused:
                with connect(url, open_timeout=30):
                    pass
            assert refused.value.response.status_code == 403, url
            assert refused.value.response.body in (b"", None), url  # nothing of the song
        assert server.log().count("refused") >= 3
        assert ann.pump() is not None and ann.session.peers() == []
    finally:
        ann.leave()
