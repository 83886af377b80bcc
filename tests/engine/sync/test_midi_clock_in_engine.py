"""The real engine following a MIDI clock that a JACK MIDI client of the test's own sends
at 97 BPM, heard at its JACK output (real synth, real JACK MIDI ports)."""

from __future__ import annotations

import os

import pytest

from engine.bench.sync_clock_in import follow_clock, onset_tempo_bpm
from engine.measure.jackserver import DummyJackServer

BPM = 97.0


@pytest.fixture(scope="module")
def rt_jack_server():
    """A dummy server with realtime scheduling for this module: on a busy machine a
    non-realtime one drops cycles, and a clock client missing one loses its pulses."""
    name = f"pianola-clock-in-{os.getpid()}"
    with DummyJackServer(name, sample_rate=48000, period_frames=256, realtime=True):
        yield name


@pytest.mark.audio
@pytest.mark.slow
def test_onsets_come_at_the_clocks_tempo_after_a_bar_and_start_and_stop_follow(rt_jack_server):
    report = follow_clock(rt_jack_server, BPM, bars_playing=3)
    assert report["following"] and report["started"] and report["stopped"], report
    assert report["shown_bpm"][1] == pytest.approx(BPM, rel=1e-3), report
    heard = onset_tempo_bpm(
        report["onsets"], report["start_frame"], report["beat_frames"], range(4, 13), 48000
    )
    assert heard is not None and heard == pytest.approx(BPM, rel=1e-3), report
    # Start plays from the top: the first kick is on the start pulse's beat, none before
    first = min(report["onsets"])
    assert abs(first - report["start_frame"]) < report["beat_frames"] / 2, report
    # Stop stops: no kick after the stop pulse has been heard
    stop_frame = report["start_frame"] + 12 * report["beat_frames"]
    assert max(report["onsets"]) < stop_frame + report["beat_frames"] / 2, report
