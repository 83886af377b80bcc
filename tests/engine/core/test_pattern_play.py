"""The played score of song and pattern mode, and pattern mode's runs of passes (pure)."""

from __future__ import annotations

from engine.core import pattern_edits as pe
from engine.core.pattern import Step
from engine.core.pattern_expand import arrangement_notes
from engine.core.pattern_play import (
    LoopPlan,
    PassCache,
    loop_pattern_position,
    loop_play_score,
    next_bar_tick,
    song_pattern_position,
    song_play_score,
)
from engine.core.score import Note, Score, Track
from engine.core.timing import TempoMap, TimeSignature, TimeSignatureMap


def beat(length=16):
    score = Score(tracks=(Track("Drums", is_drum=True, channel=9, notes=(Note(0, 10, 49),)),))
    pattern = pe.new_pattern("Beat", keys=(36,), length_steps=length)
    score = pe.add_pattern(score, pattern)
    score = pe.set_lane_steps(score, pattern.id, pattern.lanes[0].id, [Step(on=True)] * length)
    return score, pattern.id


def test_song_play_score_is_the_free_notes_plus_the_arrangement():
    score, a = beat()
    score, _ = pe.place_pattern(score, a, 0, 1920, repeats=2)
    played = song_play_score(score)
    assert played.placements == () and played.patterns == ()
    assert played.tracks[0].notes == tuple(sorted((Note(0, 10, 49),) + arrangement_notes(score, 0)))
    assert song_pattern_position(score, 0, 1920 + 1920 + 130) == (0, 1, 1)
    assert song_pattern_position(score, 0, 100) == (-1, 0, -1)


def test_pass_cache_gives_the_same_notes_and_forgets_edited_patterns():
    score, a = beat()
    cache = PassCache()
    pattern = score.pattern(a)
    first = cache.pass_notes(pattern, 3, 1920, 480, 0, False)
    assert first == cache.pass_notes(pattern, 3, 1920, 480, 0, False)
    edited = pe.toggle_step(score, a, pattern.lanes[0].id, 0).pattern(a)
    assert len(cache.pass_notes(edited, 3, 1920, 480, 0, False)) == len(first) - 1


def test_loop_plan_switches_on_boundaries_and_relays_after_a_length_change():
    score, a = beat()
    score, b = (lambda s, p: (pe.add_pattern(s, p), p.id))(
        score, pe.new_pattern("B", (38,), length_steps=8)
    )
    plan = LoopPlan.start(score, a, 0)
    assert [(s.pattern_id, s.pass_index, s.start_tick) for s in plan.passes(0, 4000)] == [
        (a, 0, 0),
        (a, 1, 1920),
        (a, 2, 3840),
    ]
    plan = plan.switched(b, plan.next_boundary(2000), 960)
    assert [(s.pattern_id, s.pass_index, s.start_tick) for s in plan.passes(0, 6000)] == [
        (a, 0, 0),
        (a, 1, 1920),
        (b, 0, 3840),
        (b, 1, 4800),
        (b, 2, 5760),
    ]
    assert plan.pending_switch(2000) == b and plan.pending_switch(4000) is None
    shorter = pe.set_pattern_settings(score, a, length_steps=4)  # a is now 480 ticks
    relaid = plan.relaid(shorter, 2500)  # in a's pass 1 (1920..3840)
    slots = [(s.pattern_id, s.pass_index, s.start_tick) for s in relaid.passes(0, 4000)]
    assert slots == [(a, 0, 0), (a, 1, 1920), (a, 2, 2400), (b, 0, 2880), (b, 1, 3840)]


def test_loop_play_score_holds_the_window_on_its_track_only():
    score, a = beat(4)
    score = pe.update_lane(score, a, score.pattern(a).lanes[0].id, key=40)
    score = Score(
        tracks=score.tracks + (Track("Keys", notes=(Note(0, 480, 60),)),),
        patterns=score.patterns,
        loop=None,
    )
    plan = LoopPlan.start(score, a, 0)
    played = loop_play_score(score, plan, 480, 1440, TempoMap.constant(100))
    assert [n.start_tick for n in played.tracks[0].notes] == list(range(480, 1440, 120))
    assert played.tracks[1].notes == ()
    assert played.tempo_map == TempoMap.constant(100)
    assert loop_pattern_position(score, plan, 1000) == (0, 2, 0)


def test_next_bar_tick():
    score = Score(time_signatures=TimeSignatureMap((TimeSignature(0, 3, 4),)))
    assert next_bar_tick(score, 0) == 1440
    assert next_bar_tick(score, 1439) == 1440
    assert next_bar_tick(score, 1440) == 2880


def test_loop_play_score_windows_agree_with_filtering_every_note():
    score, a = beat(12)
    lane = score.pattern(a).lanes[0].id
    # long tied steps, ratchets and nudges: notes that start long before a window's start
    steps = [
        Step(
            on=True, length_steps=1 + (i * 5) % 9, ratchet=1 + i % 3, offset_pct=(i * 17) % 41 - 20
        )
        for i in range(12)
    ]
    score = pe.set_lane_steps(score, a, lane, steps)
    plan = LoopPlan.start(score, a, 0).switched(a, 3 * 1440, 1440)  # a run from pass 3 on
    cache = PassCache()
    every = [
        n
        for slot in plan.passes(0, 20 * 1440)
        for n in cache.pass_notes(
            score.pattern(a), slot.pass_index, slot.start_tick, score.ppq, score.seed, False
        )
    ]
    for lo, hi in [(0, 100), (0, 1440), (700, 5000), (1439, 1441), (2000, 9000), (4321, 4322)]:
        played = loop_play_score(score, plan, lo, hi, score.tempo_map, cache=cache)
        track = played.tracks[0]
        assert list(track.notes) == [n for n in every if n.start_tick < hi and n.end_tick > lo]
        # the track's own index agrees with its notes
        assert track.notes_in_range(lo, hi) == [n for n in track.notes if n.end_tick > lo]
        assert track == Track("Drums", is_drum=True, channel=9, notes=track.notes)


def test_with_meter_lands_on_the_first_bar_line_at_or_after_the_tick():
    from engine.core.pattern_play import with_meter

    four = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(4 * 1920, 3, 4)))
    sigs, at = with_meter(four, 480, 1920 + 5, 6, 8, at_next_bar=True)
    assert at == 2 * 1920 and sigs.at(at) == TimeSignature(at, 6, 8)
    assert sigs.at(4 * 1920) == TimeSignature(4 * 1920, 3, 4)  # a later change stays
    assert with_meter(four, 480, 1920, 6, 8, at_next_bar=True)[1] == 1920  # on the line
    # the loop's bars: nothing after the change is kept
    sigs, at = with_meter(four, 480, 1920 + 5, 6, 8, at_next_bar=True, keep_later=False)
    assert [s.tick for s in sigs.signatures] == [0, 2 * 1920]
    # not at the next bar: the signature in force is changed where it starts
    sigs, at = with_meter(four, 480, 5 * 1920, 7, 8, at_next_bar=False)
    assert at == 4 * 1920 and sigs.at(5 * 1920).numerator == 7
