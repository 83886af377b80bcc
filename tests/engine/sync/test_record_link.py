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
    return run_isolated(
        "tests.engine.sync.record_link_scene", name, env={"JACK_DEFAULT_SERVER": server}
    )


def test_a_take_under_link_plays_on_past_the_songs_end_until_stopped(rt_jack_server):
    report = scene("run_on", rt_jack_server)
    assert report["saw_peer"], report
    assert report["take_ran_on"] and report["take_stopped"], report
    # a plain play afterwards ends with the song again
    assert report["played_again"] and report["stopped_at_end"], report
