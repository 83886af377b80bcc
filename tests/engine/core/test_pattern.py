"""The pattern model's values, the score's patterns and placements, and their edits."""

from __future__ import annotations

import pickle

import pytest

from engine.core import edits
from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.history import History
from engine.core.pattern import (
    Condition,
    Lane,
    Pattern,
    Placement,
    Step,
    step_start_tick,
    step_ticks,
)
from engine.core.pattern_expand import arrangement_notes, score_with_arrangement
from engine.core.score import Score, Track


def test_step_ticks():
    assert step_ticks("1/16", 480) == 120
    assert step_ticks("1/16t", 480) == 80
    assert step_ticks("1/4", 480) == 480
    assert step_ticks("1/32t", 480) == 40
    # a PPQ the triplets do not divide: positions stay on the exact grid
    assert [step_start_tick(i, "1/8t", 100) for i in range(4)] == [0, 33, 66, 100]
    with pytest.raises(ScoreError, match="step size"):
        step_ticks("1/5", 480)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Step(velocity=0), "step velocity"),
        (lambda: Step(velocity=128), "step velocity"),
        (lambda: Step(offset_pct=51), "offset"),
        (lambda: Step(probability=101), "probability"),
        (lambda: Step(ratchet=9), "ratchet"),
        (lambda: Step(length_steps=0), "length"),
        (lambda: Step(on=1), "step on"),
        (lambda: Condition("ab", 3, 2), "condition A"),
        (lambda: Condition("ab", 1, 17), "condition B"),
        (lambda: Condition("sometimes"), "condition"),
        (lambda: Condition("first", 1, 2), "A:B"),
        (lambda: Lane("l", 128), "lane key"),
        (lambda: Lane("l", 36, ()), "1 to 64 steps"),
        (lambda: Lane("bad id!", 36), "lane id"),
        (lambda: Pattern("p", length_steps=65), "pattern length"),
        (lambda: Pattern("p", swing=49), "swing"),
        (lambda: Pattern("p", step_size="1/64"), "step size"),
        (lambda: Pattern("p", lanes=(Lane("a", 36), Lane("a", 38))), "share an id"),
        (lambda: Placement("a", "p", 0, 0, repeats=0), "repeats"),
        (lambda: Placement("a", "p", 0, -1), "start tick"),
    ],
)
def test_values_are_checked_with_a_sentence_naming_the_field(make, words):
    with pytest.raises(ScoreError, match=words):
        make()


def song():
    score = Score(tracks=(Track("Drums", channel=9, is_drum=True), Track("Bass")))
    pattern = pe.new_pattern("Beat", keys=(36, 38))
    return pe.add_pattern(score, pattern), pattern


def test_score_checks_its_placements():
    score, pattern = song()
    with pytest.raises(ScoreError, match="not in the song"):
        Score(tracks=score.tracks, placements=(Placement("a", "nope", 0, 0),))
    with pytest.raises(ScoreError, match="does not exist"):
        Score(
            tracks=score.tracks,
            patterns=score.patterns,
            placements=(Placement("a", pattern.id, 5, 0),),
        )
    with pytest.raises(ScoreError, match="share an id"):
        Score(patterns=(pattern, pattern))
    with pytest.raises(ScoreError, match="seed"):
        Score(seed=-1)


def test_edits_and_undo_keep_whole_scores():
    score, pattern = song()
    kick = pattern.lanes[0].id
    history = History(score)
    history.apply(pe.toggle_step(score, pattern.id, kick, 0), "toggle")
    history.apply(
        pe.set_step(history.score, pattern.id, kick, 4, on=True, velocity=127, ratchet=2), "accent"
    )
    history.apply(
        pe.set_step(history.score, pattern.id, kick, 8, condition=("ab", 1, 2), on=True), "cond"
    )
    steps = history.score.pattern(pattern.id).lane(kick).steps
    assert steps[0].on and steps[4].velocity == 127 and steps[4].ratchet == 2
    assert steps[8].condition == Condition("ab", 1, 2)
    history.undo()
    history.undo()
    assert history.score.pattern(pattern.id).lane(kick).steps[4] == Step()
    history.redo()
    assert history.score.pattern(pattern.id).lane(kick).steps[4].velocity == 127
    with pytest.raises(ScoreError, match="no setting"):
        pe.set_step(score, pattern.id, kick, 0, loudness=3)
    with pytest.raises(ScoreError, match="steps 1 to 16"):
        pe.toggle_step(score, pattern.id, kick, 16)


def test_pattern_settings_lanes_and_duplicates():
    score, pattern = song()
    score, extra = pe.add_lane(score, pattern.id, 42, "Hat", length_steps=3)
    score = pe.set_pattern_settings(score, pattern.id, length_steps=8, step_size="1/8", swing=60)
    p = score.pattern(pattern.id)
    assert (p.length_steps, p.step_size, p.swing) == (8, "1/8", 60)
    assert [lane.length_steps for lane in p.lanes] == [8, 8, 3]  # the polymeter lane keeps its
    score = pe.set_lane_length(score, pattern.id, extra.id, 5)
    assert score.pattern(pattern.id).lane(extra.id).length_steps == 5
    score = pe.update_lane(score, pattern.id, extra.id, mute=True, name="Closed")
    assert score.pattern(pattern.id).lane(extra.id).mute
    score = pe.move_lane(score, pattern.id, extra.id, 0)
    assert score.pattern(pattern.id).lanes[0].id == extra.id
    score, copy = pe.duplicate_pattern(score, pattern.id)
    assert [p.id for p in score.patterns] == [pattern.id, copy.id]
    assert copy.name == "Beat copy" and {lane.id for lane in copy.lanes}.isdisjoint(
        lane.id for lane in score.pattern(pattern.id).lanes
    )
    score = pe.rename_pattern(score, copy.id, "Fill")
    assert score.pattern(copy.id).name == "Fill"
    score = pe.remove_lane(score, pattern.id, extra.id)
    assert len(score.pattern(pattern.id).lanes) == 2
    kick = score.pattern(pattern.id).lanes[0].id
    score = pe.set_lane_steps(score, pattern.id, kick, [Step(on=True)] * 4)
    assert score.pattern(pattern.id).lane(kick).length_steps == 4
    score = pe.clear_pattern(score, pattern.id)
    assert not any(s.on for lane in score.pattern(pattern.id).lanes for s in lane.steps)


def test_placements_play_on_their_track_and_follow_track_edits():
    score, pattern = song()
    kick = pattern.lanes[0].id
    score = pe.toggle_step(score, pattern.id, kick, 0)
    score, a = pe.place_pattern(score, pattern.id, 0, 0, repeats=2)
    score, b = pe.place_pattern(score, pattern.id, 1, 1920)
    assert score.end_tick == 3840
    assert [n.start_tick for n in arrangement_notes(score, 0)] == [0, 1920]
    assert [n.start_tick for n in arrangement_notes(score, 1)] == [1920]
    with pytest.raises(ScoreError, match="already placed"):
        pe.place_pattern(score, pattern.id, 0, 1920)
    score = pe.set_placement_repeats(score, a.id, 4)
    assert score.end_tick == 4 * 1920
    score = pe.move_placement(score, b.id, start_tick=0)
    assert [p.id for p in score.placements] == [a.id, b.id]  # (start, track, id) order
    moved = edits.move_track(score, 1, 0)
    assert {p.id: p.track for p in moved.placements} == {a.id: 1, b.id: 0}
    removed = edits.remove_track(score, 0)
    assert [(p.id, p.track) for p in removed.placements] == [(b.id, 0)]
    inserted = edits.add_track(score, Track("New"), 1)
    assert {p.id: p.track for p in inserted.placements} == {a.id: 0, b.id: 2}
    assert edits.add_track(score, Track("Last")).placements == score.placements
    written = score_with_arrangement(score)
    assert written.placements == () and written.patterns == ()
    assert [n.start_tick for n in written.tracks[0].notes] == [0, 1920, 3840, 5760]
    assert pe.remove_placement(score, a.id).placements == (score.placements[1],)
    gone = pe.remove_pattern(score, pattern.id)
    assert gone.patterns == () and gone.placements == ()


def test_scores_with_patterns_pickle_whole():
    score, pattern = song()
    score, _ = pe.place_pattern(score, pattern.id, 0, 0)
    score = pe.set_seed(score, 99)
    again = pickle.loads(pickle.dumps(score))
    assert again == score and again.pattern(pattern.id) == pattern
