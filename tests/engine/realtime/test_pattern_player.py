"""Song and pattern mode through the real scheduler against the recording fake backend
of the scheduler's tests (pure: the clock is moved by the test, every frame is exact)."""

from __future__ import annotations

from dataclasses import replace

from engine.core import pattern_edits as pe
from engine.core.pattern import Condition
from engine.core.pattern_expand import arrangement_notes
from engine.core.score import LoopRegion, Note, Score, Track
from engine.realtime.pattern_player import PatternPlayer
from engine.realtime.scheduler import Scheduler
from tests.engine.realtime.test_scheduler import LOOKAHEAD, FakeBackend

SIXTEENTH = 6000  # frames at 120 BPM, 48 kHz
PASS = 16 * SIXTEENTH


def song(*hits_by_pattern):
    """A drum track and one pattern per string of hits (kick lane)."""
    score = Score(tracks=(Track("Drums", channel=9, is_drum=True), Track("Bass")))
    ids = []
    for i, hits in enumerate(hits_by_pattern):
        pattern = pe.new_pattern(f"P{i}", keys=(36 + i,))
        score = pe.add_pattern(score, pattern)
        lane = pattern.lanes[0].id
        for step, ch in enumerate(hits):
            if ch == "x":
                score = pe.set_step(score, pattern.id, lane, step, on=True)
        ids.append(pattern.id)
    return score, ids


def rig(score):
    backend = FakeBackend()
    sched = Scheduler(backend, lookahead_frames=LOOKAHEAD)
    player = PatternPlayer(sched)
    player.load_score(score)
    return backend, sched, player


def run(backend, sched, player, frames, step=192):
    end = backend.frame + frames
    while backend.frame < end:
        backend.advance(step)
        state = sched.service()
        player.maintain(state.tick, state.playing)
    return state


FOUR = "x...x...x...x..."


def test_pattern_mode_loops_its_pattern_for_ever_on_the_grid():
    score, (a,) = song(FOUR)
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    anchor = LOOKAHEAD
    run(backend, sched, player, 12 * PASS)  # twelve passes: the window is moved on many times
    ons = [f for f, k in backend.ons()]
    assert ons == [anchor + i * 4 * SIXTEENTH for i in range(len(ons))]
    assert len(ons) >= 4 * 11
    player.stop()
    assert not backend.sounding


def test_conditions_see_the_pass_of_the_loop():
    score, (a,) = song("x" + "." * 15)
    lane = score.pattern(a).lanes[0].id
    score = pe.set_step(score, a, lane, 8, on=True, condition=Condition("ab", 2, 3))
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, 7 * PASS)
    ons = [(f - LOOKAHEAD) for f, k in backend.ons()]
    halves = [f for f in ons if f % PASS]
    assert halves == [p * PASS + PASS // 2 for p in (1, 4)]  # passes 2 and 5 of every 3


def test_queued_pattern_starts_exactly_at_the_end_of_the_pass():
    score, (a, b) = song("xxxxxxxxxxxxxxxx", "x.x.x.x.x.x.x.x.")
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, PASS + 7 * SIXTEENTH)  # in the middle of pass 1
    player.queue_pattern(b)
    run(backend, sched, player, 2 * PASS)
    ons = [(f - LOOKAHEAD, k) for f, k in backend.ons()]
    expected = [(i * SIXTEENTH, 36) for i in range(32)]
    expected += [(2 * PASS + i * 2 * SIXTEENTH, 37) for i in range(8)]
    assert ons[: len(expected)] == expected  # no gap, nothing doubled or lost
    index, pass_index, step = player.pattern_position(sched.position().tick, True)
    assert score.patterns[index].id == b and pass_index == 1


def test_a_switch_queued_just_before_the_boundary_still_lands_on_it():
    score, (a, b) = song("x" * 16, "x" * 16)
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, LOOKAHEAD + PASS - 480, step=96)  # 10 ms before the boundary
    player.queue_pattern(b)
    run(backend, sched, player, PASS)
    ons = [(f - LOOKAHEAD, k) for f, k in backend.ons()]
    assert ons[:32] == [(i * SIXTEENTH, 36 if i < 16 else 37) for i in range(32)]


def test_step_edits_while_looping_are_heard_this_pass_or_not_at_all():
    score, (a,) = song("x" + "." * 15)
    lane = score.pattern(a).lanes[0].id
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, LOOKAHEAD + 2 * SIXTEENTH)
    # step 8 on, far ahead; then step 0 off for the next pass
    score = pe.toggle_step(score, a, lane, 8)
    player.replace_score(score)
    run(backend, sched, player, 8 * SIXTEENTH)
    assert [f - LOOKAHEAD for f, _ in backend.ons()] == [0, 8 * SIXTEENTH]
    score = pe.toggle_step(score, a, lane, 0)
    player.replace_score(score)
    run(backend, sched, player, PASS)
    assert [f - LOOKAHEAD for f, _ in backend.ons()] == [0, 8 * SIXTEENTH, PASS + 8 * SIXTEENTH]
    player.stop()
    assert not backend.sounding


def test_the_fill_switch_plays_fill_steps_from_the_next_unheard_step():
    score, (a,) = song("x" + "." * 15)
    lane = score.pattern(a).lanes[0].id
    score = pe.set_step(score, a, lane, 12, on=True, condition=Condition("fill"))
    score = pe.set_step(score, a, lane, 0, condition=Condition("not_fill"))
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, LOOKAHEAD + 4 * SIXTEENTH)
    player.set_fill(True)
    run(backend, sched, player, 2 * PASS)
    assert [f - LOOKAHEAD for f, _ in backend.ons()] == [
        0,
        12 * SIXTEENTH,
        PASS + 12 * SIXTEENTH,
    ]


def test_song_mode_plays_placements_beside_free_notes():
    score, (a,) = song(FOUR)
    score = Score(
        tracks=(score.tracks[0], Track("Bass", notes=(Note(240, 120, 40),))),
        patterns=score.patterns,
    )
    score, _ = pe.place_pattern(score, a, 0, 1920, repeats=2)
    backend, sched, player = rig(score)
    player.set_mode("song", None, 0)
    player.play(0)
    run(backend, sched, player, 4 * PASS)
    drum = [(f - LOOKAHEAD) for f, k in backend.ons(ch=0)]
    per_tick = SIXTEENTH // 120
    assert drum == [n.start_tick * per_tick for n in arrangement_notes(score, 0)]
    assert [f - LOOKAHEAD for f, _ in backend.ons(ch=1)] == [240 * per_tick]
    assert not backend.sounding  # it stopped by itself at the end


def test_pattern_mode_position_and_tempo_at_the_next_bar():
    score, (a,) = song("x" * 16)
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, LOOKAHEAD + 5 * SIXTEENTH + 100)
    state = sched.position()
    assert player.pattern_position(state.tick, True) == (0, 0, 5)
    player.set_tempo(240, at_next_bar=True)  # from the next bar (= pass boundary here)
    run(backend, sched, player, PASS + PASS // 2)
    ons = [f - LOOKAHEAD for f, _ in backend.ons()]
    assert ons[:16] == [i * SIXTEENTH for i in range(16)]
    assert ons[16:24] == [PASS + i * SIXTEENTH // 2 for i in range(8)]


def test_tempo_set_while_stopped_applies_from_where_it_stands():
    score, (a,) = song(FOUR)
    score, _ = pe.place_pattern(score, a, 0, 0)
    backend, sched, player = rig(score)
    player.set_tempo(240)  # stopped: no deadlock, the song's tempo changes
    assert sched.score.tempo_map.bpm_at(0) == 240
    player.play(0)
    run(backend, sched, player, PASS)
    assert [f - LOOKAHEAD for f, _ in backend.ons()] == [0, 12000, 24000, 36000]


def numbered(score, pattern_id):
    """Every step of the pattern's lane on, its velocity telling which step it is (1-16)."""
    lane = score.pattern(pattern_id).lanes[0].id
    for step in range(16):
        score = pe.set_step(score, pattern_id, lane, step, on=True, velocity=step + 1)
    return score


def steps_heard(backend, since=0):
    """(frame, step) of every note-on applied from frame ``since`` on."""
    return [(f, vel - 1) for f, kind, _, _, vel in backend.applied if kind == "on" and f >= since]


def test_pattern_mode_publishes_the_place_in_the_pattern_and_plays_on_from_a_stop():
    score, (a,) = song("")
    score = numbered(score, a)
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, LOOKAHEAD + PASS + 5 * SIXTEENTH + 100)  # pass 1, step 5
    raw = sched.position()
    shown = player.published(raw)
    assert raw.tick > 1920  # the played score counts on from the first pass...
    assert shown.tick == raw.tick - 1920 and 5 * 120 <= shown.tick < 6 * 120  # ...the cursor not
    assert (shown.loop_count, shown.pattern_pass, shown.pattern_step) == (1, 1, 5)
    assert (shown.playing, shown.frame) == (True, raw.frame)
    player.stop()
    stopped = player.published(sched.position())
    assert not stopped.playing and stopped.tick == shown.tick
    assert stopped.pattern_step == -1
    since = backend.frame + 1
    player.play()  # on from where it stopped: the next step is 6
    run(backend, sched, player, PASS)
    steps = [s for _, s in steps_heard(backend, since)][:12]
    assert steps == [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1]


def test_locate_while_playing_goes_on_from_that_step_of_the_pass_sounding():
    score, (a,) = song("")
    score = numbered(score, a)
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, LOOKAHEAD + PASS + 3 * SIXTEENTH + 100)  # pass 1, step 3
    player.locate(7 * 1920 + 10 * 120)  # beyond the pattern: its step 10
    assert not backend.sounding  # the step sounding was released at once
    since = backend.frame + 1
    state = run(backend, sched, player, 9 * SIXTEENTH)
    later = steps_heard(backend, since)
    assert [s for _, s in later][:8] == [10, 11, 12, 13, 14, 15, 0, 1]
    frames = [f for f, _ in later][:8]
    assert all(b - f == SIXTEENTH for f, b in zip(frames, frames[1:]))  # on the grid
    shown = player.published(state)
    assert shown.pattern_pass == 2  # pass 1 went on from step 10, then pass 2
    # every note-on is followed by its note-off before the next (no doubled voice)
    assert all(v <= 1 for v in backend.sounding.values())
    player.locate(2 * 120)  # backwards, in the pass sounding
    run(backend, sched, player, 3 * SIXTEENTH)  # from step 2, less the look-ahead
    shown = player.published(sched.position())
    assert (shown.pattern_pass, shown.pattern_step) == (2, 4)
    assert 4 * 120 <= shown.tick < 5 * 120
    player.stop()
    assert not backend.sounding


def test_locate_while_stopped_in_pattern_mode_sets_where_play_starts():
    score, (a,) = song("")
    score = numbered(score, a)
    backend, sched, player = rig(score)
    player.set_mode("pattern", a, 0)
    player.locate(12 * 120)
    assert player.published(sched.position()).tick == 12 * 120
    player.play()
    run(backend, sched, player, LOOKAHEAD + 6 * SIXTEENTH)
    assert [s for _, s in steps_heard(backend)][:6] == [12, 13, 14, 15, 0, 1]
    ons = [f for f, _ in steps_heard(backend)]
    assert ons[0] == LOOKAHEAD  # the located step is the first thing heard
    player.stop()
    player.set_mode("song", None, 0)
    assert sched.position().tick == 12 * 120  # song mode goes on where the locate put it


def clicks(backend, since=0):
    """(frame, accented) of the metronome's clicks applied from ``since`` on."""
    from engine.realtime.channel_events import METRONOME_CHANNEL

    return [
        (f, vel == 127)
        for f, kind, ch, _, vel in backend.applied
        if kind == "on" and ch == METRONOME_CHANNEL and f >= since
    ]


QUARTER = 4 * SIXTEENTH  # frames


def test_a_meter_change_at_the_next_bar_is_counted_from_that_bar():
    score, (a,) = song(FOUR)
    score = pe.place_pattern(score, a, 0, 0)[0]
    score = replace(score, loop=LoopRegion(0, 8 * 1920), loop_enabled=True)
    backend, sched, player = rig(score)
    sched.set_metronome(True)
    player.play(0)
    run(backend, sched, player, LOOKAHEAD + QUARTER + 100)  # in bar 1, beat 2
    assert player.set_meter(6, 8, at_next_bar=True) == (1920, True)
    assert player.doc.time_signatures.at(1920).numerator == 6
    run(backend, sched, player, 3 * PASS)
    heard = [(f - LOOKAHEAD, accent) for f, accent in clicks(backend)]
    bar_2 = 4 * QUARTER
    assert heard[:4] == [(i * QUARTER, i == 0) for i in range(4)]  # 4/4 up to the bar line
    # then eighths, six to the bar, the first of each accented
    assert heard[4:16] == [(bar_2 + i * QUARTER // 2, i % 6 == 0) for i in range(12)]


def test_a_meter_change_in_pattern_mode_counts_the_loops_bars_and_keeps_the_song():
    score, (a,) = song(FOUR)
    backend, sched, player = rig(score)
    sched.set_metronome(True)
    player.set_mode("pattern", a, 0)
    player.play()
    run(backend, sched, player, LOOKAHEAD + PASS + QUARTER + 100)  # the loop's bar 2
    assert player.set_meter(3, 4, at_next_bar=True) == (2 * 1920, False)
    assert player.doc.time_signatures == score.time_signatures  # the song is kept
    run(backend, sched, player, 3 * PASS)
    heard = [(f - LOOKAHEAD, accent) for f, accent in clicks(backend)]
    loop_bar_3 = 2 * PASS
    after = [(f - loop_bar_3, accent) for f, accent in heard if f >= loop_bar_3][:7]
    assert after == [(i * QUARTER, i % 3 == 0) for i in range(7)]
    # the pattern itself plays on, unchanged
    ons = [f - LOOKAHEAD for f, k in backend.ons(ch=0)]
    assert ons[:12] == [i * QUARTER for i in range(12)]
