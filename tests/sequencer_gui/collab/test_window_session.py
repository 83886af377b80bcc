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
        _marked_in_the_roll(window, other.session, Note(960, 240, 67), (960, 67))
        # the peer list gives the other's round trip, as it measured it
        assert pump(root, 30, both(lambda: _row(window, "Ben")[1].endswith(" ms")))
        assert _row(window, "Ben")[2] == other.session.colour
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


def _row(window, name: str) -> tuple[str, str, str]:
    return next((r for r in window.session.peer_rows() if r[0] == name), ("", "", ""))


def _marked_in_the_roll(window, session, note: Note, cursor: tuple[int, int]) -> None:
    """``note`` boxed and the edit cursor drawn at (tick, key), in the peer's colour."""
    canvas, g = window.roll.canvas, window.roll.geometry
    marks = window.session.marks
    (box,) = (marks.boxes.item(k) for k in marks.boxes.keys())
    assert canvas.itemcget(box, "state") != "hidden"
    assert canvas.itemcget(box, "outline") == session.colour
    x0, y0, x1, _ = canvas.coords(box)
    assert x0 < g.tick_to_x(note.start_tick) < g.tick_to_x(note.end_tick) < x1
    assert y0 < g.pitch_to_y(note.pitch) + g.key_height_px / 2
    (line,) = (marks.cursors.item(k) for k in marks.cursors.keys())
    assert canvas.itemcget(line, "fill") == session.colour
    x, top, _, bottom = canvas.coords(line)
    tick, key = cursor
    assert abs(x - g.tick_to_x(tick)) < 1 and top < g.pitch_to_y(key) + 1 < bottom
    # whose it is, beside it
    (label,) = (marks.names.item(k) for k in marks.names.keys())
    assert canvas.itemcget(label, "text") == session.name
    assert canvas.itemcget(label, "fill") == session.colour
    assert canvas.itemcget(label, "state") != "hidden"
    name_x, name_y = canvas.coords(label)
    assert x < name_x < x + 10 and abs(name_y - top) < 1


def _file_menu_states(window) -> dict[str, str]:
    menu = window.menus["file"]
    return {
        menu.entrycget(i, "label"): menu.entrycget(i, "state")
        for i in range(menu.index("end") + 1)
        if menu.type(i) == "command"
    }


def test_a_server_gone_mid_session_is_one_sentence_and_editing_goes_on(window, server):
    root = window.root
    window.document.replace(_song())
    file_menu = _file_menu_states(window)
    assert file_menu["Share Session…"] == file_menu["Join Session…"] == "normal"
    assert file_menu["Leave Session"] == file_menu["Session Peers…"] == "disabled"
    url = window.session.share(server.url)
    said = window.status.message
    file_menu = _file_menu_states(window)
    assert file_menu["Share Session…"] == file_menu["Join Session…"] == "disabled"
    assert file_menu["Leave Session"] == file_menu["Session Peers…"] == "normal"

    def synced() -> bool:
        return window.session.current.peer.session.status.synced

    assert pump(root, 30, synced)
    server.kill()
    gone = "The session server went away; editing goes on with the local copy."
    assert pump(root, 30, lambda: said.cget("text") == gone)
    assert pump(root, 30, lambda: window.session.label.cget("text").startswith("Session: offline"))
    # editing goes on with the local copy, and its own undo
    shared = window.session.current.peer.song
    for note in (Note(0, 120, 48), Note(960, 240, 67)):
        window.document.apply(edits.add_notes(window.document.score, 0, [note])[0], "Add note")
        assert pump(root, 30, lambda n=note: n in shared.score().tracks[0].notes)
    assert window.document.undo()
    assert pump(root, 30, lambda: Note(960, 240, 67) not in window.document.score.tracks[0].notes)
    assert Note(0, 120, 48) in window.document.score.tracks[0].notes
    again = ServerProcess(server.directory, server.port).start()
    try:
        assert pump(root, 60, lambda: said.cget("text") == "Back in the session.")
        # what was made meanwhile reaches a musician joining now
        assert Note(0, 120, 48) in shared.score().tracks[0].notes
        other = Peer(SessionLink.parse(url), "Ben")
        try:
            assert pump(
                root,
                30,
                lambda: (
                    other.pump() is not None and other.song.score().tracks == shared.score().tracks
                ),
            )
        finally:
            other.leave()
        window.session.leave()
        assert _file_menu_states(window)["Share Session…"] == "normal"
    finally:
        again.stop()


def test_a_bad_link_and_an_unreachable_server_are_one_sentence(window):
    assert not window.session.join("http://example.org/nothing")
    assert "not a session link" in window.status.message.cget("text")
    assert window.session.share("http://127.0.0.1:9") is None
    assert "Could not share" in window.status.message.cget("text")
    assert window.session.current is None


def test_join_shows_the_sessions_song_and_plays_with_it(playing_window, server, tmp_path):
    from engine.collab.connection import create_room

    window = playing_window
    link = create_room(server.url, timeout_s=60.0)
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
        # his name just after the frame, in his colour
        label = window.session.step_marks.names.item(peer)
        assert canvas.itemcget(label, "text") == "Ben"
        assert canvas.itemcget(label, "fill") == other.session.colour
        assert canvas.coords(label)[0] > framing(1, 4)[2]
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
    names = canvas.find_withtag("peer-step-name")
    assert names and all(canvas.itemcget(i, "state") == "hidden" for i in names)
