"""Two musicians changing the song's tempo, meter or loop within a schedule-ahead of each
other: both changes are stamped writes, the greater stamp is in force on every peer
whichever arrived first and whatever the client ids, and every peer's engine is told the
same take-overs (pure: documents exchanged in memory)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pycrdt import Doc, Map

from engine.collab.coherence import Coherence
from engine.collab.field_log import writes_of
from engine.collab.song_doc import SongDoc
from engine.collab.song_schema import SCHEMA_VERSION, SONG_KEY, song_settings
from engine.collab.take_over import take_over
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap, TimeSignature, TimeSignatureMap
from tests.engine.collab.shared_docs import cross, edit_update, shared_docs

EPOCH = 1
NOW = 240  # the session tick playing while the edits arrive
TICKS = (0, 959, 960, 1199, 1200, 1440, 4800)


def _song() -> Score:
    return Score(
        tracks=(Track("One", notes=(Note(0, 240, 60),)),),
        tempo_map=TempoMap.constant(120),
        loop=LoopRegion(0, 1920),
        loop_enabled=True,
    )


class _Peer:
    """A document and what its engine was told (``engine.collab.peer.Peer`` playing)."""

    def __init__(self, doc: SongDoc):
        self.doc = doc
        doc.take_changes()
        self.coherence = Coherence()
        self.now = song_settings(doc.score())

    def heard(self) -> None:
        changes = self.doc.take_changes()
        settings = song_settings(self.doc.score())
        for key in settings:
            if settings[key] != self.now[key] or changes.edit_stamps.get(key):
                take_over(self.doc, self.coherence, key, self.now[key], changes, EPOCH, NOW)
        self.now = settings

    def played(self, key: str) -> list:
        if key not in self.coherence.pending:
            return [self.doc.entry(key)] * len(TICKS)
        return [self.coherence.value_at(key, t) for t in TICKS]


def _peers(client_ids) -> list[_Peer]:
    return [_Peer(doc) for doc in shared_docs(client_ids, _song())]


def _edit(peer: _Peer, change, tick: int) -> bytes:
    update = edit_update(peer.doc, change, (EPOCH, tick))
    peer.heard()
    return update


def _tempo(bpm: int):
    return lambda score: replace(score, tempo_map=TempoMap.constant(bpm))


def _loop(end: int):
    return lambda score: replace(score, loop=LoopRegion(0, end))


def _meter(numerator: int):
    return lambda score: replace(
        score, time_signatures=TimeSignatureMap((TimeSignature(0, numerator, 4),))
    )


# (setting, a's edit, its stamp, b's edit, its stamp, what is in force after both)
CASES = {
    "tempo, the greater stamp from the lower client": (
        "tempo",
        _tempo(100),
        1200,
        _tempo(140),
        960,
        TempoMap.constant(100),
    ),
    "tempo, the greater stamp from the higher client": (
        "tempo",
        _tempo(100),
        960,
        _tempo(140),
        1200,
        TempoMap.constant(140),
    ),
    "tempo, one stamp: the higher client": (
        "tempo",
        _tempo(100),
        960,
        _tempo(140),
        960,
        TempoMap.constant(140),
    ),
    "loop, the greater stamp from the lower client": (
        "loop",
        _loop(3840),
        1200,
        _loop(960),
        960,
        (LoopRegion(0, 3840), True),
    ),
    "meter, the greater stamp from the lower client": (
        "meter",
        _meter(3),
        1200,
        _meter(5),
        960,
        TimeSignatureMap((TimeSignature(0, 3, 4),)),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_two_writes_of_one_song_setting_are_heard_alike_in_either_order(case):
    setting, change_a, tick_a, change_b, tick_b, kept = CASES[case]
    key = SONG_KEY + setting
    # a has the lower client id: Yjs's own rule would keep b's value of a plain field
    a, b, first, second = _peers([11, 22, 33, 44])
    peers = (a, b, first, second)
    cross(peers, _edit(a, change_a, tick_a), _edit(b, change_b, tick_b))
    played = [peer.played(key) for peer in peers]
    assert all(p == played[0] for p in played), played
    assert all(peer.doc.score() == a.doc.score() for peer in peers)
    assert first.doc.entry(key) == kept == played[0][-1]
    original = song_settings(_song())[key]
    early = min(tick_a, tick_b)
    assert played[0][TICKS.index(early) - 1] == original  # as before until the first stamp
    # each write heard from its own stamp: the one stamped first, then the greater one
    if tick_a != tick_b:
        lower = change_a if tick_a < tick_b else change_b
        assert played[0][TICKS.index(early)] == song_settings(lower(_song()))[key]


def test_an_undo_of_a_tempo_change_says_again_what_holds_from_its_stamp():
    a, b = _peers([1, 2])
    key = SONG_KEY + "tempo"
    b.doc.doc.apply_update(_edit(a, _tempo(100), 960))
    b.heard()
    state = a.doc.doc.get_state()
    assert a.doc.undo(at=(EPOCH, 1920))
    b.doc.doc.apply_update(a.doc.doc.get_update(state))
    b.heard()
    assert b.doc.score().tempo_map == TempoMap.constant(120)
    assert b.doc.stamp(key) == (EPOCH, 1920)
    assert b.coherence.value_at(key, 1919) == TempoMap.constant(100)
    assert b.coherence.value_at(key, 1920) == TempoMap.constant(120)


def test_settled_tempo_writes_are_pruned_and_the_latest_holds():
    (peer,) = _peers([7])
    for i, tick in enumerate(range(960, 960 + 40 * 480, 480)):
        peer.doc.apply_score(_tempo(90 + i)(peer.doc.score()), at=(EPOCH, tick))
    assert len(writes_of(peer.doc.song.to_py())) <= 18
    assert peer.doc.score().tempo_map == TempoMap.constant(129)
    assert peer.doc.song.get("schema") == SCHEMA_VERSION


def test_a_schema_2_song_that_stamped_its_settings_whole_reads_as_before():
    doc = Doc(client_id=5)
    song = doc.get("song", type=Map)
    with doc.transaction():
        song.update(
            {
                "schema": 2,
                "ppq": 480,
                "tempo": {"0": 400000},
                "tempo_at": [EPOCH, 1440],
                "meter": {"0": [4, 4]},
                "loop_start": 0,
                "loop_end": 1920,
                "loop_enabled": True,
            }
        )
    old = SongDoc(doc)
    assert old.score().tempo_map == TempoMap.constant(150)
    assert old.score().loop == LoopRegion(0, 1920)
    assert old.stamp(SONG_KEY + "tempo") == (EPOCH, 1440)
    # edited on: a write over the value as it was, the document now of this schema
    old.apply_score(_tempo(100)(old.score()), at=(EPOCH, 2400))
    assert old.score().tempo_map == TempoMap.constant(100)
    assert old.entry_at(SONG_KEY + "tempo", (EPOCH, 2399)) == TempoMap.constant(150)
    assert old.stamp(SONG_KEY + "tempo") == (EPOCH, 2400)
    assert old.song.get("schema") == SCHEMA_VERSION
