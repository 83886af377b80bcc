"""Two musicians setting one field of a note or track within a schedule-ahead of each
other (neither had the other's edit): the greater stamp is in force on every peer,
whichever edit arrived first and whatever the client ids, and every peer's engine is told
the same take-overs (pure: documents exchanged in memory)."""

from __future__ import annotations

import pytest

from engine.collab.coherence import Coherence
from engine.collab.field_log import writes_of
from engine.collab.song_doc import TRACK_KEY, SongDoc
from engine.collab.take_over import take_over
from engine.core import edits
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap
from tests.engine.collab.shared_docs import edit_update, shared_docs

EPOCH = 1
NOW = 240  # the session tick playing while the edits arrive
TICKS = (0, 480, 959, 960, 1199, 1200, 1440, 2400, 4800)


def _song() -> Score:
    return Score(
        tracks=(Track("One", notes=(Note(0, 240, 60), Note(480, 240, 62))),),
        tempo_map=TempoMap.constant(120),
        loop=LoopRegion(0, 1920),
        loop_enabled=True,
    )


def _docs(client_ids) -> list[SongDoc]:
    """Peers with the given client ids, all holding the shared song."""
    return shared_docs(client_ids, _song())


def _edit(doc: SongDoc, change, tick: int) -> bytes:
    """``doc``'s musician edits, stamped ``tick``; the update that carries the edit."""
    return edit_update(doc, change, (EPOCH, tick))


def _volume(value: int):
    return lambda score: edits.update_track(score, 0, volume=value)


def _velocity(value: int):
    return lambda score: edits.set_velocity(score, 0, [Note(480, 240, 62)], value)[0]


def _later(ticks: int):
    return lambda score: edits.move_notes(score, 0, [Note(480, 240, 62)], ticks, 0)[0]


def _key(doc: SongDoc, what: str) -> str:
    if what == "volume":
        return TRACK_KEY + doc.track_ids()[0]
    return next(e.id for e in doc.note_entries(0) if e.note.start_tick == 480)


def _heard(doc: SongDoc, coherence: Coherence, key: str) -> None:
    """What a peer does with what arrived (``engine.collab.peer.Peer`` while playing)."""
    changes = doc.take_changes()
    before = (
        changes.tracks_before.get(key[len(TRACK_KEY) :])
        if key.startswith(TRACK_KEY)
        else changes.notes_before.get(key)
    )
    if key.startswith(TRACK_KEY) and key[len(TRACK_KEY) :] in changes.track_ids:
        take_over(doc, coherence, key, before, changes, EPOCH, NOW)
    elif key in changes.note_ids:
        take_over(doc, coherence, key, before, changes, EPOCH, NOW)


def _played(doc: SongDoc, coherence: Coherence, key: str) -> list:
    """What the peer's engine plays of ``key`` at each of ``TICKS``."""
    return [
        coherence.value_at(key, t) if key in coherence.pending else doc.entry(key) for t in TICKS
    ]


# (what, a's edit, its stamp, b's edit, its stamp, the value in force after both)
CASES = {
    "volume, the greater stamp from the lower client": (
        "volume",
        _volume(50),
        1200,
        _volume(90),
        960,
        50,
    ),
    "volume, the greater stamp from the higher client": (
        "volume",
        _volume(50),
        960,
        _volume(90),
        1200,
        90,
    ),
    "volume, one stamp: the higher client": ("volume", _volume(50), 960, _volume(90), 960, 90),
    "velocity, the greater stamp from the lower client": (
        "velocity",
        _velocity(30),
        1200,
        _velocity(110),
        960,
        30,
    ),
    "velocity, the greater stamp from the higher client": (
        "velocity",
        _velocity(30),
        960,
        _velocity(110),
        1200,
        110,
    ),
    "start and velocity of one note": ("start", _later(240), 1200, _velocity(110), 960, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_two_writes_of_one_field_are_heard_alike_in_either_order(case):
    what, change_a, tick_a, change_b, tick_b, kept = CASES[case]
    # a has the lower client id: Yjs's own rule would keep b's write of a field
    a, b, first, second = _docs([11, 22, 33, 44])
    key = _key(a, what)
    books = {name: Coherence() for name in ("a", "b", "first", "second")}
    update_a = _edit(a, change_a, tick_a)
    _heard(a, books["a"], key)
    update_b = _edit(b, change_b, tick_b)
    _heard(b, books["b"], key)
    docs = {"a": a, "b": b, "first": first, "second": second}
    arrivals = {"a": [update_b], "b": [update_a], "first": [update_a, update_b]}
    arrivals["second"] = [update_b, update_a]
    for name, updates in arrivals.items():
        for update in updates:
            docs[name].doc.apply_update(update)
            _heard(docs[name], books[name], key)
    played = {name: _played(docs[name], books[name], key) for name in docs}
    assert len({repr(p) for p in played.values()}) == 1, played
    assert a.score() == b.score() == first.score() == second.score()
    entry = first.entry(key)
    if what == "volume":
        assert entry["fields"]["volume"] == kept
        assert played["a"][TICKS.index(min(tick_a, tick_b)) - 1]["fields"]["volume"] == 100
    elif what == "velocity":
        assert entry.note.velocity == kept
    else:  # both writes survive: the note moved by a and re-velocitied by b
        assert (entry.note.start_tick, entry.note.velocity) == (720, 110)
        # b's velocity from 960, a's move from 1200 on top of it
        assert played["a"][TICKS.index(960)].note == Note(480, 240, 62, 110)
        assert played["a"][TICKS.index(1200)].note == Note(720, 240, 62, 110)
    assert played["a"][-1] == entry


def test_a_later_edit_on_the_same_step_wins_over_the_one_it_saw():
    # b, the lower client, sets the volume after a's write arrived, stamped the same step
    a, b = _docs([22, 11])
    b.doc.apply_update(_edit(a, _volume(50), 960))
    a.doc.apply_update(_edit(b, _volume(70), 960))
    assert a.score().tracks[0].volume == b.score().tracks[0].volume == 70


def test_settled_writes_are_pruned_and_what_is_heard_stays():
    (doc,) = _docs([7])
    key = _key(doc, "volume")
    for i, tick in enumerate(range(960, 960 + 40 * 480, 480)):
        doc.apply_score(edits.update_track(doc.score(), 0, volume=10 + i), at=(EPOCH, tick))
    data = doc.tracks[key[len(TRACK_KEY) :]].to_py()
    # only the writes not yet settled everywhere (four bars before the newest) are kept
    assert len(writes_of(data)) <= 18
    assert doc.score().tracks[0].volume == 49
    assert doc.entry_at(key, (EPOCH, 960 + 39 * 480 - 1))["fields"]["volume"] == 48


def test_an_undo_while_playing_says_again_what_holds_from_its_stamp():
    a, b = _docs([1, 2])
    key = _key(a, "volume")
    b.doc.apply_update(_edit(a, _volume(50), 960))
    b.take_changes()
    state = a.doc.get_state()
    assert a.undo(at=(EPOCH, 1920))
    b.doc.apply_update(a.doc.get_update(state))
    assert b.score().tracks[0].volume == 100
    # heard before the undo's stamp as it was, from it as before the edit
    assert b.entry_at(key, (EPOCH, 1919))["fields"]["volume"] == 100  # (the write is gone)
    assert b.stamp(key) == (EPOCH, 1920)
    state = a.doc.get_state()
    assert a.redo(at=(EPOCH, 2880))
    b.doc.apply_update(a.doc.get_update(state))
    assert b.score().tracks[0].volume == 50
    assert b.entry_at(key, (EPOCH, 2879))["fields"]["volume"] == 100
    assert b.stamp(key) == (EPOCH, 2880)


def test_a_track_brought_back_by_an_undo_takes_over_at_the_undo_alone():
    a, b = _docs([1, 2])
    track_key, note_key = _key(a, "volume"), _key(a, "note")
    books = {"a": Coherence(), "b": Coherence()}
    for change, tick in ((_velocity(30), 480), (_volume(60), 480)):
        b.doc.apply_update(_edit(a, change, tick))
    state = a.doc.get_state()
    a.apply_score(edits.remove_track(a.score(), 0), at=(EPOCH, 960))
    b.doc.apply_update(a.doc.get_update(state))
    _heard(b, books["b"], note_key)
    state = a.doc.get_state()
    assert a.undo(at=(EPOCH, 4800))
    b.doc.apply_update(a.doc.get_update(state))
    changes = b.take_changes()
    # playing at 4000, long after the edits of the note and track that come back with it
    for key, before in ((note_key, None), (track_key, None)):
        assert take_over(b, books["b"], key, before, changes, EPOCH, 4000) == [4800], key
    assert books["b"].value_at(note_key, 4799) is None
    assert books["b"].value_at(note_key, 4800).note.velocity == 30
    assert books["b"].value_at(track_key, 4800)["fields"]["volume"] == 60


def test_a_deletion_that_comes_before_its_stamp_is_heard_as_before_until_the_stamp_comes():
    a, b = _docs([1, 2])
    note_key = _key(a, "note")
    book = Coherence()
    # the note's deletion and the stamp of its going reach b in two updates, the
    # deletion first (as a rewritten stamp can come after the deletion it goes with)
    state = a.doc.get_state()
    with a.doc.transaction():
        del a.notes[note_key]
    deletion = a.doc.get_update(state)
    state = a.doc.get_state()
    with a.doc.transaction():
        a.gone[note_key] = [EPOCH, 960]
    stamp = a.doc.get_update(state)
    b.doc.apply_update(deletion)
    changes = b.take_changes()
    before = changes.notes_before[note_key]
    assert b.entry(note_key) is None and before is not None
    assert take_over(b, book, note_key, before, changes, EPOCH, NOW) == []
    assert book.value_at(note_key, 2000) == before  # still heard, told to no engine yet
    book.forget_before(1000)
    assert note_key in book.held
    b.doc.apply_update(stamp)
    changes = b.take_changes()
    assert note_key in changes.note_ids  # the stamp came: the note's going is reported
    assert take_over(b, book, note_key, None, changes, EPOCH, NOW) == [960]
    assert book.value_at(note_key, 959) == before and book.value_at(note_key, 960) is None
    assert not book.held
