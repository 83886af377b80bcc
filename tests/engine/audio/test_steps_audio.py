"""Patterns heard: the engine process plays patterns into a private dummy JACK server and
a JACK client of ours records it; assertions are on the onsets found in the samples.

As in test_engine_audio, timing is relative (the constant latency is fitted) and each
stretch between dropped JACK cycles is aligned on its own.  The bounds asserted here are
generous so they hold on a busy machine; the 64-frame figures are `pianola bench steps`'s.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine.core import pattern_edits as pe
from engine.core.generators import apply_hits, euclid, parse_step_string
from engine.core.pattern_expand import pass_notes
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Score, Track
from engine.core.timing import TempoMap
from engine.measure.capture import Recorder
from engine.measure.onsets import find_onsets, match_onsets, suggest_threshold, timing_stats

pytestmark = pytest.mark.audio

RATE = 48000
PPQ = 480
RIM, HAT = 37, 42
ENGINE_PORTS = r"^pianola:"
SILENT = 1e-4
GENEROUS_FRAMES = 256  # holds on a busy machine; the benchmark measures against 64


def drum_song(bpm: float, *lanes_by_pattern, swing: int = 50, length: int = 16):
    """A drum track and one pattern per list of (key, steps)."""
    score = Score(
        tracks=(Track("Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True),),
        ppq=PPQ,
        tempo_map=TempoMap.constant(bpm),
    )
    ids = []
    for i, lanes in enumerate(lanes_by_pattern):
        pattern = pe.new_pattern(f"P{i}", keys=[k for k, _ in lanes], length_steps=length)
        score = pe.add_pattern(score, pattern)
        score = pe.set_pattern_settings(score, pattern.id, swing=swing)
        for lane, (_, steps) in zip(pattern.lanes, lanes):
            score = pe.set_lane_steps(score, pattern.id, lane.id, steps)
        ids.append(pattern.id)
    return score, ids


class Heard:
    """Load ``score`` in pattern mode on ``pattern_id``, record while it loops."""

    def __init__(self, engine, jack_server, score, pattern_id, seconds):
        self.engine, self.score, self.pattern_id = engine, score, pattern_id
        self.recorder = Recorder(
            ENGINE_PORTS, channels=2, server_name=jack_server, max_seconds=seconds + 2
        )

    def __enter__(self):
        self.engine.poll_events()
        self.engine.stop()
        self.engine.load_score(self.score)
        self.engine.set_play_mode("pattern", self.pattern_id, 0)
        self.recorder.__enter__()
        self.recorder.start()
        time.sleep(0.05)
        self.engine.play(0)
        return self

    def wait(self, condition, timeout_s=8.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            position = self.engine.read_position()
            if position.playing and condition(position):
                return position
            time.sleep(0.002)
        raise AssertionError(f"the engine never reached the expected position: {position}")

    def finish(self):
        self.engine.stop()
        self.recording = self.recorder.stop()
        return self.recording

    def __exit__(self, *exc):
        self.engine.stop()
        self.engine.set_play_mode("song")
        self.recorder.__exit__(*exc)

    def onsets(self, min_gap_frames):
        mag = self.recording.magnitude()
        found = find_onsets(mag, suggest_threshold(mag, 0.1), min_gap_frames)
        return self.recording.stream_frames(found)

    def match(self, expected, heard, tolerance):
        return match_onsets(expected, heard, tolerance, breaks=self.recording.gap_frames())


def frames_of(score, ticks):
    return np.array([score.tempo_map.tick_to_frame(t, score.ppq, RATE) for t in ticks])


def test_sixteen_steps_at_137_bpm_land_on_their_grid(engine, jack_server):
    steps = parse_step_string("x" * 16)
    score, (a,) = drum_song(137, [(HAT, steps)])
    with Heard(engine, jack_server, score, a, 4.0) as h:
        h.wait(lambda pos: pos.pattern_pass >= 1 and pos.pattern_step >= 4)
        h.finish()
        heard = h.onsets(min_gap_frames=2000)  # a sixteenth at 137 BPM is 5255 frames
    ticks = [i * 120 for i in range(len(heard))]
    match = h.match(frames_of(score, ticks), heard, 2000)
    assert len(heard) >= 20
    assert match.all_matched, (match.missing, match.extra)
    assert timing_stats(match, RATE).worst_frames <= GENEROUS_FRAMES, match.errors


def test_swing_62_moves_exactly_the_off_beat_steps(engine, jack_server):
    steps = parse_step_string("x" * 16)
    score, (a,) = drum_song(120, [(HAT, steps)], swing=62)
    with Heard(engine, jack_server, score, a, 3.5) as h:
        h.wait(lambda pos: pos.pattern_pass >= 1 and pos.pattern_step >= 2)
        h.finish()
        heard = h.onsets(min_gap_frames=2000)
    pattern = score.pattern(a)
    expected = [n.start_tick for n in pass_notes(pattern, 0, 0, PPQ, 0)]
    expected += [1920 + t for t in expected]
    # (62 - 50) * 2 * 120 / 100 = 28.8 -> 29 ticks late: 1450 frames at 120 BPM
    assert expected[:4] == [0, 149, 240, 389]
    match = h.match(frames_of(score, expected[: len(heard)]), heard, 1000)
    assert match.all_matched and len(heard) >= 18, (match.missing, match.extra)
    errors = np.asarray(match.errors)
    assert np.all(np.abs(errors) <= GENEROUS_FRAMES), errors
    # step to step: 6000 + 1450 frames onto each off-beat, 6000 - 1450 back onto the beat
    stretch = np.searchsorted(h.recording.gap_frames(), heard, side="right")
    intervals = np.diff(heard)
    same = stretch[1:] == stretch[:-1]
    onto_off = intervals[0::2][same[0::2]]
    onto_beat = intervals[1::2][same[1::2]]
    assert np.all(np.abs(onto_off - 7450) <= GENEROUS_FRAMES), intervals
    assert np.all(np.abs(onto_beat - 4550) <= GENEROUS_FRAMES), intervals


def test_a_queued_pattern_lands_on_the_boundary_with_no_gap(engine, jack_server):
    every = parse_step_string("x" * 16)
    eighths = parse_step_string("x." * 8)
    score, (a, b) = drum_song(150, [(HAT, every)], [(RIM, eighths)])
    sixteenth = RATE * 60 // 150 // 4  # 4800 frames
    with Heard(engine, jack_server, score, a, 5.0) as h:
        h.wait(lambda pos: pos.pattern_pass == 0 and pos.pattern_step >= 7)  # mid-pattern
        engine.queue_pattern(b)
        position = h.wait(lambda pos: score.patterns[pos.pattern_index].id == b, 4.0)
        assert position.pattern_pass == 0
        h.wait(lambda pos: pos.pattern_pass >= 1)
        h.finish()
        heard = h.onsets(min_gap_frames=2000)
    # 16 sixteenths of A, then B's eighths from the next sixteenth on: one grid
    expected = [i * sixteenth for i in range(16)] + [(16 + 2 * i) * sixteenth for i in range(8)]
    match = h.match(np.array(expected), heard[:24], 2000)
    assert len(heard) >= 24 and match.all_matched, (match.missing, match.extra)
    assert timing_stats(match, RATE).worst_frames <= GENEROUS_FRAMES, match.errors


def test_steps_toggled_while_playing_are_heard_this_pass_or_not_and_nothing_hangs(
    engine, jack_server
):
    steps = parse_step_string("x" + "." * 7 + "x" + "." * 7)
    score, (a,) = drum_song(120, [(HAT, steps)])
    lane = score.pattern(a).lanes[0].id
    sixteenth = RATE // 8  # 6000 frames
    with Heard(engine, jack_server, score, a, 5.0) as h:
        position = h.wait(lambda pos: pos.pattern_pass == 1 and 1 <= pos.pattern_step <= 2)
        # at least 30 ms ahead: step 4 starts more than a sixteenth from now; step 8 too
        score = pe.set_step(score, a, lane, 4, on=True)
        score = pe.set_step(score, a, lane, 8, on=False)
        engine.replace_score(score)
        h.wait(lambda pos: pos.pattern_pass == 2 and pos.pattern_step >= 2)
        h.finish()
        heard = h.onsets(min_gap_frames=2000)
        mag = h.recording.magnitude()
    assert position.pattern_pass == 1
    pass_frames = 16 * sixteenth
    expected = [0, 8 * sixteenth, pass_frames, pass_frames + 4 * sixteenth, 2 * pass_frames]
    match = h.match(np.array(expected), heard, 2000)
    assert match.all_matched, (match.missing, match.extra, heard - heard[0])
    # nothing is left sounding after stop: the end of the recording is silent
    assert np.all(mag[-RATE // 20 :] < SILENT)


def test_e_3_8_at_120_bpm_sounds_on_steps_0_3_6(engine, jack_server):
    score, (a,) = drum_song(120, [(RIM, apply_hits((), euclid(3, 8)))], length=8)
    with Heard(engine, jack_server, score, a, 3.0) as h:
        h.wait(lambda pos: pos.pattern_pass >= 1 and pos.pattern_step >= 7)
        h.finish()
        heard = h.onsets(min_gap_frames=2000)
    sixteenth = RATE // 8
    steps = np.round((heard - heard[0]) / sixteenth).astype(int)
    assert list(steps[:6]) == [0, 3, 6, 8, 11, 14]
    match = h.match(np.array([s * sixteenth for s in steps[:6]]), heard[:6], 2000)
    assert timing_stats(match, RATE).worst_frames <= GENEROUS_FRAMES


def test_a_locate_while_a_pattern_plays_goes_on_from_that_step(engine, jack_server):
    # hits on steps 0 and 3: heard 3 then 13 sixteenths apart, so a jump to step 3 shows
    score, (a,) = drum_song(120, [(HAT, parse_step_string("x..x" + "." * 12))])
    sixteenth = RATE // 8  # 6000 frames
    with Heard(engine, jack_server, score, a, 6.0) as h:
        h.wait(lambda pos: pos.pattern_pass == 1 and 6 <= pos.pattern_step <= 9)
        engine.locate(3 * 120)  # step 3 of the pass sounding
        after = h.wait(lambda pos: pos.pattern_step < 6 and pos.tick >= 3 * 120, 4.0)
        assert after.pattern_pass == 1  # the pass goes on: the pattern's place moved
        h.wait(lambda pos: pos.pattern_pass == 2 and pos.pattern_step >= 5)
        h.finish()
        heard = h.onsets(min_gap_frames=2000)
        mag = h.recording.magnitude()
    steps = np.round(np.diff(heard) / sixteenth).astype(int)
    # pass 0: 0, 3; pass 1: 0, 3, then (the jump) 3 again, pass 2: 0, 3
    assert len(heard) == 7, steps
    assert list(steps[:3]) == [3, 13, 3]
    assert list(steps[4:]) == [13, 3]
    assert 3 <= steps[3] <= 8  # located from step 6-9 back to 3: sooner than the next pass
    on_grid = np.abs(np.diff(heard) - steps * sixteenth)
    assert np.all(on_grid[[0, 1, 2, 4, 5]] <= GENEROUS_FRAMES), on_grid
    assert np.all(mag[-RATE // 20 :] < SILENT)  # nothing left sounding after stop
