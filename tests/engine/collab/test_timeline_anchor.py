"""Two musicians changing the tempo or the loop while the session plays, within a
schedule-ahead of each other: a peer joining later places itself on the same timeline as
the peers that heard both, whichever change reached it first and whatever the client ids;
anchors keep it so once old writes are pruned or undone (pure: documents exchanged in
memory)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pycrdt import Doc

from engine.collab.field_log import writes_of
from engine.collab.song_doc import SongDoc
from engine.collab.timeline_anchor import (
    ANCHOR_PREFIX,
    OLD_ANCHOR,
    anchor_after_undo,
    anchor_before_edit,
    latest_anchor,
    session_timeline,
)
from engine.collab.transport import SessionTimeline, TransportState
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap

EPOCH = 1
PPQ = 480
BAR = 4 * PPQ
STATE = TransportState(EPOCH, True, 0, 1_000_000_000)


def _song(bpm: float = 120.0, loop_bars: int = 2) -> Score:
    return Score(
        tracks=(Track("One", notes=(Note(0, 240, 60),)),),
        tempo_map=TempoMap.constant(bpm),
        loop=LoopRegion(0, loop_bars * BAR),
        loop_enabled=True,
    )


def _docs(client_ids) -> list[SongDoc]:
    first = SongDoc(Doc(client_id=client_ids[0]))
    first.load_score(_song())
    with first.doc.transaction():
        first.transport["state"] = STATE.to_doc()
    docs = [first]
    for client_id in client_ids[1:]:
        doc = Doc(client_id=client_id)
        doc.apply_update(first.doc.get_update())
        docs.append(SongDoc(doc))
    return docs


def _joined(song: SongDoc) -> SessionTimeline:
    """Where a peer joining with this document places itself."""
    return session_timeline(song.score(), song.song.to_py(), song.transport.to_py(), STATE)


def _edit(song: SongDoc, timeline: SessionTimeline, change, u: int) -> tuple[bytes, Score]:
    """An edit stamped ``u`` as ``engine.collab.peer.Peer.edit`` makes it; the update and
    the song it leaves."""
    state = song.doc.get_state()
    anchor_before_edit(song, timeline, (EPOCH, u))
    new = change(song.score())
    song.apply_score(new, at=(EPOCH, u))
    return song.doc.get_update(state), new


def _tempo(bpm: float):
    return lambda score: replace(score, tempo_map=TempoMap.constant(bpm))


def _loop(bars: int):
    return lambda score: replace(score, loop=LoopRegion(0, bars * BAR), loop_enabled=True)


def _same(timeline: SessionTimeline, truth: SessionTimeline, from_u: int = 0) -> None:
    """``timeline`` places every session tick from ``from_u`` on as ``truth`` does."""
    placed = timeline.changes()
    assert placed == [c for c in truth.changes() if c[0] >= (placed[0][0] if placed else 0)]
    for u in range(from_u, from_u + 12 * BAR, PPQ // 4):
        assert timeline.us_of(u) == truth.us_of(u), u
        assert timeline.position(u) == truth.position(u), u
        assert timeline.session_tick_at(truth.us_of(u)) == u


# (a's change, its stamp, b's change, its stamp): a has the lower client id, so Yjs's
# rule would keep b's value of one key written by both
CASES = {
    "tempo, the greater stamp from the lower client": (_tempo(100), BAR + PPQ, _tempo(140), BAR),
    "tempo, the greater stamp from the higher client": (_tempo(100), BAR, _tempo(140), BAR + PPQ),
    "tempo and loop": (_loop(1), BAR + PPQ, _tempo(90), BAR),
    "loop and tempo": (_tempo(150), BAR + PPQ // 2, _loop(3), BAR),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_joiner_places_itself_as_peers_that_heard_both_changes_in_either_order(case):
    change_a, u_a, change_b, u_b = CASES[case]
    a, b, first, second = _docs([11, 22, 33, 44])
    start = SessionTimeline(_song(), 0)
    # each edits from its own timeline, before the other's change reached it
    update_a, _ = _edit(a, start, change_a, u_a)
    update_b, _ = _edit(b, start, change_b, u_b)
    for song, updates in ((a, [update_b]), (b, [update_a]), (first, [update_a, update_b])):
        for update in updates:
            song.doc.apply_update(update)
    for update in (update_b, update_a):
        second.doc.apply_update(update)
    # what every engine plays: the earlier stamp's change from there, then the later one
    (u1, change1), (u2, change2) = sorted([(u_a, change_a), (u_b, change_b)], key=lambda c: c[0])
    after_both = a.score()
    truth = start.changed_at(u1, change1(_song())).changed_at(u2, after_both)
    for song in (a, b, first, second):
        _same(_joined(song), truth)
    if case.startswith("tempo"):  # where the later change's editor had that change
        assert truth.us_of(u2) != start.changed_at(u2, after_both).us_of(u2)


def test_anchors_keep_a_long_run_placed_once_its_old_writes_are_pruned():
    a, b, joiner = _docs([11, 22, 33])
    truth = SessionTimeline(_song(), 0)
    for i, u in enumerate(range(BAR, 40 * BAR, 2 * BAR)):
        song = (a, b)[i % 2]
        other = (b, a)[i % 2]
        update, new = _edit(song, truth, _tempo(90 + 3 * i), u)
        other.doc.apply_update(update)
        truth = truth.changed_at(u, new)
    joiner.doc.apply_update(a.doc.get_update())
    assert a.score() == b.score() == joiner.score()
    assert len(writes_of(joiner.song.to_py())) < 10  # pruned: a handful of writes are left
    anchors = [k for k in joiner.transport.to_py() if k.startswith(ANCHOR_PREFIX)]
    assert 1 <= len(anchors) <= 2, anchors
    anchor = latest_anchor(joiner.transport.to_py(), EPOCH)
    assert anchor is not None and anchor.u > 20 * BAR
    _same(_joined(joiner), truth, from_u=anchor.u)


def test_an_undone_tempo_change_that_was_played_still_places_a_joiner():
    a, joiner = _docs([11, 22])
    start = SessionTimeline(_song(), 0)
    _, new = _edit(a, start, _tempo(100), BAR)
    played = start.changed_at(BAR, new)
    undo_u = 3 * BAR
    assert a.undo(at=(EPOCH, undo_u))
    anchor_after_undo(a, played, (EPOCH, undo_u))
    # the undo took the change's write away, but every engine played it
    assert not [w for w in writes_of(a.song.to_py()) if w.stamp == (EPOCH, BAR)]
    truth = played.changed_at(undo_u, _song())
    joiner.doc.apply_update(a.doc.get_update())
    assert joiner.score().tempo_map == TempoMap.constant(120)
    _same(_joined(joiner), truth, from_u=BAR)


def test_an_older_document_places_a_joiner_from_its_one_anchor():
    (song,) = _docs([5])
    timeline = SessionTimeline(_song(), 0).changed_at(BAR + PPQ, _song(bpm=60.0, loop_bars=1))
    with song.doc.transaction():
        song.song["loop_end"] = BAR  # an older peer set the song's values themselves
        song.song["tempo"] = {"0": 1_000_000}
        song.transport[OLD_ANCHOR] = {"epoch": EPOCH, **timeline.anchor(BAR + PPQ)}
    _same(_joined(song), timeline, from_u=BAR + PPQ)
    # of another run of the transport: from the start
    with song.doc.transaction():
        song.transport[OLD_ANCHOR] = {"epoch": EPOCH - 1, **timeline.anchor(BAR + PPQ)}
    assert _joined(song).changes() == []


def test_a_malformed_anchor_is_left_out():
    (song,) = _docs([5])
    with song.doc.transaction():
        song.transport[ANCHOR_PREFIX + "1:960"] = {"epoch": EPOCH, "u": "x"}
        song.transport[OLD_ANCHOR] = [1, 2]
    assert latest_anchor(song.transport.to_py(), EPOCH) is None
    _same(_joined(song), SessionTimeline(_song(), 0))
