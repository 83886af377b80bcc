"""Scores that take over at a given place of the timeline (a shared session's stamped
edits), and the report of every note sent (pure: the scheduler against the fake backend)."""

from __future__ import annotations

from dataclasses import replace

from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap
from tests.engine.realtime.test_scheduler import Q, make, run_for

BAR = 1920  # ticks of one 4/4 bar at 480 PPQ


def _song(pitch: int) -> Score:
    notes = tuple(Note(i * 480, 240, pitch) for i in range(4))
    return Score((Track(notes=notes),), loop=LoopRegion(0, BAR), loop_enabled=True)


def _played(backend) -> list[tuple[int, int]]:
    return [(frame, key) for frame, kind, _, key, _ in backend.applied if kind == "on"]


def test_a_score_takes_over_on_its_tick_and_nothing_sent_before_changes():
    backend, sched, _ = make(_song(60))
    reports = []
    sched.on_scheduled = reports.extend
    sched.play(0)
    run_for(backend, sched, Q)  # a beat into pass 0
    where = sched.replace_score_at(_song(72), 1, 960)  # beat 3 of pass 1
    assert where == (1, 960, True)
    run_for(backend, sched, 9 * Q)
    keys = [key for _, key in _played(backend)]
    # pass 0 and the first half of pass 1 old, then new from beat 3 of pass 1 on
    assert keys[:6] == [60] * 6 and set(keys[6:]) == {72}
    passes = [(r[0], r[1], r[4]) for r in reports]
    assert (1, 480, 60) in passes and (1, 960, 72) in passes
    assert all(r[2] == r[1] + 240 for r in reports)


def test_an_edit_too_late_for_its_tick_takes_over_at_the_next_pass_and_says_so():
    backend, sched, _ = make(_song(60))
    sched.play(0)
    run_for(backend, sched, 2 * Q + Q // 2)  # past beat 2 of pass 0
    where = sched.replace_score_at(_song(72), 0, 480)  # beat 2: already sent
    assert where == (1, 0, False)
    run_for(backend, sched, 6 * Q)
    keys = [key for _, key in _played(backend)]
    assert keys[:4] == [60] * 4 and set(keys[4:]) == {72}


def test_versions_apply_in_order_and_are_forgotten_on_stop():
    backend, sched, _ = make(_song(60))
    sched.play(0)
    run_for(backend, sched, Q // 2)
    sched.replace_score_at(_song(64), 0, 960)
    sched.replace_score_at(_song(67), 0, 1440)
    run_for(backend, sched, 4 * Q)
    assert [key for _, key in _played(backend)][:4] == [60, 60, 64, 67]
    sched.replace_score_at(_song(72), 5, 0)
    sched.stop()
    sched.play(0)
    run_for(backend, sched, 12 * Q)
    assert 72 not in {key for _, key in _played(backend)}


def test_a_new_tempo_takes_over_on_its_own_tick_and_passes_count_on():
    backend, sched, _ = make(_song(60))
    reports = []
    sched.on_scheduled = reports.extend
    sched.play(0)
    run_for(backend, sched, Q)
    slower = replace(_song(72), tempo_map=TempoMap.constant(60.0))
    assert sched.replace_score_at(slower, 1, 960) == (1, 960, True)
    # a later take-over placed before the tempo changes, then moved: withdrawn, sent again
    sched.replace_score_at(_song(64), 1, 1440)
    assert sched.replace_score_at(slower, 1, 960, withdraw_later=True) == (1, 960, True)
    run_for(backend, sched, 12 * Q)
    played = _played(backend)
    old_beat = played[1][0] - played[0][0]
    changed = [frame for frame, key in played if key == 72]
    # pass 1 beat 3 lands where the old tempo puts it; from there a beat lasts twice as long
    assert changed[0] - played[0][0] == (BAR + 960) // 480 * old_beat
    assert changed[1] - changed[0] == 2 * old_beat
    assert 64 not in {key for _, key in played}
    # passes are counted from the start across the change
    assert (2, 0, 72) in [(r[0], r[1], r[4]) for r in reports]


def test_a_take_over_queued_keeps_its_tick_when_the_music_is_re_timed():
    backend, sched, _ = make(_song(60))
    sched.play(0)
    run_for(backend, sched, Q // 2)
    sched.replace_score_at(_song(72), 1, 960)  # beat 3 of pass 1
    shift = Q + Q // 4  # the music moved over a beat later, as onto a shared clock
    old, new, _tick = sched.retime(sched.score, lambda frame: frame + shift)
    assert new - old == shift and sched.retimed_frames == shift
    run_for(backend, sched, 9 * Q)
    keys = [key for _, key in _played(backend)]
    # still pass 0 and the first half of pass 1 old, new from beat 3 of pass 1 on
    assert keys[:6] == [60] * 6 and set(keys[6:]) == {72}


def test_a_take_over_that_changes_a_mix_reports_it_at_its_place():
    backend, sched, _ = make(_song(60))
    mixes = []
    sched.on_mixed = mixes.extend
    sched.play(0)
    run_for(backend, sched, Q)
    song = _song(60)
    louder = replace(song, tracks=(replace(song.tracks[0], volume=40, program=33),))
    sched.replace_score_at(louder, 1, 960)
    higher = replace(louder, tracks=(replace(louder.tracks[0], notes=_song(72).tracks[0].notes),))
    sched.replace_score_at(higher, 2, 0)  # other notes, the same mix: no channel set anew
    sched.replace_score_at(song, 3, 480)  # the mix back as it was
    run_for(backend, sched, 14 * Q)
    assert mixes == [(1, 960, 0, False, 0, 33, 40, 64), (3, 480, 0, False, 0, 0, 100, 64)]
