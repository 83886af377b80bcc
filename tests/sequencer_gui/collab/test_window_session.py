"""The window in a live session with a real server and another peer (a headless Peer in
this process): share, remote edits shown at once, own-edits undo, peers, marks, leaving."""

from __future__ import annotations

import pytest

from engine.collab.connection import SessionLink
from engine.collab.peer import Peer
from engine.core import edits
from engine.core.score import LoopRegion, Note, Score, Track
from tests.engine.collab.conftest import ServerProcess
from tests.sequencer_gui.conftest import pump

pytestmark = pytest.mark.gui


@pytest.fixture
def server(tmp_path):
    rooms = tmp_path / "rooms"
    rooms.mkdir()
    srv = ServerProcess(rooms).start()
    yield srv
    srv.stop()


def _song() -> Score:
    notes = (Note(0, 240, 60), Note(480, 240, 64))
    return Score(tracks=(Track("Piano", notes=notes),), loop=LoopRegion(0, 1920), loop_enabled=True)


def test_share_edit_undo_and_leave_with_another_peer(playing_window, server):
    window = playing_window
    root = window.root
    window.document.replace(_song())
    url = window.session.share(server.url)
    assert url and root.clipboard_get() == url
    other = Peer(SessionLink.parse(url), "Ben")

    def both(condition):
        def check():
            other.pump()  # the headless peer has no engine here: its commands go nowhere
            return condition()

        return check

    try:
        assert pump(root, 15, both(lambda: other.song.score().tracks == _song().tracks))
        drawn = {n: window.roll.note_pool.item(n) for n in _song().tracks[0].notes}
        # the other musician adds a note: the window shows it, an undo step it is not
        other.edit(edits.add_notes(other.song.score(), 0, [Note(960, 240, 67)])[0])
        assert pump(
            root, 15, both(lambda: Note(960, 240, 67) in window.document.score.tracks[0].notes)
        )
        assert not window.document.history.can_undo
        for note, item in drawn.items():  # notes that did not change keep their items
            assert window.roll.note_pool.item(note) == item
        # an edit in the window reaches the other peer
        window.document.apply(
            edits.add_notes(window.document.score, 0, [Note(1440, 240, 72)])[0], "Add note"
        )
        assert pump(
            root, 15, both(lambda: Note(1440, 240, 72) in other.song.score().tracks[0].notes)
        )
        # Undo in the window takes back its own note only
        window.document.undo()
        assert pump(
            root, 15, both(lambda: Note(1440, 240, 72) not in other.song.score().tracks[0].notes)
        )
        assert Note(960, 240, 67) in window.document.score.tracks[0].notes
        # the peer list and the other's selection in the roll
        assert pump(root, 15, both(lambda: any(r[0] == "Ben" for r in window.session.peer_rows())))
        chosen = [e.id for e in other.song.note_entries(0) if e.note == Note(960, 240, 67)]
        other.session.set_presence(selection=chosen, cursor=[other.song.track_ids()[0], 960, 67])
        assert pump(root, 15, both(lambda: len(window.session.marks.boxes) == 1))
        assert "incoherent 0" in window.session.label.cget("text")
        # playing from the other peer starts the window's transport too
        other.play(0)
        assert pump(root, 15, both(lambda: window.playback.playing))
        other.stop()
        assert pump(root, 15, both(lambda: not window.playback.playing))
    finally:
        other.leave()
    kept = window.document.score
    window.session.leave()
    assert window.document.score == kept and Note(960, 240, 67) in kept.tracks[0].notes
    assert "Left the session" in window.status.message.cget("text")
    window.document.apply(edits.add_notes(kept, 0, [Note(0, 120, 48)])[0], "Add note")
    assert window.document.undo()  # the window's own history again


def test_a_bad_link_and_an_unreachable_server_are_one_sentence(window):
    assert not window.session.join("http://example.org/nothing")
    assert "not a session link" in window.status.message.cget("text")
    assert window.session.share("http://127.0.0.1:9") is None
    assert "Could not share" in window.status.message.cget("text")
    assert window.session.current is None


def test_join_shows_the_sessions_song_and_plays_with_it(playing_window, server, tmp_path):
    from engine.collab.connection import create_room

    window = playing_window
    link = create_room(server.url)
    host = Peer(link, "Ann", score=_song())
    log = tmp_path / "events.jsonl"
    window.session.event_log_path = str(log)
    try:
        assert window.session.join(link.url)
        assert pump(
            window.root, 15, lambda: host.pump() is not None and window.document.score == _song()
        )
        assert not window.document.history.can_undo
        host.play(0)
        assert pump(
            window.root,
            20,
            lambda: host.pump() is not None and log.exists() and log.stat().st_size > 0,
        )
        host.stop()
    finally:
        host.leave()
    window.session.leave()
    assert not window.playback.playing
    first = log.read_text().splitlines()[0]
    assert '"on":true' in first and '"track":0' in first


def test_where_another_peer_edits_in_the_step_grid_is_framed_in_its_colour(playing_window, server):
    from dataclasses import replace

    from engine.core.pattern import Lane, Pattern

    window = playing_window
    lanes = (Lane("kick", 36), Lane("snare", 38), Lane("hat", 42))
    window.document.replace(replace(_song(), patterns=(Pattern("beat", lanes=lanes),)))
    url = window.session.share(server.url)
    other = Peer(SessionLink.parse(url), "Ben")
    grid = window.steps.panel.grid_view
    pool = window.session.step_marks.frames
    canvas = grid.canvas

    def shown() -> dict:
        other.pump()
        return {
            peer: canvas.coords(item)
            for peer, item in pool._items.items()
            if canvas.itemcget(item, "state") != "hidden"
        }

    def framing(lane: int, step: int) -> list[float]:
        x0, y0, x1, y1 = grid.geometry.cell_box(lane, step)
        return [x0 - 2.0, y0 - 2.0, x1 + 2.0, y1 + 2.0]

    try:
        window.steps.show(1)
        assert pump(
            window.root,
            15,
            lambda: (
                grid.pattern is not None and bool(shown()) is False and other.session.status.synced
            ),
        )
        # Ben's step cursor on the snare's fifth step: framed there, in Ben's colour
        other.session.set_presence(step=["beat", "snare", 4])
        assert pump(window.root, 15, lambda: list(shown().values()) == [framing(1, 4)])
        (peer,) = shown()
        item = pool.item(peer)
        assert canvas.itemcget(item, "outline") == other.session.colour
        # he moves on: the same item moves there
        other.session.set_presence(step=["beat", "hat", 7])
        assert pump(window.root, 15, lambda: list(shown().values()) == [framing(2, 7)])
        assert pool.item(peer) == item
        # on another pattern, or a step that is not there: no frame
        other.session.set_presence(step=["fill", "kick", 0])
        assert pump(window.root, 15, lambda: not shown())
        other.session.set_presence(step=["beat", "kick", 999])
        assert not pump(window.root, 1, lambda: bool(shown()))
        # this window's own step cursor reaches Ben
        grid.cursor = (2, 3)

        def ben_sees() -> bool:
            other.pump()
            return any(p.state.get("step") == ["beat", "hat", 3] for p in other.session.peers())

        assert pump(window.root, 15, ben_sees)
    finally:
        other.leave()
    window.session.leave()
    assert not any(canvas.itemcget(i, "state") != "hidden" for i in pool._items.values())
