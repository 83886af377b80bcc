"""Unit tests of the scheduler's pure logic against a recording fake backend (pure).

The fake keeps FluidSynth's contract that matters here: events are queued with absolute
frames, applied when the clock reaches them, and ``cancel_pending`` withdraws the ones not
yet applied.  The clock is moved by the test, so every frame is checked exactly.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.controllers import CC_PAN, CC_VOLUME
from engine.core.playback_timeline import PlaybackTimeline
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoChange, TempoMap
from engine.realtime.scheduler import Scheduler

SR = 48000
PPQ = 480
LOOKAHEAD = 1440  # 30 ms
# 120 BPM: a quarter is 24000 frames, a sixteenth (120 ticks) 6000
Q = 24000


class FakeBackend:
    """Records what the scheduler sends; applies queued events as its clock advances."""

    sample_rate = SR
    block_frames = 1
    tag_slots = 4  # few slots: withdrawing one note's slot often hits others too

    def __init__(self):
        self.frame = 0
        self.pending: list[tuple[int, str, int, int, int]] = []  # (frame, kind, ch, key, vel)
        self.tags: dict[int, int] = {}  # id of a pending event -> its tag
        self.applied: list[tuple[int, str, int, int, int]] = []  # in the order applied
        self.sounding: dict[tuple[int, int], int] = {}  # (ch, key) -> voices
        self.now_calls: list[tuple[str, int, int]] = []
        self.programs: dict[int, tuple[int, int]] = {}
        self.controls: dict[tuple[int, int], int] = {}
        self.drum_channels: set[int] = set()

    # clock
    def now_frame(self) -> int:
        return self.frame

    # Like the real backend, events at frames in (settled, horizon] may or may not have
    # been applied when a withdrawal comes: here all of them are still pending.
    horizon_margin = 0

    def settled_frame(self) -> int:
        return self.frame

    def applied_horizon(self) -> int:
        return self.frame + self.horizon_margin

    def advance(self, frames: int) -> None:
        """Move the clock, applying due events (note-offs before note-ons at one frame)."""
        self.frame += frames
        due = sorted(
            (e for e in self.pending if e[0] <= self.frame), key=lambda e: (e[0], e[1] == "on")
        )
        self.pending = [e for e in self.pending if e[0] > self.frame]
        self.tags = {id(e): self.tags[id(e)] for e in self.pending}
        for event in due:
            self._apply(event)

    def _apply(self, event) -> None:
        frame, kind, ch, key, _ = event
        self.applied.append(event)
        if kind == "on":
            self.sounding[(ch, key)] = self.sounding.get((ch, key), 0) + 1
        else:
            self.sounding.pop((ch, key), None)

    # scheduled
    def _queue(self, event, tag):
        self.pending.append(event)
        self.tags[id(event)] = tag

    def schedule_note_on(self, frame, ch, key, vel, tag=0):
        self._queue((frame, "on", ch, key, vel), tag)

    def schedule_note_off(self, frame, ch, key, tag=0):
        self._queue((frame, "off", ch, key, 0), tag)

    def cancel_pending(self) -> int:
        self.pending.clear()
        self.tags.clear()
        return self.applied_horizon()

    def cancel_tag(self, tag) -> int:
        slot = tag % self.tag_slots
        self.pending = [e for e in self.pending if self.tags[id(e)] % self.tag_slots != slot]
        self.tags = {id(e): self.tags[id(e)] for e in self.pending}
        return self.applied_horizon()

    # immediate
    def note_on_now(self, ch, key, vel):
        self.now_calls.append(("on", ch, key))
        self._apply((self.frame, "on", ch, key, vel))

    def note_off_now(self, ch, key):
        self.now_calls.append(("off", ch, key))
        self._apply((self.frame, "off", ch, key, 0))

    def all_notes_off(self):
        self.now_calls.append(("all_notes_off", -1, -1))
        self.sounding.clear()

    def all_sounds_off(self):
        self.now_calls.append(("all_sounds_off", -1, -1))
        self.sounding.clear()

    def set_channel_type(self, ch, drum):
        (self.drum_channels.add if drum else self.drum_channels.discard)(ch)

    def program_now(self, ch, bank, program):
        self.programs[ch] = (bank, program)
        return True

    def control_now(self, ch, cc, value):
        self.controls[(ch, cc)] = value

    def ons(self, ch=None):
        return [(f, k) for f, kind, c, k, _ in self.applied if kind == "on" and ch in (None, c)]


def sixteenths(count, pitch=60, start=0, step=120, length=60):
    return tuple(Note(start + i * step, length, pitch) for i in range(count))


def make(score, *, run=True):
    backend = FakeBackend()
    started = []
    sched = Scheduler(
        backend,
        lookahead_frames=LOOKAHEAD,
        on_note_started=lambda t, n, f: started.append((t, n, f)),
    )
    sched.load_score(score)
    return backend, sched, started


def run_for(backend, sched, frames, step=256):
    states = []
    end = backend.frame + frames
    while backend.frame < end:
        backend.advance(step)
        states.append(sched.service())
    return states


def test_notes_land_on_exact_frames_from_the_anchor():
    score = Score((Track(notes=sixteenths(8)),))
    backend, sched, started = make(score)
    backend.advance(1000)
    sched.play(0)
    anchor = 1000 + LOOKAHEAD
    run_for(backend, sched, 60000)
    assert backend.ons() == [(anchor + i * 6000, 60) for i in range(8)]
    offs = [f for f, kind, *_ in backend.applied if kind == "off"]
    assert offs == [anchor + i * 6000 + 3000 for i in range(8)]
    assert [f for _, _, f in started] == [anchor + i * 6000 for i in range(8)]


def test_events_are_sent_ahead_but_never_beyond_the_window():
    score = Score((Track(notes=sixteenths(64)),))
    backend, sched, _ = make(score)
    sched.play(0)
    for _ in range(200):
        backend.advance(100)
        sched.service()
        ons = [f for f, kind, *_ in backend.pending if kind == "on"]
        assert all(backend.frame <= f < backend.frame + 2 * LOOKAHEAD for f in ons)


def test_position_tick_follows_the_audio_clock():
    score = Score((Track(notes=sixteenths(64)),))
    backend, sched, _ = make(score)
    sched.play(480)
    state = run_for(backend, sched, LOOKAHEAD + Q, step=LOOKAHEAD + Q)[-1]
    assert state.playing and state.tick == 960 and state.frame == LOOKAHEAD + Q
    assert state.us_per_quarter == 500_000


def test_tempo_change_moves_later_notes_exactly():
    tempo = TempoMap((TempoChange(0, 500_000), TempoChange(960, 250_000)))  # 120 -> 240 BPM
    score = Score((Track(notes=sixteenths(16)),), tempo_map=tempo)
    backend, sched, _ = make(score)
    sched.play(0)
    run_for(backend, sched, 100000)
    frames = [f - LOOKAHEAD for f, _ in backend.ons()]
    assert frames[:8] == [i * 6000 for i in range(8)]
    assert frames[8:] == [48000 + i * 3000 for i in range(8)]


def test_loop_wraps_seamlessly_and_counts_passes():
    notes = sixteenths(8)  # one bar at 480 PPQ is 1920 ticks: notes in the first half
    score = Score((Track(notes=notes),), loop=LoopRegion(0, 960), loop_enabled=True)
    backend, sched, _ = make(score)
    sched.play(0)
    states = run_for(backend, sched, 5 * 2 * Q)
    ons = [f - LOOKAHEAD for f, _ in backend.ons()]
    # 960 ticks = 2 quarters = 48000 frames a pass; 8 sixteenths per pass
    expected = [p * 48000 + i * 6000 for p in range(5) for i in range(8)]
    assert ons[: len(expected)] == expected
    assert max(s.loop_count for s in states) >= 4
    counts = [s.loop_count for s in states]
    assert counts == sorted(counts)


def test_loop_cuts_notes_at_the_loop_end():
    score = Score(
        (Track(notes=(Note(0, 480, 60), Note(720, 480, 62))),),
        loop=LoopRegion(0, 960),
        loop_enabled=True,
    )
    backend, sched, _ = make(score)
    sched.play(0)
    run_for(backend, sched, 3 * 48000)
    offs62 = [f - LOOKAHEAD for f, kind, c, k, _ in backend.applied if kind == "off" and k == 62]
    assert offs62[:2] == [48000, 96000]  # cut at the loop point, not 6000 frames later


def test_mute_and_solo_choose_the_audible_tracks():
    tracks = (
        Track(notes=sixteenths(4, 60)),
        Track(notes=sixteenths(4, 62), mute=True),
        Track(notes=sixteenths(4, 64)),
    )
    backend, sched, _ = make(Score(tracks))
    sched.play(0)
    run_for(backend, sched, 30000)
    assert sorted({k for _, k in backend.ons()}) == [60, 64]
    tracks = (tracks[0], tracks[1], Track(notes=sixteenths(4, 64), solo=True))
    backend, sched, _ = make(Score(tracks))
    sched.play(0)
    run_for(backend, sched, 30000)
    assert {k for _, k in backend.ons()} == {64}


def test_each_track_gets_its_own_channel_and_mix():
    tracks = (
        Track(program=5, volume=90, pan=10, notes=sixteenths(1, 60)),
        Track(is_drum=True, notes=sixteenths(1, 36)),
    )
    backend, sched, _ = make(Score(tracks))
    assert backend.programs == {0: (0, 5), 1: (128, 0)}
    assert backend.drum_channels == {1}
    assert backend.controls[(0, CC_VOLUME)] == 90 and backend.controls[(0, CC_PAN)] == 10
    sched.play(0)
    run_for(backend, sched, 10000)
    assert {(c, k) for f, kind, c, k, _ in backend.applied if kind == "on"} == {(0, 60), (1, 36)}
    sched.set_track_mix(0, program=7, volume=50)
    assert backend.programs[0] == (0, 7) and backend.controls[(0, CC_VOLUME)] == 50


def test_stop_releases_every_sounding_key_and_sends_nothing_more():
    long_notes = tuple(Note(i * 10, 4000, 60 + i) for i in range(6))
    backend, sched, _ = make(Score((Track(notes=long_notes),)))
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 3000)
    assert len(backend.sounding) == 6
    sched.stop()
    assert backend.sounding == {} and backend.pending == []
    assert ("all_notes_off", -1, -1) in backend.now_calls
    played = len(backend.applied)
    state = run_for(backend, sched, 100000)[-1]
    assert len(backend.applied) == played and not state.playing


def test_stop_then_play_resumes_where_it_stopped():
    backend, sched, _ = make(Score((Track(notes=sixteenths(64)),)))
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + Q, step=LOOKAHEAD + Q)
    sched.stop()
    assert sched.service().tick == 480
    sched.play()
    start = backend.frame + LOOKAHEAD
    run_for(backend, sched, 10000)
    assert backend.ons()[-2:] == [(start, 60), (start + 6000, 60)]


def test_locate_while_playing_releases_and_restarts_there():
    backend, sched, _ = make(Score((Track(notes=(Note(0, 9600, 50),) + sixteenths(8, 60, 1920)),)))
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 1000)
    assert (0, 50) in backend.sounding
    sched.locate(1920)
    assert (0, 50) not in backend.sounding
    anchor = backend.frame + LOOKAHEAD
    run_for(backend, sched, LOOKAHEAD + 7000)
    assert backend.ons()[-2:] == [(anchor, 60), (anchor + 6000, 60)]


def test_live_edit_deleting_a_sent_note_withdraws_it():
    notes = sixteenths(8)
    backend, sched, _ = make(Score((Track(notes=notes),)))
    sched.play(0)
    backend.advance(LOOKAHEAD + 5000)
    sched.service()
    assert any(f == LOOKAHEAD + 6000 for f, *_ in backend.pending)  # already sent
    sched.replace_score(Score((Track(notes=notes[:1] + notes[2:]),)))
    run_for(backend, sched, 50000)
    ons = [f - LOOKAHEAD for f, _ in backend.ons()]
    assert ons == [0] + [i * 6000 for i in range(2, 8)]
    assert backend.sounding == {}


def test_deleting_a_note_leaves_the_other_sent_notes_alone():
    # Only the deleted note's events are withdrawn: a note about to sound (in the zone a
    # real backend cannot tell "applied" from "pending") is not disturbed.
    a, b = Note(0, 60, 60), Note(20, 60, 62)
    backend, sched, _ = make(Score((Track(notes=(a, b)),)))
    backend.horizon_margin, backend.tag_slots = 150, 1024
    sched.play(0)
    backend.advance(LOOKAHEAD - 100)  # a is due in 100 frames
    sched.replace_score(Score((Track(notes=(a,)),)))
    run_for(backend, sched, 10000)
    assert backend.ons() == [(LOOKAHEAD, 60)] and backend.sounding == {}


def test_live_edit_deleting_a_sounding_note_releases_it_at_once():
    backend, sched, _ = make(Score((Track(notes=(Note(0, 1920, 60), Note(960, 60, 64))),)))
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 2000)
    assert (0, 60) in backend.sounding
    sched.replace_score(Score((Track(notes=(Note(960, 60, 64),)),)))
    assert (0, 60) not in backend.sounding
    run_for(backend, sched, 60000)
    assert backend.sounding == {} and [k for _, k in backend.ons()] == [60, 64]


def test_live_edit_adding_a_note_inside_the_sent_window_is_heard():
    backend, sched, _ = make(Score((Track(notes=sixteenths(4, 60, 0, 480)),)))
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 5000, step=LOOKAHEAD + 5000)
    assert backend.frame + LOOKAHEAD > LOOKAHEAD + 6000  # tick 120 was sent already
    added = Note(120, 30, 72)
    sched.replace_score(Score((Track(notes=sixteenths(4, 60, 0, 480) + (added,)),)))
    run_for(backend, sched, 80000)
    assert (LOOKAHEAD + 6000, 72) in backend.ons()
    assert [k for _, k in backend.ons()].count(60) == 4


def test_live_edit_moving_a_note_plays_it_once_at_its_new_place():
    notes = sixteenths(4)
    backend, sched, _ = make(Score((Track(notes=notes),)))
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 5000)
    moved = (notes[0], Note(150, 60, 60), notes[2], notes[3])
    sched.replace_score(Score((Track(notes=moved),)))
    run_for(backend, sched, 40000)
    assert [f - LOOKAHEAD for f, _ in backend.ons()] == [0, 7500, 12000, 18000]


def test_live_tempo_change_reanchors_without_moving_what_played():
    notes = sixteenths(16)
    backend, sched, _ = make(Score((Track(notes=notes),)))
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 10000, step=500)
    faster = TempoMap.constant(240)
    sched.replace_score(Score((Track(notes=notes),), tempo_map=faster))
    run_for(backend, sched, 80000, step=500)
    ons = [f - LOOKAHEAD for f, _ in backend.ons()]
    assert ons[:2] == [0, 6000]
    steps = {b - a for a, b in zip(ons[3:], ons[4:])}
    assert steps == {3000}  # after the change: sixteenths at 240 BPM
    assert len(ons) == 16 and backend.sounding == {}


def test_muting_a_track_while_playing_silences_it():
    tracks = (Track(notes=(Note(0, 4000, 60),)), Track(notes=(Note(0, 4000, 62),)))
    backend, sched, _ = make(Score(tracks))
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 1000)
    assert set(backend.sounding) == {(0, 60), (1, 62)}
    sched.set_track_mix(1, mute=True)
    assert set(backend.sounding) == {(0, 60)}


def test_preview_goes_straight_to_the_synth_and_panic_silences_all():
    backend, sched, _ = make(Score((Track(), Track(is_drum=True))))
    sched.preview_on(1, 38, 100)
    assert backend.now_calls[-1] == ("on", 1, 38) and backend.pending == []
    sched.preview_off(1, 38)
    assert backend.now_calls[-1] == ("off", 1, 38)
    sched.preview_on(0, 60, 100)
    sched.panic()
    assert backend.sounding == {}
    assert ("all_sounds_off", -1, -1) in backend.now_calls


def test_playback_stops_by_itself_at_the_end_of_the_score():
    backend, sched, _ = make(Score((Track(notes=sixteenths(4)),)))
    sched.play(0)
    states = run_for(backend, sched, 48000)
    assert states[0].playing and not states[-1].playing
    assert states[-1].tick == 420


def test_turning_the_loop_on_while_playing_wraps_at_its_end():
    score = Score((Track(notes=sixteenths(32)),), loop=LoopRegion(0, 960))
    backend, sched, _ = make(score)
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 20000, step=500)
    sched.set_loop(True)
    states = run_for(backend, sched, 100000, step=500)
    ons = [f - LOOKAHEAD for f, _ in backend.ons()]
    assert ons[:12] == [i * 6000 for i in range(8)] + [48000 + i * 6000 for i in range(4)]
    assert states[-1].loop_count == 2 and states[-1].tick < 960


def test_turning_the_loop_off_while_playing_runs_on_past_its_end():
    score = Score((Track(notes=sixteenths(16)),), loop=LoopRegion(0, 960), loop_enabled=True)
    backend, sched, _ = make(score)
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 60000, step=500)  # into the second pass
    sched.set_loop(False)
    states = run_for(backend, sched, 100000, step=500)
    ons = [f - LOOKAHEAD for f, _ in backend.ons()]
    # pass 1 starts at 48000 and now simply goes on to the end of the score
    assert ons[8:] == [48000 + i * 6000 for i in range(16)]
    assert backend.sounding == {} and not states[-1].playing


def test_note_start_callbacks_follow_the_clock_across_passes():
    score = Score((Track(notes=(Note(0, 60, 60),)),), loop=LoopRegion(0, 480), loop_enabled=True)
    backend, sched, started = make(score)
    sched.play(0)
    run_for(backend, sched, LOOKAHEAD + 3 * Q - 1, step=LOOKAHEAD + 3 * Q - 1)
    run_for(backend, sched, 1)
    assert [f for _, _, f in started] == [LOOKAHEAD + k * Q for k in range(4)]


def test_timeline_first_tick_boundaries_are_exact():
    tl = PlaybackTimeline(TempoMap.constant(137), 480, SR, 1234, 17, LoopRegion(0, 1000))
    for frame in range(1234, 400000, 997):
        index = tl.pass_at(frame)
        tick = tl.first_tick_from(index, frame)
        assert tl.frame_of(index, tick) >= frame
        if tick > tl.pass_start(index)[0]:
            assert tl.frame_of(index, tick - 1) < frame


def test_lookahead_must_be_positive():
    with pytest.raises(ValueError, match="lookahead"):
        Scheduler(FakeBackend(), lookahead_frames=0)


def test_resizing_a_sent_note_moves_its_note_off():
    notes = (Note(0, 60, 60), Note(120, 60, 62))
    backend, sched, _ = make(Score((Track(notes=notes),)))
    sched.play(0)
    run_for(backend, sched, 5000, step=5000)  # the second note is inside the sent window
    sched.replace_score(Score((Track(notes=(notes[0], Note(120, 240, 62))),)))
    run_for(backend, sched, 40000)
    offs62 = [f - LOOKAHEAD for f, kind, c, k, _ in backend.applied if kind == "off" and k == 62]
    assert offs62 == [6000 + 12000] and backend.sounding == {}


def _three_tracks(notes, bpm, loop, muted=None) -> Score:
    tracks = tuple(
        Track(notes=tuple(n for n, t in notes if t == i), is_drum=i == 2, mute=i == muted)
        for i in range(3)
    )
    return Score(
        tracks,
        loop=LoopRegion(0, 1920) if loop else None,
        loop_enabled=loop,
        tempo_map=TempoMap.constant(bpm) if bpm else TempoMap(),
    )


@given(
    st.lists(
        st.tuples(
            st.integers(0, 1900), st.integers(1, 600), st.integers(60, 63), st.integers(0, 2)
        ),
        min_size=1,
        max_size=25,
    ),
    st.lists(
        st.tuples(
            st.integers(0, 60_000),
            st.sets(st.integers(0, 24)),
            st.integers(-200, 200),
            st.sampled_from([None, 90, 150, 240]),
            st.booleans(),
            st.sampled_from([None, 0, 1, 2]),
        ),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
    st.integers(50, 3000),
)
def test_edits_at_any_moment_never_leave_a_note_sounding(raw, edits, loop, step):
    """Deletes, moves, mutes, tempo and loop changes at any moment: nothing sticks, ever.

    The fake's withdrawal leaves a real backend's uncertainty in: events up to 150 frames
    ahead may or may not have been applied, and notes last at least one 64-frame block.
    """
    notes = [(Note(s, length, pitch), t) for s, length, pitch, t in raw]
    backend, sched, _ = make(_three_tracks(notes, None, loop))
    backend.horizon_margin, backend.block_frames = 150, 64
    sched.play(0)
    for at, deleted, shift, bpm, loop_on, muted in edits:
        run_for(backend, sched, at, step=step)
        notes = [
            (replace(n, start_tick=max(0, n.start_tick + shift)) if i % 2 else n, t)
            for i, (n, t) in enumerate(notes)
            if i not in deleted
        ]
        sched.replace_score(_three_tracks(notes, bpm, loop_on, muted))
        for f, kind, c, k, _ in backend.pending:  # every queued note-on has its note-off
            assert kind == "off" or any(
                kind2 == "off" and (c2, k2) == (c, k) and f2 > f
                for f2, kind2, c2, k2, _ in backend.pending
            )
    run_for(backend, sched, 200_000, step=step)
    if not edits[-1][4]:  # not looping: the song is over and every note-off came by itself
        assert backend.sounding == {}
    sched.stop()
    assert backend.sounding == {} and backend.pending == []


@given(
    st.lists(
        st.tuples(st.integers(0, 1900), st.integers(1, 600), st.integers(60, 72)),
        min_size=1,
        max_size=25,
    ),
    st.integers(0, 150_000),
    st.sets(st.integers(0, 24)),
    st.booleans(),
    st.integers(50, 3000),
)
def test_deleted_notes_never_start_after_the_edit(raw, edit_at, deleted, loop, step):
    notes = tuple(Note(s, length, pitch) for s, length, pitch in raw)
    region = LoopRegion(0, 1920) if loop else None
    backend, sched, _ = make(Score((Track(notes=notes),), loop=region, loop_enabled=loop))
    backend.horizon_margin, backend.block_frames = 150, 64
    sched.play(0)
    run_for(backend, sched, edit_at, step=step)
    kept = tuple(n for i, n in enumerate(notes) if i not in deleted)
    sched.replace_score(Score((Track(notes=kept),), loop=region, loop_enabled=loop))
    # what was possibly applied already (the horizon) may sound; nothing later may
    horizon = backend.frame + backend.horizon_margin
    run_for(backend, sched, 2 * 96000, step=step)
    assert {k for f, k in backend.ons() if f > horizon} <= {n.pitch for n in kept}


def _sent_events(score, steps, frames):
    """Every note event the scheduler queues for ``frames`` of playback, serviced at the
    clock steps ``steps`` (cycled), as a sorted list."""
    backend, sched, _ = make(score)
    sched.play(0)
    sent = []
    backend.schedule_note_on = lambda f, ch, key, vel, tag=0: sent.append((f, "on", ch, key))
    backend.schedule_note_off = lambda f, ch, key, tag=0: sent.append((f, "off", ch, key))
    i = 0
    while backend.frame < frames:
        backend.advance(steps[i % len(steps)])
        sched.service()
        i += 1
    return sorted(e for e in sent if e[0] < frames)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 3000), st.integers(1, 500), st.integers(40, 80), st.integers(0, 3)
        ),
        min_size=1,
        max_size=30,
    ),
    st.lists(st.tuples(st.integers(1, 3000), st.integers(30, 300)), max_size=3),
    st.booleans(),
    st.lists(st.integers(50, 4000), min_size=1, max_size=5),
)
def test_what_is_sent_does_not_depend_on_how_often_service_runs(raw, tempos, loop, steps):
    """The scheduler skips windows it knows hold no note start: serviced in small or
    uneven steps it still sends exactly what large windows send, across tempo changes
    and loop passes."""
    tracks = tuple(
        Track(notes=tuple(Note(s, n, p) for s, n, p, t in raw if t == i)) for i in range(4)
    )
    tempo_map = TempoMap(
        (TempoChange(0, 500_000),)
        + tuple(TempoChange(tick, 60_000_000 // bpm) for tick, bpm in dict(tempos).items())
    )
    score = Score(
        tracks, tempo_map=tempo_map, loop=LoopRegion(240, 2400) if loop else None, loop_enabled=loop
    )
    frames = 8 * Q
    assert _sent_events(score, steps, frames) == _sent_events(score, [frames], frames)


def test_a_track_muted_and_unmuted_while_playing_is_heard_again():
    score = Score((Track(notes=sixteenths(64, pitch=60)), Track(notes=sixteenths(64, pitch=72))))
    backend, sched, _ = make(score)
    sched.play(0)
    run_for(backend, sched, 2 * Q, step=192)
    sched.set_track_mix(1, mute=True)
    run_for(backend, sched, 2 * Q, step=192)
    sched.set_track_mix(1, mute=False)
    run_for(backend, sched, 2 * Q, step=192)
    heard = [f - LOOKAHEAD for f, k in backend.ons(1)]
    silent = range(2 * Q + LOOKAHEAD, 4 * Q)  # muted from one look-ahead after the edit
    assert not [f for f in heard if f in silent]
    assert [f for f in heard if f >= 4 * Q + LOOKAHEAD] == list(
        range(4 * Q + 6000, 6 * Q - LOOKAHEAD + 1, 6000)
    )
