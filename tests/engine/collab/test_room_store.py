"""A room's store squashes its updates into one snapshot and still holds the same song
(real files; the server end to end in ``test_a_restarted_server_serves_the_compacted_song``)."""

from __future__ import annotations

import time

import anyio
from pycrdt import Doc, Map

from engine.collab.room_store import RoomStore
from engine.core.score import Note, Score, Track
from tests.engine.collab.conftest import wait_until


def _records(path) -> int:
    async def count():
        return len([u async for u in RoomStore(str(path), Doc()).read()])

    return anyio.run(count)


def test_the_store_is_squashed_every_so_many_updates_and_reads_back_the_same(tmp_path):
    path = tmp_path / "song.ystore"
    writer = Doc()
    notes = writer.get("notes", type=Map)

    async def edit():
        store = RoomStore(str(path), writer, compact_every=50)
        for i in range(120):
            before = writer.get_state()
            notes[f"n{i}"] = Map({"start": i * 120, "key": 60 + i % 12})
            await store.write(writer.get_update(before))
        return store.compactions

    assert anyio.run(edit) == 2
    assert _records(path) < 50  # not 120: the history was squashed twice

    async def reopen():
        doc = Doc()
        loaded = RoomStore(str(path), doc, compact_every=10)
        await loaded.load()  # more than 10 on file: squashed on opening
        return doc

    again = anyio.run(reopen)
    assert again.get("notes", type=Map).to_py() == notes.to_py()
    assert _records(path) == 1


def test_a_restarted_server_serves_the_compacted_song(server):
    from engine.collab.connection import create_room
    from engine.collab.peer import Peer
    from tests.engine.collab.conftest import ServerProcess

    room = create_room(server.url, timeout_s=60.0)
    peer = Peer(room, "editor", score=Score(tracks=(Track("Lead"),)))
    try:
        assert wait_until(lambda: peer.pump() is not None and peer.session.status.synced)
        for i in range(450):  # more than twice the updates a store keeps before squashing
            peer.song.add_note(0, Note(i * 60, 60, 40 + i % 40))
            peer.session.flush()
            time.sleep(0.01)  # within the server's rate limit
        song = peer.song.score()
        # every edit reached the server (another peer gets them all from it) ...
        check = Peer(room, "check")
        assert wait_until(lambda: check.pump() is not None and check.song.score() == song, 30)
        check.leave()
    finally:
        peer.leave()
    # ... whose store was squashed on the way: it holds far fewer updates than were made
    # (once the server has caught up: a burst of updates is appended before the
    # compaction it brings due)
    store = server.directory / room.room / "song.ystore"
    assert wait_until(lambda: _records(store) < 200, 30), (_records(store), server.log()[-3000:])
    server.stop()
    again = ServerProcess(server.directory, server.port).start()
    try:
        late = Peer(room, "late")
        assert wait_until(lambda: late.pump() is not None and late.song.score() == song, 30)
        late.leave()
    finally:
        again.stop()
