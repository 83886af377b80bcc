"""The song document: round trip, concurrent edits merging, own-edits undo (pure units
with real pycrdt documents exchanging real updates)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st
from pycrdt import Doc, Map

from engine.collab.song_doc import SongDoc
from engine.core import edits, pattern_edits
from engine.core.pattern import Lane, Pattern
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap
from tests.engine.strategies import pattern_scores, scores


def _song() -> Score:
    return Score(
        tracks=(
            Track("Piano", notes=(Note(0, 240, 60), Note(480, 240, 64, 90))),
            Track("Drums", channel=9, is_drum=True, notes=(Note(0, 120, 36),)),
        ),
        tempo_map=TempoMap.constant(100),
        loop=LoopRegion(0, 1920),
        loop_enabled=True,
        title="Song",
    )


def _peers(n: int, score: Score) -> list[SongDoc]:
    first = SongDoc()
    first.load_score(score)
    others = []
    for _ in range(n - 1):
        doc = Doc()
        doc.apply_update(first.doc.get_update())
        others.append(SongDoc(doc))
    return [first, *others]


def _exchange(peers: list[SongDoc], rng: random.Random) -> None:
    """Every peer gets every other's updates, in a random order, some twice."""
    updates = [p.doc.get_update() for p in peers]
    for p in peers:
        order = updates * 2
        rng.shuffle(order)
        for u in order:
            p.doc.apply_update(u)


def test_score_survives_the_document():
    song = _song()
    doc = SongDoc()
    doc.load_score(song)
    other = SongDoc(Doc())
    other.doc.apply_update(doc.doc.get_update())
    assert other.score() == song


@given(scores())
def test_any_valid_score_round_trips(score):
    doc = SongDoc()
    doc.load_score(score)
    copy = SongDoc(Doc())
    copy.doc.apply_update(doc.doc.get_update())
    assert copy.score() == score


def test_concurrent_edits_of_different_notes_both_survive():
    a, b = _peers(2, _song())
    s = a.score()
    a.apply_score(edits.move_notes(s, 0, [Note(0, 240, 60)], 120, 0)[0])
    s = b.score()
    b.apply_score(edits.set_velocity(s, 0, [Note(480, 240, 64, 90)], 30)[0])
    _exchange([a, b], random.Random(1))
    assert a.score() == b.score()
    assert set(a.score().tracks[0].notes) == {Note(120, 240, 60), Note(480, 240, 64, 30)}


def test_moving_and_recolouring_one_note_keeps_both_edits():
    a, b = _peers(2, _song())
    a.apply_score(edits.move_notes(a.score(), 0, [Note(0, 240, 60)], 240, 2)[0])
    b.apply_score(edits.set_velocity(b.score(), 0, [Note(0, 240, 60)], 20)[0])
    _exchange([a, b], random.Random(2))
    assert a.score() == b.score()
    assert Note(240, 240, 62, 20) in a.score().tracks[0].notes


def test_the_same_field_edited_twice_resolves_the_same_everywhere():
    peers = _peers(3, _song())
    for i, p in enumerate(peers):
        p.apply_score(edits.set_velocity(p.score(), 0, [Note(0, 240, 60)], 10 + i)[0])
    _exchange(peers, random.Random(3))
    assert peers[0].score() == peers[1].score() == peers[2].score()


def test_undo_undoes_only_ones_own_edit():
    a, b = _peers(2, _song())
    a.apply_score(edits.add_notes(a.score(), 0, [Note(960, 120, 70)])[0])
    b.apply_score(edits.add_notes(b.score(), 0, [Note(1440, 120, 72)])[0])
    _exchange([a, b], random.Random(4))
    assert a.undo()
    _exchange([a, b], random.Random(5))
    notes = set(b.score().tracks[0].notes)
    assert Note(1440, 120, 72) in notes and Note(960, 120, 70) not in notes
    assert a.score() == b.score()
    assert a.redo()
    _exchange([a, b], random.Random(6))
    assert Note(960, 120, 70) in b.score().tracks[0].notes


def test_undo_restamps_what_it_changes():
    (a,) = _peers(1, _song())
    a.apply_score(edits.add_notes(a.score(), 0, [Note(960, 120, 70)])[0], at=(1, 100))
    entry = next(e for e in a.note_entries(0) if e.note == Note(960, 120, 70))
    assert a.note_stamp(entry.id) == (1, 100)
    assert a.undo(at=(1, 500))
    assert a.note_stamp(entry.id) == (1, 500)  # the note is gone from (1, 500) on


def test_track_added_removed_and_moved():
    a, b = _peers(2, _song())
    a.apply_score(edits.add_track(a.score(), Track("Bass", channel=2), 1))
    _exchange([a, b], random.Random(7))
    assert [t.name for t in b.score().tracks] == ["Piano", "Bass", "Drums"]
    b.apply_score(edits.move_track(b.score(), 2, 0))
    _exchange([a, b], random.Random(8))
    assert [t.name for t in a.score().tracks] == ["Drums", "Piano", "Bass"]
    a.apply_score(edits.remove_track(a.score(), 1))
    _exchange([a, b], random.Random(9))
    assert [t.name for t in b.score().tracks] == ["Drums", "Bass"]


def test_garbage_entries_are_left_out_and_counted():
    a, b = _peers(2, _song())
    with a.doc.transaction():
        a.notes["bad"] = Map({"track": "nope", "start": "x", "length": 1, "key": 60})
        a.notes["bad2"] = Map({"track": a.track_ids()[0], "start": 0, "length": 1, "key": 400})
        a.tracks["t-bad"] = Map({"name": 5, "order": 0.5})
    _exchange([a, b], random.Random(10))
    assert b.score() == _song()
    assert b.rejected >= 3


@given(st.integers(0, 10_000))
def test_random_concurrent_edits_converge(seed):
    rng = random.Random(seed)
    peers = _peers(3, _song())
    for _ in range(4):
        for p in peers:
            score = p.score()
            notes = score.tracks[0].notes
            choice = rng.randrange(4)
            if choice == 0 or not notes:
                new = edits.add_notes(score, 0, [Note(rng.randrange(0, 1920, 120), 120, 60)])[0]
            elif choice == 1:
                new = edits.delete_notes(score, 0, [rng.choice(notes)])[0]
            elif choice == 2:
                new = edits.move_notes(score, 0, [rng.choice(notes)], 120, 1)[0]
            else:
                new = edits.set_velocity(score, 0, [rng.choice(notes)], rng.randrange(1, 128))[0]
            p.apply_score(new)
        _exchange(peers, rng)
    assert peers[0].score() == peers[1].score() == peers[2].score()


@given(pattern_scores())
def test_any_score_with_patterns_round_trips(score):
    doc = SongDoc()
    doc.load_score(score)
    copy = SongDoc(Doc())
    copy.doc.apply_update(doc.doc.get_update())
    assert copy.score() == score


def _drum_song() -> Score:
    score = Score(tracks=(Track("Drums", channel=9, is_drum=True),))
    score = pattern_edits.add_pattern(
        score, Pattern("beat", "Beat", lanes=(Lane("kick", 36), Lane("snare", 38)))
    )
    return pattern_edits.place_pattern(score, "beat", 0, 0)[0]


def test_concurrent_step_edits_of_one_pattern_merge():
    a, b = _peers(2, _drum_song())
    a.apply_score(pattern_edits.toggle_step(a.score(), "beat", "kick", 0))
    b.apply_score(pattern_edits.toggle_step(b.score(), "beat", "snare", 4))
    b.apply_score(pattern_edits.set_seed(b.score(), 7))
    _exchange([a, b], random.Random(11))
    assert a.score() == b.score()
    beat = a.score().pattern("beat")
    assert beat.lane("kick").steps[0].on and beat.lane("snare").steps[4].on
    assert a.score().seed == 7 and len(a.score().placements) == 1
    assert a.undo()
    _exchange([a, b], random.Random(12))
    beat = b.score().pattern("beat")
    assert not beat.lane("kick").steps[0].on and beat.lane("snare").steps[4].on


def test_an_edit_begun_before_others_arrived_changes_only_what_it_changed():
    a, b = _peers(2, _song())
    base = a.score()
    b.apply_score(edits.add_notes(b.score(), 0, [Note(1440, 120, 72)])[0])
    _exchange([a, b], random.Random(13))
    # a's drag started from ``base``; committing it must not remove b's note
    a.apply_score(edits.move_notes(base, 0, [Note(0, 240, 60)], 120, 0)[0], base=base)
    _exchange([a, b], random.Random(14))
    assert set(b.score().tracks[0].notes) >= {Note(1440, 120, 72), Note(120, 240, 60)}
    assert a.score() == b.score()


def test_an_undo_right_after_sharing_keeps_the_song():
    (a,) = _peers(1, _song())
    assert not a.undo()
    assert a.score() == _song()


def test_a_step_edit_carries_its_stamp_and_the_score_before_it_is_at_hand():
    (a,) = _peers(1, _drum_song())
    a.take_changes()
    a.apply_score(pattern_edits.toggle_step(a.score(), "beat", "kick", 0), at=(2, 960))
    changes = a.take_changes()
    assert changes.pattern_ids == {"beat"}
    assert a.stamp("pattern:beat") == (2, 960)
    before = changes.patterns_before["beat"]
    assert not before.lane("kick").steps[0].on
    older = a.score_with({"pattern:beat": before})
    assert not older.pattern("beat").lane("kick").steps[0].on
    assert a.score().pattern("beat").lane("kick").steps[0].on
    gone = a.score_with({"pattern:beat": None})
    assert gone.patterns == () and gone.placements == ()


def test_a_mix_or_tempo_change_while_playing_is_stamped_and_the_old_values_recalled():
    from dataclasses import replace

    doc = SongDoc()
    doc.load_score(Score(tracks=(Track("Lead", notes=(Note(0, 240, 60),)),)))
    before = doc.score()
    quieter = replace(before.tracks[0], volume=40, mute=True)
    changed = replace(before, tracks=(quieter,), tempo_map=TempoMap.constant(90.0))
    doc.apply_score(changed, at=(3, 960))
    track_key = "track:" + doc.track_ids()[0]
    assert doc.stamp(track_key) == (3, 960)
    assert doc.stamp("song:tempo") == (3, 960)
    assert doc.stamp("song:loop") is None
    # the song as it was before the stamp: old mix and tempo, the same notes
    old = doc.score_with(
        {track_key: {"fields": {"volume": 100, "mute": False}}, "song:tempo": before.tempo_map}
    )
    assert (old.tracks[0].volume, old.tracks[0].mute) == (100, False)
    assert old.tempo_map == before.tempo_map and old.tracks[0].notes == before.tracks[0].notes
    assert doc.score().tracks[0].volume == 40


def test_a_placement_moved_while_playing_is_stamped_and_its_old_place_recalled():
    from dataclasses import replace

    from engine.collab.song_schema import PlacementEntry
    from engine.core.pattern import Lane, Pattern, Placement

    beat = Pattern("beat", lanes=(Lane("kick", 36),))
    doc = SongDoc()
    placed = Placement("p1", "beat", 0, 0)
    doc.load_score(Score(tracks=(Track("Drums"),), patterns=(beat,), placements=(placed,)))
    drums = doc.track_ids()[0]
    moved = replace(placed, start_tick=1920)
    doc.apply_score(replace(doc.score(), placements=(moved,)), at=(2, 480))
    assert doc.stamp("placement:p1") == (2, 480)
    assert doc.entry("placement:p1") == PlacementEntry(drums, moved)
    assert doc.score_with({"placement:p1": PlacementEntry(drums, placed)}).placements == (placed,)
    doc.apply_score(replace(doc.score(), placements=()), at=(2, 960))
    assert doc.stamp("placement:p1") == (2, 960)  # where it stops sounding
    assert doc.score_with({"placement:p1": PlacementEntry(drums, moved)}).placements == (moved,)


def _overrides_before(doc, changes, stamp):
    """What a peer recalls of the song just before ``stamp`` from ``changes``."""
    from engine.collab.coherence import Coherence

    coherence = Coherence()
    keys = [(i, changes.notes_before.get(i)) for i in changes.note_ids]
    keys += [("track:" + i, changes.tracks_before.get(i)) for i in changes.track_ids]
    keys += [("placement:" + i, changes.placements_before.get(i)) for i in changes.placement_ids]
    for key, before in keys:
        assert doc.stamp(key) == stamp, key  # everything the edit touched is stamped
        coherence.add(key, before, stamp[1], doc.entry(key))
    return coherence.overrides_at(stamp[1] - 1, doc.entry)


def test_a_track_made_or_removed_while_playing_is_stamped_with_its_notes_and_placements():
    from engine.core.pattern import Lane, Pattern, Placement

    beat = Pattern("beat", lanes=(Lane("kick", 36),))
    song = Score(
        tracks=(Track("Drums", channel=9, is_drum=True), Track("Bass", notes=(Note(0, 240, 40),))),
        patterns=(beat,),
        placements=(Placement("p1", "beat", 0, 0), Placement("p2", "beat", 1, 1920)),
    )
    doc = SongDoc()
    doc.load_score(song)
    doc.take_changes()
    lead = Track("Lead", program=81, notes=(Note(480, 240, 72),))
    doc.apply_score(edits.add_track(doc.score(), lead, 0), at=(1, 960))
    changes = doc.take_changes()
    assert [t.name for t in doc.score().tracks] == ["Lead", "Drums", "Bass"]
    # before the stamp: the song without the new track, its placements on their tracks
    before = doc.score_with(_overrides_before(doc, changes, (1, 960)))
    assert before == song
    doc.apply_score(edits.remove_track(doc.score(), 1), at=(1, 1920))
    changes = doc.take_changes()
    assert [t.name for t in doc.score().tracks] == ["Lead", "Bass"]
    assert [(p.id, p.track) for p in doc.score().placements] == [("p2", 1)]
    # before the stamp: the removed track is back in its place, notes and placement too
    before = doc.score_with(_overrides_before(doc, changes, (1, 1920)))
    assert before == edits.add_track(song, lead, 0)


def test_reading_the_score_between_an_edit_and_taking_the_changes_hides_nothing():
    doc = SongDoc()
    doc.load_score(Score(tracks=(Track("One", notes=(Note(0, 240, 60),)),)))
    doc.take_changes()
    doc.apply_score(edits.add_track(doc.score(), Track("Two"), 0), at=(1, 960))
    assert [t.name for t in doc.score().tracks] == ["Two", "One"]  # read in here
    doc.apply_score(edits.update_track(doc.score(), 1, volume=30), at=(1, 1440))
    doc.track_ids()
    changes = doc.take_changes()
    one, two = doc.track_ids()[1], doc.track_ids()[0]
    assert changes.track_ids == {one, two}
    # each track's settings before both edits: the new one absent, the other as it was
    assert changes.tracks_before[two] is None
    assert changes.tracks_before[one]["fields"]["volume"] == 100
    assert not doc.take_changes()
