"""A meter change "at the next bar" heard: the engine process plays the metronome into the
private JACK server, a JACK client of ours records it, and the clicks found in the
samples show the new meter from exactly the bar the engine said."""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap
from engine.measure.capture import Recorder
from engine.measure.onsets import find_onsets, match_onsets, suggest_threshold

pytestmark = pytest.mark.audio

RATE, PPQ = 48000, 480
QUARTER = RATE // 2  # frames at 120 BPM
GENEROUS_FRAMES = 256  # holds on a busy machine; onsets are within a block when idle


def wait_for(engine, condition, timeout_s=8.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for event in engine.poll_events():
            if condition(event):
                return event
        time.sleep(0.002)
    raise AssertionError("the engine never said it")


def test_a_meter_chosen_while_playing_is_heard_from_the_next_bar(engine, jack_server):
    # a quiet song (one soft note far off) looping over eight bars of 4/4: only clicks
    song = Score(
        tracks=(Track("Piano", notes=(Note(7 * 1920, 10, 30, 1),)),),
        ppq=PPQ,
        tempo_map=TempoMap.constant(120),
        loop=LoopRegion(0, 8 * 1920),
        loop_enabled=True,
    )
    engine.poll_events()
    engine.stop()
    engine.set_play_mode("song")
    engine.load_score(song)
    engine.send(cmd.SetMetronomeCommand(True, 100))
    with Recorder(r"^pianola:", channels=1, server_name=jack_server, max_seconds=9) as rec:
        rec.start()
        time.sleep(0.05)
        engine.play(0)
        deadline = time.monotonic() + 8
        while not (engine.read_position().playing and engine.read_position().tick >= 480 + 60):
            assert time.monotonic() < deadline, "the engine never played"
            time.sleep(0.002)
        engine.set_meter(6, 8)  # six eighths a bar, from the next bar line not yet heard
        changed = wait_for(engine, lambda e: isinstance(e, evt.MeterChangedEvent))
        assert changed.in_song and changed.tick % 1920 == 0 and changed.tick >= 1920
        while engine.read_position().tick < changed.tick + 2 * 1440 + 240:
            assert time.monotonic() < deadline + 4, "the engine stopped playing"
            time.sleep(0.005)
        engine.stop()
        engine.send(cmd.SetMetronomeCommand(False, 100))
        recording = rec.stop()
    mag = recording.magnitude()
    heard = recording.stream_frames(find_onsets(mag, suggest_threshold(mag, 0.1), 3000))
    # quarters up to the bar the engine named, then eighths: one grid from the first click
    bars_before = changed.tick // 1920
    expected = [i * QUARTER for i in range(4 * bars_before)]
    expected += [bars_before * 4 * QUARTER + i * QUARTER // 2 for i in range(12)]
    first = heard[0]
    heard = heard - first  # the breaks (cycles the recorder lost) moved with the onsets
    match = match_onsets(
        np.array(expected), heard[: len(expected)], 3000, breaks=recording.gap_frames() - first
    )
    assert match.all_matched, (match.missing, match.extra, heard[: len(expected)])
    assert np.all(np.abs(match.errors) <= GENEROUS_FRAMES), match.errors
