"""The measuring chain, validated against FluidSynth used directly (no engine involved).

FluidSynth's sequencer on the sample clock places each event on a 64-frame block, so the
intervals between onsets heard through JACK must equal the scheduled intervals within
64 frames.  If this holds, the recorder and the onset finder can be trusted to judge the
engine.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from engine.core.errors import AudioDriverError
from engine.measure.capture import Recorder, Recording, record_for
from engine.measure.drum_timing import DRUM_CHANNEL, open_jack_synth
from engine.measure.onsets import find_onsets, match_onsets, rms, suggest_threshold, timing_stats

pytestmark = pytest.mark.audio

RATE = 48000
CLOSED_HAT = 42


@pytest.fixture(scope="module")
def drum_font() -> Path:
    path = Path(__file__).resolve().parents[3] / "assets" / "pianola.sf2"
    assert path.is_file(), f"the bundled SoundFont {path} is missing"
    return path


@pytest.fixture
def direct_synth(jack_server, drum_font):
    synth = open_jack_synth(jack_server, drum_font, "pianola-direct")
    yield synth
    synth.delete()


def test_recording_periods_follow_each_other_on_the_jack_clock(jack_server, direct_synth):
    recording = record_for(r"^pianola-direct:", 0.5, channels=2, server_name=jack_server)
    assert recording.samples.shape[1] == 2
    assert recording.samples.dtype == np.float32
    assert recording.duration_s >= 0.5
    assert not recording.overflowed
    assert recording.gaps == 0 or recording.xruns > 0  # cycles are lost only in xruns
    assert recording.sample_rate == RATE
    # Nothing was played: the synth's output is silence.
    assert rms(recording.samples) == 0.0


def test_no_matching_ports_is_a_clear_error(jack_server):
    with pytest.raises(AudioDriverError, match="found 0 JACK output ports"):
        with Recorder(r"^no-such-client:", channels=1, server_name=jack_server, wait_s=0.2):
            pass


def test_onset_intervals_equal_the_scheduled_intervals(jack_server, direct_synth):
    from engine.audio.fluid_ffi import pyfluidsynth as fluidsynth

    seq = fluidsynth.Sequencer(time_scale=RATE, use_system_timer=False)
    dest = seq.register_fluidsynth(direct_synth)
    # Uneven gaps, so a fixed-period artefact cannot pass for a match.  Every event lies on
    # a multiple of 192 frames: FluidSynth applies events at 64-frame block starts and its
    # sample-timer sequencer counts whole milliseconds (48 frames), so these land exactly
    # and any error seen is the measuring chain's own.
    offsets = np.cumsum([0] + [192 * (26 + (i * 7) % 5) for i in range(15)])
    try:
        with Recorder(
            r"^pianola-direct:", channels=2, server_name=jack_server, max_seconds=5
        ) as rec:
            rec.start()
            time.sleep(0.05)
            first_tick = (seq.get_tick() + RATE // 10) // 192 * 192
            for at in offsets:
                seq.note(int(first_tick + at), DRUM_CHANNEL, CLOSED_HAT, 110, 1000, dest=dest)
            rec.wait_frames(int(0.2 * RATE) + int(offsets[-1]) + RATE // 4)
            recording = rec.stop()
    finally:
        seq.delete()
    mag = recording.magnitude()
    heard = recording.stream_frames(find_onsets(mag, suggest_threshold(mag, 0.1), 2000))
    assert len(heard) == 16
    # Intervals that span a cycle the server dropped (a busy machine) are not comparable.
    gap_between = np.searchsorted(recording.gap_frames(), heard)
    same_stretch = gap_between[1:] == gap_between[:-1]
    intervals_error = (np.diff(heard) - np.diff(offsets))[same_stretch]
    assert len(intervals_error) >= 10
    assert np.all(np.abs(intervals_error) <= 64), intervals_error
    assert np.median(np.abs(intervals_error)) <= 8, intervals_error
    match = match_onsets(offsets, heard, tolerance_frames=1000, breaks=recording.gap_frames())
    assert match.all_matched
    assert timing_stats(match, RATE).worst_frames <= 64


def test_jack_frames_follow_the_period_times_across_a_gap():
    # Period 4; JACK's 32-bit frame time wraps, and one cycle is skipped, after period 2.
    times = np.array([2**32 - 8, 2**32 - 4, 4, 8], np.uint32)
    rec = Recording(
        samples=np.zeros((16, 1), np.float32),
        period_frame_times=times,
        sample_rate=RATE,
        period_frames=4,
        xruns=1,
        overflowed=False,
    )
    assert rec.gaps == 1
    assert rec.first_frame_time == 2**32 - 8
    assert list(rec.jack_frames([0, 5, 8, 11, 13])) == [
        2**32 - 8,
        2**32 - 3,
        2**32 + 4,
        2**32 + 7,
        2**32 + 9,
    ]
    # The stream itself stays continuous: the synth rendered nothing in the lost cycle.
    assert list(rec.stream_frames([0, 5, 8, 13])) == [2**32 - 8, 2**32 - 3, 2**32, 2**32 + 5]
