"""Two musicians changing one pattern placement within a schedule-ahead of each other
(neither had the other's edit): both changes are stamped writes, the greater stamp is in
force on every peer whichever arrived first and whatever the client ids, and every peer's
engine plays the same song at every tick (pure: documents exchanged in memory)."""

from __future__ import annotations

import pytest
from pycrdt import Doc, Map

from engine.collab.coherence import Coherence
from engine.collab.field_log import writes_of
from engine.collab.song_doc import SongDoc
from engine.collab.song_schema import PATTERN_KEY, PLACEMENT_KEY, SCHEMA_VERSION
from engine.collab.take_over import take_over
from engine.core import pattern_edits
from engine.core.pattern import Lane, Pattern, Placement
from engine.core.score import Score, Track

EPOCH = 1
NOW = 240  # the session tick playing while the edits arrive
TICKS = (0, 959, 960, 1199, 1200, 1440, 4800)


def _song() -> Score:
    beat = Pattern("beat", "Beat", lanes=(Lane("kick", 36), Lane("snare", 38)))
    return Score(
        tracks=(Track("Drums", channel=9, is_drum=True), Track("Perc", channel=9, is_drum=True)),
        patterns=(beat,),
        placements=(Placement("p1", "beat", 0, 0),),
    )


class _Peer:
    """A document and what its engine was told (``engine.collab.peer.Peer`` playing)."""

    def __init__(self, doc: SongDoc):
        self.doc = doc
        doc.take_changes()
        self.coherence = Coherence()

    def heard(self) -> None:
        changes = self.doc.take_changes()
        keys = [
            (PLACEMENT_KEY + i, changes.placements_before.get(i)) for i in changes.placement_ids
        ]
        keys += [(PATTERN_KEY + i, changes.patterns_before.get(i)) for i in changes.pattern_ids]
        for key, before in keys:
            take_over(self.doc, self.coherence, key, before, changes, EPOCH, NOW)

    def played(self) -> list[Score]:
        """The song this peer's engine plays from each of ``TICKS`` on."""
        return [self.doc.score_with(self.coherence.overrides_at(t, self.doc.entry)) for t in TICKS]


def _peers(client_ids, song: Score) -> list[_Peer]:
    first = SongDoc(Doc(client_id=client_ids[0]))
    first.load_score(song)
    docs = [first]
    for client_id in client_ids[1:]:
        doc = Doc(client_id=client_id)
        doc.apply_update(first.doc.get_update())
        docs.append(SongDoc(doc))
    return [_Peer(doc) for doc in docs]


def _edit(peer: _Peer, change, tick: int) -> bytes:
    state = peer.doc.doc.get_state()
    peer.doc.apply_score(change(peer.doc.score()), at=(EPOCH, tick))
    peer.heard()
    return peer.doc.doc.get_update(state)


def _start(tick: int):
    return lambda score: pattern_edits.move_placement(score, "p1", start_tick=tick)


def _track(track: int):
    return lambda score: pattern_edits.move_placement(score, "p1", track=track)


def _repeats(count: int):
    return lambda score: pattern_edits.set_placement_repeats(score, "p1", count)


def _placed(score: Score) -> tuple:
    (placement,) = score.placements
    return placement.track, placement.start_tick, placement.repeats


# (a's edit, its stamp, b's edit, its stamp, what the song is after both)
CASES = {
    "placement start, the greater stamp from the lower client": (
        _start(3840),
        1200,
        _start(7680),
        960,
        lambda song: _placed(song) == (0, 3840, 1),
    ),
    "placement start, the greater stamp from the higher client": (
        _start(3840),
        960,
        _start(7680),
        1200,
        lambda song: _placed(song) == (0, 7680, 1),
    ),
    "placement start, one stamp: the higher client": (
        _start(3840),
        960,
        _start(7680),
        960,
        lambda song: _placed(song) == (0, 7680, 1),
    ),
    "placement repeats, the greater stamp from the lower client": (
        _repeats(2),
        1200,
        _repeats(3),
        960,
        lambda song: _placed(song) == (0, 0, 2),
    ),
    "placement track and start: both kept": (
        _track(1),
        1200,
        _start(3840),
        960,
        lambda song: _placed(song) == (1, 3840, 1),
    ),
}


def _run(song: Score, change_a, tick_a: int, change_b, tick_b: int) -> list[_Peer]:
    """a (the lower client: Yjs's own rule would keep b's value of a plain field) and b
    edit at once; a and b get the other's edit, two more peers get both in either order."""
    a, b, first, second = _peers([11, 22, 33, 44], song)
    update_a = _edit(a, change_a, tick_a)
    update_b = _edit(b, change_b, tick_b)
    arrivals = {a: [update_b], b: [update_a], first: [update_a, update_b]}
    arrivals[second] = [update_b, update_a]
    for peer, updates in arrivals.items():
        for update in updates:
            peer.doc.doc.apply_update(update)
            peer.heard()
    return [a, b, first, second]


@pytest.mark.parametrize("case", sorted(CASES))
def test_two_changes_of_one_placement_are_heard_alike_in_either_order(case):
    change_a, tick_a, change_b, tick_b, holds = CASES[case]
    peers = _run(_song(), change_a, tick_a, change_b, tick_b)
    played = [peer.played() for peer in peers]
    assert all(p == played[0] for p in played), case
    assert all(peer.doc.score() == peers[0].doc.score() for peer in peers)
    assert holds(peers[0].doc.score()), _placed(peers[0].doc.score())
    assert played[0][-1] == peers[0].doc.score()
    early = min(tick_a, tick_b)
    assert played[0][TICKS.index(early) - 1] == _song()  # as before until the first stamp
    if tick_a != tick_b:  # the write stamped first is heard from its own stamp
        lower = change_a if tick_a < tick_b else change_b
        assert played[0][TICKS.index(early)] == lower(_song())


def test_an_undo_of_a_placement_move_says_again_what_holds_from_its_stamp():
    a, b = _peers([1, 2], _song())
    key = PLACEMENT_KEY + "p1"
    b.doc.doc.apply_update(_edit(a, _start(3840), 960))
    b.heard()
    state = a.doc.doc.get_state()
    assert a.doc.undo(at=(EPOCH, 1920))
    b.doc.doc.apply_update(a.doc.doc.get_update(state))
    b.heard()
    assert _placed(b.doc.score()) == (0, 0, 1)
    assert b.doc.stamp(key) == (EPOCH, 1920)
    assert b.coherence.value_at(key, 1919).placement.start_tick == 3840
    assert b.coherence.value_at(key, 1920).placement.start_tick == 0
    state = a.doc.doc.get_state()
    assert a.doc.redo(at=(EPOCH, 2880))
    b.doc.doc.apply_update(a.doc.doc.get_update(state))
    b.heard()
    assert _placed(b.doc.score()) == (0, 3840, 1)
    assert b.coherence.value_at(key, 2879).placement.start_tick == 0
    assert b.coherence.value_at(key, 2880).placement.start_tick == 3840


def test_settled_placement_writes_are_pruned_and_the_latest_holds():
    (peer,) = _peers([7], _song())
    for i, tick in enumerate(range(960, 960 + 40 * 480, 480)):
        peer.doc.apply_score(_repeats(1 + i)(peer.doc.score()), at=(EPOCH, tick))
    assert len(writes_of(peer.doc.placements["p1"].to_py())) <= 18
    assert _placed(peer.doc.score()) == (0, 0, 40)
    assert peer.doc.song.get("schema") == SCHEMA_VERSION


def test_a_schema_3_placement_stamped_whole_reads_as_before():
    doc = Doc(client_id=5)
    old = SongDoc(doc)
    old.load_score(_song())
    with doc.transaction():
        old.song["schema"] = 3
        # a schema-3 writer overwrote the fields and the placement's stamp
        old.placements["p1"]["start"] = 1920
        old.placements["p1"]["at"] = [EPOCH, 1440]
    key = PLACEMENT_KEY + "p1"
    assert _placed(old.score()) == (0, 1920, 1)
    assert old.stamp(key) == (EPOCH, 1440)
    old.apply_score(_start(3840)(old.score()), at=(EPOCH, 2400))
    assert _placed(old.score()) == (0, 3840, 1)
    assert old.entry_at(key, (EPOCH, 2399)).placement.start_tick == 1920
    assert old.stamp(key) == (EPOCH, 2400)
    assert old.song.get("schema") == SCHEMA_VERSION
    assert isinstance(old.placements["p1"], Map)
