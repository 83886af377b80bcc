"""The Link follower's logic against a session and clock of known maths (pure).

The session here is a beat line that a "peer" can re-tempo, exactly as Link's timeline
behaves (the beat never jumps at a tempo change); the clock maps host microseconds to
synth frames with a chosen rate error and latency.  The scheduler and its recording fake
backend are the ones the scheduler's own tests use, so every note-on frame is exact and
can be converted back to the session's beat.  The real Link library, with a real peer, is
tested in test_link_session.py.
"""

from __future__ import annotations

import math

import pytest

from engine.core.score import Note, Score, Track
from engine.core.timing import TempoMap
from engine.realtime.scheduler import Scheduler
from engine.sync.link_follower import LinkFollower
from tests.engine.realtime.test_scheduler import FakeBackend

SR = 48000
PPQ = 480
LATENCY = 512


class BeatLine:
    """A Link session's timeline: beat(t) = beat0 + (t - t0) * bpm / 60e6."""

    def __init__(self, bpm: float, quantum: float = 4.0, start_stop_sync: bool = True):
        self.bpm, self.t0, self.beat0 = bpm, 0.0, 0.0
        self.quantum = quantum
        self.start_stop_sync = start_stop_sync
        self.now = 0
        self.peers = 1
        self.playing = False
        self.playing_changed_us = 0
        self.tempo_requests: list[float] = []

    def now_us(self) -> int:
        return int(self.now)

    def beat_at(self, t: float) -> float:
        return self.beat0 + (t - self.t0) * self.bpm / 60e6

    def time_at_beat(self, beat: float) -> float:
        return self.t0 + (beat - self.beat0) * 60e6 / self.bpm

    def next_quantum_beat(self, t: float) -> float:
        return math.ceil(self.beat_at(t) / self.quantum) * self.quantum

    def snapshot(self):
        from engine.sync.link_session import LinkSnapshot

        return LinkSnapshot(
            self.now, self.bpm, self.beat_at(self.now), self.peers, self.playing,
            self.playing_changed_us,
        )  # fmt: skip

    def retempo(self, bpm: float, at_us: float) -> None:
        self.beat0, self.t0, self.bpm = self.beat_at(at_us), at_us, bpm

    def set_tempo(self, bpm: float, host_us=None) -> None:
        self.tempo_requests.append(bpm)
        self.retempo(bpm, self.now if host_us is None else host_us)

    def set_playing(self, playing: bool, host_us: int) -> None:
        self.playing, self.playing_changed_us = playing, host_us


class LinearClock:
    """Host us <-> synth frames heard, with the audio clock ``ppm`` fast."""

    ready = usable = True

    def __init__(self, ppm: float = 0.0, latency: int = LATENCY, offset_us: float = 1_000_000):
        self.rate_ratio = 1 + ppm * 1e-6
        self.rate = SR * self.rate_ratio / 1e6
        self.latency = latency
        self.offset_us = offset_us  # the host clock was not at 0 when the synth started

    def update(self, synth_now: int) -> None:
        pass

    def synth_frame_heard_at(self, host_us: float) -> float:
        return (host_us - self.offset_us) * self.rate - self.latency

    def host_us_heard_at(self, frame: float) -> float:
        return (frame + self.latency) / self.rate + self.offset_us


def quarters(n: int) -> Score:
    notes = tuple(Note(i * PPQ, PPQ // 4, 60, 100) for i in range(n))
    return Score(tracks=(Track("t", notes=notes),), tempo_map=TempoMap.constant(100.0), ppq=PPQ)


def make(bpm=120.0, ppm=0.0, quantum=4.0):
    backend = FakeBackend()
    backend.frame = 96_000
    session = BeatLine(bpm, quantum)
    clock = LinearClock(ppm)
    scheduler = Scheduler(backend, lookahead_frames=1440, stop_at_end=False)
    said: list[str] = []
    follower = LinkFollower(scheduler, session, clock, say=said.append)

    def run(frames: int, step: int = 192) -> None:
        for _ in range(frames // step):
            backend.advance(step)
            # what the synth renders now is heard one latency later
            session.now = clock.host_us_heard_at(backend.frame) - LATENCY / SR * 1e6
            follower.service()
            scheduler.service()

    return backend, session, clock, scheduler, follower, said, run


def heard_beats(backend, clock, session):
    """The session beat at which each applied note-on is heard."""
    return [
        session.beat_at(clock.host_us_heard_at(frame))
        for frame, kind, *_ in backend.applied
        if kind == "on"
    ]


def test_plays_at_the_sessions_tempo_and_starts_on_the_quantum():
    backend, session, clock, scheduler, follower, said, run = make(bpm=97.0)
    scheduler.load_score(follower.adapt(quarters(64)))
    run(4800)
    follower.start(0)
    run(SR * 6)
    beats = heard_beats(backend, clock, session)
    assert len(beats) >= 5
    assert beats[0] % 4 == pytest.approx(0, abs=1e-3)  # the bar line, not "now"
    for a, b in zip(beats, beats[1:]):
        assert b - a == pytest.approx(1.0, abs=2 / SR * 97 / 60)  # within two frames


def test_a_peers_tempo_change_is_followed_without_a_jump():
    backend, session, clock, scheduler, follower, said, run = make(bpm=120.0)
    scheduler.load_score(follower.adapt(quarters(64)))
    follower.start(0)
    run(SR * 2)
    session.retempo(140.0, session.now)
    run(SR * 3)
    beats = heard_beats(backend, clock, session)
    changed = session.beat_at(session.t0)
    later = [b for b in beats if b > changed + 1]  # followed within one beat
    assert len(later) >= 5
    for b in later:
        assert b == pytest.approx(round(b), abs=2 / SR * 140 / 60)
    assert follower.tempo_bpm == pytest.approx(140.0, abs=0.01)
    assert any("140.00 BPM" in s for s in said)


def test_an_audio_clock_running_fast_plays_more_frames_per_beat():
    backend, session, clock, scheduler, follower, said, run = make(bpm=120.0, ppm=300)
    scheduler.load_score(follower.adapt(quarters(200)))
    follower.start(0)
    run(SR * 30)
    beats = heard_beats(backend, clock, session)
    worst = max(abs(b - round(b)) for b in beats) * 0.5 * SR  # in frames at 120 BPM
    assert worst <= 2
    # 300 ppm is 14 frames a second: followed by the tempo, not by re-timing each time
    assert follower.retimes <= 2
    assert scheduler.score.tempo_map.changes[0].us_per_quarter == 500_150


def test_the_beat_is_pulled_back_when_the_music_strays():
    backend, session, clock, scheduler, follower, said, run = make(bpm=120.0)
    scheduler.load_score(follower.adapt(quarters(200)))
    follower.start(0)
    run(SR * 2)
    clock.latency += 96  # the output now reaches the speaker 2 ms later (ports moved)
    run(SR * 3)
    beats = heard_beats(backend, clock, session)
    later = beats[-4:]
    assert all(abs(b - round(b)) * 0.5 * SR <= follower.max_error_frames for b in later), later
    # pulled back by re-timing what was not yet sent, a little each period: no beat lost
    assert follower.retimes >= 1 and follower.catch_ups == 0
    assert [round(b) for b in beats] == list(range(round(beats[0]), round(beats[-1]) + 1))


def test_pianolas_own_tempo_change_goes_to_the_session():
    backend, session, clock, scheduler, follower, said, run = make(bpm=120.0)
    score = quarters(16)
    scheduler.load_score(follower.adapt(score))
    faster = Score(tracks=score.tracks, tempo_map=TempoMap.constant(150.0), ppq=PPQ)
    played = follower.adapt(faster)
    assert session.tempo_requests == [pytest.approx(150.0)]
    run(960)
    assert follower.tempo_bpm == pytest.approx(150.0)
    assert played.tempo_map.changes[0].us_per_quarter == 500_000  # until the session says so


def test_start_stop_sync_follows_a_peer():
    backend, session, clock, scheduler, follower, said, run = make(bpm=120.0)
    scheduler.load_score(follower.adapt(quarters(64)))
    run(4800)
    session.set_playing(True, session.now + 333_000)  # a peer presses play off the bar
    run(SR * 3)
    assert scheduler.position().playing
    beats = heard_beats(backend, clock, session)
    assert beats[0] % 4 == pytest.approx(0, abs=1e-3)
    assert session.time_at_beat(beats[0]) >= session.playing_changed_us
    session.set_playing(False, session.now)
    run(960)
    assert not scheduler.position().playing


def test_the_last_peer_leaving_is_said_once_and_playing_goes_on():
    backend, session, clock, scheduler, follower, said, run = make(bpm=120.0)
    scheduler.load_score(follower.adapt(quarters(64)))
    follower.start(0)
    run(SR)
    session.peers = 0
    run(SR)
    assert said.count("The last Link peer left: playing on at 120.00 BPM.") == 1
    assert scheduler.position().playing


def test_music_later_than_the_look_ahead_catches_up_with_the_session():
    backend, session, clock, scheduler, follower, said, run = make(bpm=120.0)
    scheduler.load_score(follower.adapt(quarters(200)))
    follower.start(0)
    run(SR * 2)
    clock.latency += 7200  # 150 ms: later than a late note may still sound
    run(SR * 3)
    later = heard_beats(backend, clock, session)[-4:]
    assert all(abs(b - round(b)) * 0.5 * SR <= follower.max_error_frames for b in later), later
    assert follower.catch_ups == 1
