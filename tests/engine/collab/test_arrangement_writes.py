"""Two musicians changing one pattern (its settings, a lane, a step) or one placement
within a schedule-ahead of each other (neither had the other's edit): both changes are
stamped writes, the greater stamp is in force on every peer whichever arrived first and
whatever the client ids, and every peer's engine plays the same song at every tick
(pure: documents exchanged in memory)."""

from __future__ import annotations

import pytest
from pycrdt import Doc, Map

from engine.collab.coherence import Coherence
from engine.collab.field_log import writes_of
from engine.collab.song_doc import SongDoc
from engine.collab.song_schema import PATTERN_KEY, PLACEMENT_KEY, SCHEMA_VERSION
from engine.collab.take_over import take_over
from engine.core import pattern_edits
from engine.core.pattern import Lane, Pattern, Placement, Step
from engine.core.score import Score, Track
from tests.engine.collab.shared_docs import cross, edit_update, shared_docs

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
        doc.score()  # a peer reads the song it plays
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
    return [_Peer(doc) for doc in shared_docs(client_ids, song)]


def _edit(peer: _Peer, change, tick: int) -> bytes:
    update = edit_update(peer.doc, change, (EPOCH, tick))
    peer.heard()
    return update


def _start(tick: int):
    return lambda score: pattern_edits.move_placement(score, "p1", start_tick=tick)


def _track(track: int):
    return lambda score: pattern_edits.move_placement(score, "p1", track=track)


def _repeats(count: int):
    return lambda score: pattern_edits.set_placement_repeats(score, "p1", count)


def _step(lane: str, index: int, **changes):
    return lambda score: pattern_edits.set_step(score, "beat", lane, index, **changes)


def _lane(lane: str, **changes):
    return lambda score: pattern_edits.update_lane(score, "beat", lane, **changes)


def _lane_length(lane: str, length: int):
    return lambda score: pattern_edits.set_lane_length(score, "beat", lane, length)


def _swing(swing: int):
    return lambda score: pattern_edits.set_pattern_settings(score, "beat", swing=swing)


def _without_lane(lane: str):
    return lambda score: pattern_edits.remove_lane(score, "beat", lane)


def _beat(score: Score) -> Pattern:
    return score.pattern("beat")


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
    "one step, the greater stamp from the lower client": (
        _step("kick", 0, on=True, velocity=30),
        1200,
        _step("kick", 0, on=True, velocity=110),
        960,
        lambda song: _beat(song).lane("kick").steps[0].velocity == 30,
    ),
    "one step, the greater stamp from the higher client": (
        _step("kick", 0, on=True, velocity=30),
        960,
        _step("kick", 0, on=True, velocity=110),
        1200,
        lambda song: _beat(song).lane("kick").steps[0].velocity == 110,
    ),
    "one step, one stamp: the higher client": (
        _step("kick", 0, on=True, velocity=30),
        960,
        _step("kick", 0, on=True, velocity=110),
        960,
        lambda song: _beat(song).lane("kick").steps[0].velocity == 110,
    ),
    "two steps of one lane: both kept": (
        _step("kick", 0, on=True),
        1200,
        _step("kick", 8, on=True),
        960,
        lambda song: [s.on for s in _beat(song).lane("kick").steps].count(True) == 2,
    ),
    "swing, the greater stamp from the lower client": (
        _swing(60),
        1200,
        _swing(70),
        960,
        lambda song: _beat(song).swing == 60,
    ),
    "a lane's name, the greater stamp from the lower client": (
        _lane("snare", name="Crack"),
        1200,
        _lane("snare", name="Snap"),
        960,
        lambda song: _beat(song).lane("snare").name == "Crack",
    ),
    "a lane's mute and another's step: both kept": (
        _lane("snare", mute=True),
        1200,
        _step("kick", 4, on=True),
        960,
        lambda song: _beat(song).lane("snare").mute and _beat(song).lane("kick").steps[4].on,
    ),
    "a lane cut short after a step beyond its new end was set": (
        _lane_length("kick", 8),
        1200,
        _step("kick", 12, on=True),
        960,
        lambda song: _beat(song).lane("kick").length_steps == 8,
    ),
    "a lane removed after a step of it was set": (
        _without_lane("snare"),
        1200,
        _step("snare", 4, on=True),
        960,
        lambda song: [lane.id for lane in _beat(song).lanes] == ["kick"],
    ),
}


def _run(song: Score, change_a, tick_a: int, change_b, tick_b: int) -> list[_Peer]:
    """a (the lower client: Yjs's own rule would keep b's value of a plain field) and b
    edit at once; a and b get the other's edit, two more peers get both in either order."""
    peers = _peers([11, 22, 33, 44], song)
    cross(peers, _edit(peers[0], change_a, tick_a), _edit(peers[1], change_b, tick_b))
    return peers


@pytest.mark.parametrize("case", sorted(CASES))
def test_two_changes_of_one_pattern_or_placement_are_heard_alike_in_either_order(case):
    change_a, tick_a, change_b, tick_b, holds = CASES[case]
    peers = _run(_song(), change_a, tick_a, change_b, tick_b)
    played = [peer.played() for peer in peers]
    assert all(p == played[0] for p in played), case
    assert all(peer.doc.score() == peers[0].doc.score() for peer in peers)
    assert holds(peers[0].doc.score()), peers[0].doc.score()
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
    peer = _Peer(old)
    with doc.transaction():
        old.song["schema"] = 3
        # a schema-3 writer overwrote the fields and the placement's stamp
        old.placements["p1"]["start"] = 1920
        old.placements["p1"]["at"] = [EPOCH, 1440]
    key = PLACEMENT_KEY + "p1"
    assert _placed(old.score()) == (0, 1920, 1)
    assert old.stamp(key) == (EPOCH, 1440)
    peer.heard()  # a peer playing takes it over at that stamp
    assert peer.coherence.value_at(key, 1439).placement.start_tick == 0
    assert peer.coherence.value_at(key, 1440).placement.start_tick == 1920
    old.apply_score(_start(3840)(old.score()), at=(EPOCH, 2400))
    assert _placed(old.score()) == (0, 3840, 1)
    assert old.entry_at(key, (EPOCH, 2399)).placement.start_tick == 1920
    assert old.stamp(key) == (EPOCH, 2400)
    assert old.song.get("schema") == SCHEMA_VERSION
    assert isinstance(old.placements["p1"], Map)


def test_an_undo_of_a_step_says_again_what_holds_from_its_stamp():
    a, b = _peers([1, 2], _song())
    key = PATTERN_KEY + "beat"
    b.doc.doc.apply_update(_edit(a, _step("kick", 0, on=True), 960))
    b.doc.doc.apply_update(_edit(b, _step("snare", 4, on=True), 1440))
    a.doc.doc.apply_update(b.doc.doc.get_update(a.doc.doc.get_state()))
    a.heard()
    b.heard()
    state = a.doc.doc.get_state()
    assert a.doc.undo(at=(EPOCH, 1920))  # only a's own step goes
    b.doc.doc.apply_update(a.doc.doc.get_update(state))
    b.heard()
    for peer in (a, b):
        beat = _beat(peer.doc.score())
        assert not beat.lane("kick").steps[0].on and beat.lane("snare").steps[4].on
    assert b.doc.stamp(key) == (EPOCH, 1920)
    assert b.coherence.value_at(key, 1919).lane("kick").steps[0].on
    assert not b.coherence.value_at(key, 1920).lane("kick").steps[0].on
    assert b.coherence.value_at(key, 1920).lane("snare").steps[4].on
    state = a.doc.doc.get_state()
    assert a.doc.redo(at=(EPOCH, 2880))
    b.doc.doc.apply_update(a.doc.doc.get_update(state))
    b.heard()
    assert _beat(b.doc.score()).lane("kick").steps[0].on
    assert b.coherence.value_at(key, 2880).lane("kick").steps[0].on


def test_an_undo_of_a_lane_removed_brings_it_back_with_its_steps():
    (a,) = _peers([1], _song())
    a.doc.apply_score(_step("snare", 4, on=True)(a.doc.score()), at=(EPOCH, 480))
    a.doc.apply_score(_without_lane("snare")(a.doc.score()), at=(EPOCH, 960))
    assert [lane.id for lane in _beat(a.doc.score()).lanes] == ["kick"]
    assert a.doc.undo(at=(EPOCH, 1440))
    assert _beat(a.doc.score()).lane("snare").steps[4].on
    # stamped where the undo sounds, restating the whole lane there
    assert a.doc.stamp(PATTERN_KEY + "beat") == (EPOCH, 1440)
    restated = writes_of(a.doc.patterns["beat"].to_py())[-1]
    assert restated.undo and restated.values["lane:snare"]["steps"]["4"][0] is True


def test_settled_step_writes_are_pruned_and_the_latest_holds():
    (peer,) = _peers([7], _song())
    for i, tick in enumerate(range(960, 960 + 40 * 480, 480)):
        change = _step("kick", 0, on=True, velocity=10 + i)
        peer.doc.apply_score(change(peer.doc.score()), at=(EPOCH, tick))
    assert len(writes_of(peer.doc.patterns["beat"].to_py())) <= 18
    assert _beat(peer.doc.score()).lane("kick").steps[0].velocity == 49
    assert peer.doc.song.get("schema") == SCHEMA_VERSION


def test_a_schema_4_pattern_stamped_whole_reads_as_before():
    doc = Doc(client_id=5)
    old = SongDoc(doc)
    old.load_score(_song())
    peer = _Peer(old)
    with doc.transaction():
        old.song["schema"] = 4
        # a schema-4 writer overwrote a step, the swing and the pattern's stamp
        old.patterns["beat"]["lanes"]["kick"]["steps"]["2"] = [
            True,
            90,
            1,
            0,
            100,
            1,
            "always",
            1,
            1,
        ]
        old.patterns["beat"]["swing"] = 55
        old.patterns["beat"]["at"] = [EPOCH, 1440]
    key = PATTERN_KEY + "beat"
    assert _beat(old.score()).lane("kick").steps[2].velocity == 90
    assert old.stamp(key) == (EPOCH, 1440)
    peer.heard()  # a peer playing takes it over at that stamp
    assert not peer.coherence.value_at(key, 1439).lane("kick").steps[2].on
    assert peer.coherence.value_at(key, 1440).swing == 55
    old.apply_score(_step("kick", 2, velocity=70)(old.score()), at=(EPOCH, 2400))
    old.apply_score(_swing(60)(old.score()), at=(EPOCH, 2400))
    assert _beat(old.score()).lane("kick").steps[2].velocity == 70
    assert _beat(old.score()).swing == 60
    earlier = old.entry_at(key, (EPOCH, 2399))
    assert (earlier.lane("kick").steps[2].velocity, earlier.swing) == (90, 55)
    assert old.stamp(key) == (EPOCH, 2400)
    assert old.song.get("schema") == SCHEMA_VERSION


def test_a_malformed_pattern_write_is_ignored_and_the_pattern_kept():
    (doc,) = shared_docs([3], _song())
    on = [True, 90, 1, 0, 100, 1, "always", 1, 1]
    bad = {
        "step:kick:0": "loud",
        "step:kick:x": on,
        "lane:snare": 5,
        "lane:kick:mute": "yes",
        "lane:kick:length": 99,
        "swing": 99,
        "step_size": "1/5",
        "step:kick:1": on,  # the one well-formed field
    }
    with doc.doc.transaction():
        doc.patterns["beat"]["@1:960:1:9"] = {"at": [EPOCH, 960], "seq": 1, "by": 9, "set": bad}
    beat = _beat(doc.score())
    assert beat.lane("kick").steps[1] == Step(True, 90)
    assert not beat.lane("kick").steps[0].on and not beat.lane("kick").mute
    assert beat.lane("kick").length_steps == 16 and [lane.id for lane in beat.lanes] == [
        "kick",
        "snare",
    ]
    assert (beat.swing, beat.step_size) == (50, "1/16")
    assert doc.rejected == 0
