"""Recording in the real engine under Ableton Link, against a real Link peer of the
test's own in a private network namespace (see record_link_scene.py)."""

from __future__ import annotations

import os

import pytest

from engine.measure.jackserver import DummyJackServer
from tests.engine.sync.netns import run_isolated

pytestmark = [pytest.mark.audio, pytest.mark.slow]


@pytest.fixture(scope="module")
def rt_jack_server():
    """A realtime dummy server, as Link's tests use (a non-realtime one drops cycles)."""
    name = f"pianola-reclink-{os.getpid()}"
    with DummyJackServer(name, sample_rate=48000, period_frames=256, realtime=True):
        yield name


def scene(name: str, server: str) -> dict:
    # a busy machine may make the count-in scene press record again a few times
    return run_isolated(
        "tests.engine.sync.record_link_scene",
        name,
        timeout_s=300.0,
        env={"JACK_DEFAULT_SERVER": server},
    )


def test_a_take_under_link_plays_on_past_the_songs_end_until_stopped(rt_jack_server):
    report = scene("run_on", rt_jack_server)
    assert report["saw_peer"], report
    assert report["take_ran_on"] and report["take_stopped"], report
    # a plain play afterwards ends with the song again
    assert report["played_again"] and report["stopped_at_end"], report


def near_whole(beat: float, bound: float = 0.05) -> bool:
    return abs(beat - round(beat)) < bound


def test_a_count_in_under_link_clicks_the_sessions_bar_before_the_take_starts_on_the_next(
    rt_jack_server,
):
    report = scene("count_in", rt_jack_server)
    assert report["saw_peer"] and report["connected"] and report["playing"], report
    start = report["expected_start_beat"]  # the bar after the one the count-in clicks
    # the count-in: a click on each beat of the session's bar before the take's start
    # (a busy server drops cycles: clicks heard after one cannot be timed (None) and one
    # inside one is not heard; the take's own start on the session's bar is checked by
    # the key played in it)
    timed = [b for b in report["beats"] if b is not None]
    assert 1 <= len(report["beats"]) <= 4, report
    assert all(near_whole(b) and start - 4 <= round(b) < start for b in timed), report
    assert len({round(b) for b in timed}) == len(timed), report
    by_key = {tuple(e["data"][:2]): e for e in report["received"]}
    # a key played during the count-in is heard (thru) but not recorded
    counted = by_key[(0x90, 61)]
    assert start - 4 < report["during_count_in"]["beat_before"], report
    assert report["during_count_in"]["beat_after"] < start - 0.5, report
    assert not counted["playing"], report
    # a key played in the take lands at its tick from the session's bar the take began on
    played = by_key[(0x90, 62)]
    assert played["playing"], report
    beats = report["in_take"]
    low, high = beats["beat_before"] - start, beats["beat_after"] - start
    assert low - 0.1 <= played["tick"] / 480 <= high + 0.1, report
