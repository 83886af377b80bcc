"""Pattern mode under a sync source: the Link follower moves the pattern player through
the sync target, against the session and clock of known maths of the follower's own
tests and the scheduler's recording fake backend (pure: every frame is exact).  The real
Link library with a real peer: tests/engine/sync/test_pattern_link.py."""

from __future__ import annotations

import pytest

from engine.realtime.pattern_player import PatternPlayer
from engine.realtime.scheduler import Scheduler
from engine.realtime.sync_target import SyncTarget
from engine.sync.link_follower import LinkFollower
from tests.engine.realtime.test_pattern_player import FOUR, song
from tests.engine.realtime.test_scheduler import FakeBackend
from tests.engine.sync.test_link_follower import SR, BeatLine, LinearClock, heard_beats


def rig(bpm: float = 97.0):
    score, (a,) = song(FOUR)  # a kick on every quarter, 16 sixteenths a pass: one bar
    backend = FakeBackend()
    backend.frame = 96_000
    session = BeatLine(bpm)
    clock = LinearClock()
    scheduler = Scheduler(backend, lookahead_frames=1440, stop_at_end=False)
    box: dict = {}
    player = PatternPlayer(scheduler, imposed_tempo=lambda: box["follower"]._us_per_quarter)
    follower = box["follower"] = LinkFollower(SyncTarget(scheduler, player), session, clock)
    player.load_score(score)
    player.set_mode("pattern", a, 0)

    def run(frames: int, step: int = 192):
        state = None
        for _ in range(frames // step):
            backend.advance(step)
            session.now = clock.host_us_heard_at(backend.frame) - 512 / SR * 1e6
            follower.service()
            state = scheduler.service()
            player.maintain(state.tick, state.playing)
        return state

    return backend, session, clock, scheduler, player, follower, run


def on_the_beats(beats, tolerance=2 / SR * 133 / 60):
    return all(b - a == pytest.approx(1.0, abs=tolerance) for a, b in zip(beats, beats[1:]))


def test_pattern_mode_starts_on_the_quantum_at_the_sessions_tempo():
    backend, session, clock, scheduler, player, follower, run = rig()
    run(4800)
    follower.start(None)  # what Play does in pattern mode under Link
    state = run(SR * 8)  # longer than the window: it is moved on at the session's tempo
    beats = heard_beats(backend, clock, session)
    assert len(beats) >= 10
    assert beats[0] % 4 == pytest.approx(0, abs=1e-3)  # the pattern's start on the bar
    assert on_the_beats(beats)
    shown = player.published(state)
    assert shown.pattern_pass >= 2 and 0 <= shown.tick < 1920  # the place in the pattern
    # the pattern's bar is the session's bar: step 0 on every quantum boundary
    assert all(round(b) % 4 == i % 4 for i, b in enumerate(beats))


def test_a_peers_tempo_change_moves_the_pattern_with_it_on_the_beat():
    backend, session, clock, scheduler, player, follower, run = rig()
    run(4800)
    follower.start(None)
    run(SR * 3)
    session.retempo(133.0, session.now)
    changed = session.beat_at(session.now)
    run(SR * 6)
    # (the session's line is the new one: beats before the change are not on it)
    beats = [b for b in heard_beats(backend, clock, session) if b >= changed]
    assert beats[0] < changed + 1.01 and beats[-1] > changed + 12
    assert on_the_beats(beats)  # no beat lost, doubled or off after the change
    assert scheduler.score.tempo_map.changes[0].bpm == pytest.approx(133.0, rel=1e-4)


def test_a_peers_start_and_stop_start_and_stop_the_pattern():
    backend, session, clock, scheduler, player, follower, run = rig()
    run(4800)
    session.set_playing(True, session.now_us() + 100_000)
    run(SR * 3)
    assert scheduler.position().playing
    beats = heard_beats(backend, clock, session)
    assert beats and beats[0] % 4 == pytest.approx(0, abs=1e-3) and on_the_beats(beats)
    session.set_playing(False, session.now_us())
    run(SR // 2)
    assert not scheduler.position().playing
    assert not backend.sounding
    assert player.published(scheduler.position()).tick < 1920  # stopped in the pattern


def clock_rig(bpm: float = 120.0):
    """Pattern mode under a MIDI clock of another program (the clock-in tests' sender)."""
    from engine.sync.midi_clock_in import MidiClockFollower, MidiClockSession
    from tests.engine.sync.test_midi_clock_in import OFFSET, SameClock, Sender

    score, (a,) = song(FOUR)
    backend = FakeBackend()
    backend.frame = 96_000
    scheduler = Scheduler(backend, lookahead_frames=1440, stop_at_end=False)
    box: dict = {}
    player = PatternPlayer(
        scheduler, imposed_tempo=lambda: box["follower"].follower._us_per_quarter
    )
    target = SyncTarget(scheduler, player)
    sender = Sender(bpm, OFFSET + backend.frame)
    session = MidiClockSession(SR, lambda: backend.frame + OFFSET, 480, locate=target.locate)
    box["follower"] = MidiClockFollower(target, session, SameClock(), sender.received)
    player.load_score(score)
    player.set_mode("pattern", a, 0)

    def run(frames: int, step: int = 192):
        state = None
        for _ in range(frames // step):
            backend.advance(step)
            sender.run_until(backend.frame + OFFSET)
            box["follower"].service()
            state = scheduler.service()
            player.maintain(state.tick, state.playing)
        return state

    return backend, scheduler, player, sender, run


def test_a_midi_clocks_start_stop_and_song_position_move_the_pattern():
    from engine.sync.midi_clock import song_position
    from engine.sync.midi_clock_in import CONTINUE, START, STOP
    from tests.engine.sync.test_midi_clock_in import OFFSET

    backend, scheduler, player, sender, run = clock_rig(120.0)
    run(SR // 2)
    start = round(sender.next)
    sender.message(start - 5, bytes((START,)))
    run(3 * SR)
    beat = 24 * sender.frames_per_pulse  # a quarter: the pattern's kicks
    kicks = [f + OFFSET - start for f, _ in backend.ons()]
    assert len(kicks) >= 5
    assert all(abs(k / beat - round(k / beat)) * beat <= 16 for k in kicks[1:])  # on its beats
    sender.message(backend.frame + OFFSET, bytes((STOP,)))
    run(SR // 2)
    assert not scheduler.position().playing and not backend.sounding
    # a song position of bar 5, beat 2 (a sixteenth in), then Continue: the pattern (one
    # bar) goes on at its own place there, pass 4
    sender.message(backend.frame + OFFSET, song_position(4 * 1920 + 480 + 120, 480))
    run(960)
    assert player.published(scheduler.position()).tick == 480 + 120
    sender.message(round(sender.next) - 5, bytes((CONTINUE,)))
    state = run(SR)
    shown = player.published(state)
    assert state.playing and shown.pattern_pass == 4 and shown.pattern_step >= 6
