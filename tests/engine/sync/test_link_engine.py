"""The real engine under Ableton Link, heard at its JACK output against a real Link peer
of the test's own, in a private network namespace (see link_scene.py)."""

from __future__ import annotations

import os

import pytest

from engine.measure.jackserver import DummyJackServer
from tests.engine.sync.netns import run_isolated

BOUND_S = 0.005  # functional: far looser than the 1 ms the benchmark measures


def off_beat_s(beat: float, bpm: float) -> float:
    return abs(beat - round(beat)) * 60.0 / bpm


def mostly_on_the_beat(beats, bpm: float) -> bool:
    """Two thirds of the clicks within the bound: on a busy machine the synth's own JACK
    client may miss a cycle, which the follower corrects only once it has seen it (the
    benchmark says how often; a click off by more than that is a defect it shows)."""
    timed = [b for b in beats if b is not None]
    on = [b for b in timed if off_beat_s(b, bpm) < BOUND_S]
    return len(timed) >= 3 and len(on) >= 2 * len(timed) / 3


def mostly_steady(beats, from_beat: float) -> bool:
    """A click on (nearly) every beat from ``from_beat`` on: two thirds of the beats
    spanned are heard, and no beat is heard twice (untimed clicks, after a cycle the
    server dropped, count as heard)."""
    heard = [b for b in beats if b is None or b >= from_beat - 0.5]
    timed = [b for b in heard if b is not None]
    if len(timed) < 3:
        return False
    steps = [b - a for a, b in zip(timed, timed[1:])]
    span = timed[-1] - timed[0] + 1
    return all(step > 0.5 for step in steps) and len(heard) >= 2 * span / 3


def in_bar_phase(report) -> bool:
    """The music's bar lines on the session's quantum (a few ms of output apart)."""
    return min(report["bar_phase"], 4.0 - report["bar_phase"]) < 0.25


@pytest.fixture(scope="module")
def rt_jack_server():
    """A dummy server with realtime scheduling for this module (the shared one is not):
    on a busy machine a non-realtime server stalls and drops cycles, and its frames stop
    keeping time with the host clock that Link's beat lives on."""
    name = f"pianola-link-{os.getpid()}"
    with DummyJackServer(name, sample_rate=48000, period_frames=256, realtime=True):
        yield name


def engine_scene(mode: str, server: str) -> dict:
    return run_isolated(
        "tests.engine.sync.link_scene", "engine", mode, env={"JACK_DEFAULT_SERVER": server}
    )


@pytest.mark.audio
@pytest.mark.slow
def test_plays_on_the_sessions_beats_from_its_next_bar(rt_jack_server):
    report = engine_scene("steady", rt_jack_server)
    assert report["saw_peer"] and report["playing"], report
    beats = report["beats"]
    assert mostly_on_the_beat(beats, 97.0), report
    assert mostly_steady(beats, beats[0] or 0.0), report
    first = beats[0]  # the first click heard: Pianola's start waited for the session's bar
    assert first is None or (round(first) % 4 == 0 and off_beat_s(first, 97.0) < 0.05), report
    assert in_bar_phase(report), report
    assert report["tempo_shown_bpm"] == pytest.approx(97.0, abs=0.01), report


@pytest.mark.audio
@pytest.mark.slow
def test_plays_steadily_on_the_beat_when_play_comes_before_the_peer_is_found(rt_jack_server):
    """Play at once: the start may be placed on Pianola's own session, which then meets
    the peer's and takes its tempo and phase while the music plays."""
    report = engine_scene("early", rt_jack_server)
    assert "Link: 1 peer." in report["events"] and report["playing"], report
    timed = [b for b in report["beats"] if b is not None]
    assert timed, report
    assert mostly_on_the_beat(timed[4:], 97.0), report
    assert mostly_steady(report["beats"], timed[0] + 4), report
    assert in_bar_phase(report), report


@pytest.mark.audio
@pytest.mark.slow
def test_a_peer_joining_while_pianola_plays_hears_it_on_the_beat(rt_jack_server):
    report = engine_scene("join", rt_jack_server)
    assert report["saw_peer"] and report["playing"], report
    after = [b for b in report["beats"] if b is None or b >= report["join_beat"] + 4]
    assert mostly_on_the_beat(after, 120.0), report  # Pianola's session: its own tempo
    assert mostly_steady(report["beats"], report["join_beat"] + 4), report
    assert in_bar_phase(report), report


@pytest.mark.audio
@pytest.mark.slow
def test_link_turned_on_while_playing_takes_the_sessions_tempo_and_phase(rt_jack_server):
    report = engine_scene("linkon", rt_jack_server)
    assert report["saw_peer"] and report["playing"], report
    after = [b for b in report["beats"] if b is None or b >= report["join_beat"] + 4]
    assert mostly_on_the_beat(after, 97.0), report
    assert mostly_steady(report["beats"], report["join_beat"] + 4), report
    assert in_bar_phase(report), report
    assert report["tempo_shown_bpm"] == pytest.approx(97.0, abs=0.01), report


@pytest.mark.audio
@pytest.mark.slow
def test_follows_a_peers_tempo_change_within_a_beat(rt_jack_server):
    report = engine_scene("retempo", rt_jack_server)
    assert "Link tempo 133.00 BPM." in report["events"]
    after = [b for b in report["beats"] if b is not None and b >= report["change_beat"] + 1]
    assert mostly_on_the_beat(after, 133.0), report
    assert report["tempo_shown_bpm"] == pytest.approx(133.0, abs=0.01)


@pytest.mark.audio
@pytest.mark.slow
def test_a_peers_start_starts_pianola_on_the_quantum_and_its_stop_stops_it(rt_jack_server):
    report = engine_scene("startstop", rt_jack_server)
    beats = report["beats"]
    assert beats and beats[0] is not None, report
    start = report["peer_start_beat"]
    assert start <= beats[0] < start + 4 + 0.01  # the first bar line after the start
    assert round(beats[0]) % 4 == 0 and off_beat_s(beats[0], 97.0) < 0.05, report
    assert not report["playing_after_peer_stop"]
