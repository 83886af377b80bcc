"""Following an incoming MIDI clock: the session built from pulses, and the music on
them (pure: the scheduler runs on its recording fake backend, the pulses are stamped as a
JACK MIDI port would stamp them)."""

from __future__ import annotations

import pytest

from engine.realtime.scheduler import Scheduler
from engine.sync.midi_clock import song_position
from engine.sync.midi_clock_in import (
    CLOCK,
    CONTINUE,
    START,
    STOP,
    MidiClockFollower,
    MidiClockSession,
    fit_pulses,
)
from tests.engine.realtime.test_scheduler import FakeBackend
from tests.engine.sync.test_link_follower import quarters

SR = 48000
OFFSET = 5_000_000  # JACK's frame count minus the synth's


class SameClock:
    """JACK frames <-> synth frames: a constant apart, as on one JACK server."""

    ready = usable = True
    rate_ratio = 1.0

    def update(self, synth_now: int) -> None:
        pass

    def synth_frame_heard_at(self, jack_frame: float) -> float:
        return jack_frame - OFFSET

    def host_us_heard_at(self, synth_frame: float) -> float:
        return synth_frame + OFFSET


class Sender:
    """Another program's clock: pulses at ``bpm`` from JACK frame ``start``."""

    def __init__(self, bpm: float, start: int):
        self.frames_per_pulse = 60 * SR / (bpm * 24)
        self.next = float(start)
        self.queue: list[tuple[int, bytes]] = []
        self.sent_until = start

    def message(self, frame: int, data: bytes) -> None:
        self.queue.append((frame, data))

    def run_until(self, frame: int) -> None:
        while self.next <= frame:
            self.queue.append((round(self.next), bytes((CLOCK,))))
            self.next += self.frames_per_pulse

    def received(self):
        out, self.queue = self.queue, []
        return out


def make(bpm=97.0):
    backend = FakeBackend()
    backend.frame = 96_000
    scheduler = Scheduler(backend, lookahead_frames=1440, stop_at_end=False)
    said: list[str] = []
    sender = Sender(bpm, OFFSET + backend.frame)
    session = MidiClockSession(
        SR, lambda: backend.frame + OFFSET, 480, say=said.append, locate=scheduler.locate
    )
    follower = MidiClockFollower(scheduler, session, SameClock(), sender.received, said.append)
    scheduler.load_score(follower.adapt(quarters(400)))

    def run(frames: int, step: int = 192) -> None:
        for _ in range(frames // step):
            backend.advance(step)
            sender.run_until(backend.frame + OFFSET)
            follower.service()
            scheduler.service()

    return backend, scheduler, sender, session, follower, said, run


def onsets(backend) -> list[int]:
    return [frame for frame, kind, *_ in backend.applied if kind == "on"]


def test_the_tempo_is_within_a_tenth_of_a_percent_after_one_bar():
    backend, scheduler, sender, session, follower, said, run = make(97.0)
    run(int(4 * 60 / 97 * SR))  # one bar of 4/4
    assert session.snapshot().tempo_bpm == pytest.approx(97.0, rel=1e-3)


def test_start_plays_from_the_top_on_the_pulses_at_their_tempo():
    backend, scheduler, sender, session, follower, said, run = make(97.0)
    run(SR)  # the clock runs before the start, as clocks do
    start = round(sender.next)
    sender.message(start - 10, bytes((START,)))
    run(6 * SR)
    heard = onsets(backend)
    assert len(heard) >= 8
    beat = 24 * sender.frames_per_pulse
    bound = follower.follower.max_error_frames + 1  # a quarter of a millisecond
    # every quarter sounds on the sender's beat: (frame - start) is a whole number of beats;
    # the first, read only once its pulse has passed, sounds at once: late, never lost
    first = (heard[0] + OFFSET - start) / beat
    assert round(first) == 0 and 0 <= first * beat <= 2 * 1440, first
    for frame in heard[1:]:
        beats = (frame + OFFSET - start) / beat
        assert abs(beats - round(beats)) * beat <= bound, beats
    steps = [b - a for a, b in zip(heard[1:], heard[2:])]
    assert all(abs(s - beat) <= 2 * bound for s in steps)  # 97 BPM, not the song's 100
    # and the note at tick 0 was the one on the start pulse, or a later one of the count
    assert scheduler.position().playing


def test_stop_stops_and_a_song_position_then_continue_plays_from_there():
    backend, scheduler, sender, session, follower, said, run = make(120.0)
    run(SR // 2)
    sender.message(round(sender.next) - 5, bytes((START,)))
    run(2 * SR)
    sender.message(backend.frame + OFFSET, bytes((STOP,)))
    run(SR // 2)
    assert not scheduler.position().playing
    sender.message(backend.frame + OFFSET, song_position(16 * 480, 480))  # bar 5
    run(960)
    assert scheduler.position().tick == 16 * 480
    backend.applied.clear()
    sender.message(round(sender.next) - 5, bytes((CONTINUE,)))
    run(2 * SR)
    assert scheduler.position().playing
    assert scheduler.position().tick > 16 * 480  # from bar 5 on, not from the top


def test_an_absurd_rate_is_refused_once():
    backend, scheduler, sender, session, follower, said, run = make(1500.0)
    run(SR)
    refused = [s for s in said if "outside 20-999 BPM" in s]
    assert refused == [said[0]] and len(refused) == 1
    assert "1500 BPM" in refused[0]


def test_a_clock_that_stops_arriving_is_said_once_and_the_music_plays_on():
    backend, scheduler, sender, session, follower, said, run = make(120.0)
    run(SR // 2)
    sender.message(round(sender.next) - 5, bytes((START,)))
    run(2 * SR)
    sender.frames_per_pulse = 1e12  # the sender goes quiet
    sender.next = 1e15
    run(2 * SR)
    assert said.count("The MIDI clock stopped arriving: playing on at 120.00 BPM.") == 1
    assert scheduler.position().playing


def test_the_pulse_fit_is_a_least_squares_line():
    line = fit_pulses([(1, 1000), (2, 2000), (3, 3002), (4, 3998)])
    assert line.frames_per_pulse == pytest.approx(999.6)
    assert fit_pulses([(1, 1000)]) is None


def test_a_pulse_lost_on_the_way_does_not_move_the_beat():
    """A JACK cycle the port's client missed loses its pulses; on a steady clock the
    gap counts them, so the beat stays on the sender's and the tempo is right."""
    backend, scheduler, sender, session, follower, said, run = make(97.0)
    sent = []
    run_until = sender.run_until

    def losing(frame: int) -> None:  # every 40th pulse never arrives
        before = len(sender.queue)
        run_until(frame)
        for i in range(before, len(sender.queue)):
            sent.append(sender.queue[i][0])
        sender.queue = [(f, d) for f, d in sender.queue if sent.index(f) % 40 != 39]

    sender.run_until = losing
    run(4 * SR)
    assert session.snapshot().tempo_bpm == pytest.approx(97.0, rel=1e-4)
    assert session.beat_at(sent[-1]) == pytest.approx(len(sent) / 24, abs=0.01)
