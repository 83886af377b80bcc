"""Pattern mode following JACK's transport with the real synth on a private JACK server:
a test client starts, relocates and stops the transport, and the pattern's kicks fall on
the transport's beats at the transport's place in the pattern."""

from __future__ import annotations

import statistics
import time

import jack
import numpy as np
import pytest

from engine.audio.synth import BLOCK_FRAMES, SynthBackend
from engine.core import pattern_edits as pe
from engine.core.audio_settings import AudioSettings
from engine.core.generators import parse_step_string
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.measure.capture import Recorder
from engine.realtime.pattern_player import PatternPlayer
from engine.realtime.scheduler import Scheduler
from engine.realtime.sync_target import SyncTarget
from engine.sync.jack_clock import SynthOffset
from engine.sync.jack_transport import JackTransport, TransportFollower
from tests.engine.sync.sync_kit import KICK, ServiceThread, clicks, onset_jack_frames
from tests.engine.sync.test_jack_transport import BEAT, SR, TransportLog


def two_kicks_a_bar():
    """A drum track and a one-bar pattern: kicks on beats 1 and 2 of each bar only."""
    song = clicks(0)
    pattern = pe.new_pattern("Two", keys=(KICK,))
    song = pe.add_pattern(song, pattern)
    steps = parse_step_string("X...X...........")
    return pe.set_lane_steps(song, pattern.id, pattern.lanes[0].id, steps), pattern.id


@pytest.mark.audio
def test_a_pattern_plays_at_the_transports_place_and_follows_its_jumps(jack_server):
    settings = AudioSettings(driver="jack", jack_server=jack_server, reverb=False)
    song, pattern_id = two_kicks_a_bar()
    with (
        SynthBackend(settings, BUNDLED_SOUNDFONT) as backend,
        JackTransport(jack_server) as transport,
        jack.Client("pianola-test-transport", servername=jack_server) as tester,
        Recorder(r"^pianola:", channels=1, server_name=jack_server, max_seconds=12) as rec,
    ):
        scheduler = Scheduler(backend, lookahead_frames=1440, stop_at_end=False)
        player = PatternPlayer(scheduler)
        player.load_score(song)
        player.set_mode("pattern", pattern_id, 0)
        follower = TransportFollower(
            SyncTarget(scheduler, player),
            transport.read,
            SynthOffset(transport.period_frames, BLOCK_FRAMES),
        )

        def maintain():
            state = scheduler.position()
            player.maintain(state.tick, state.playing)

        tester.transport_stop()
        tester.transport_frame = 0
        with (
            ServiceThread(follower.service, scheduler.service, maintain),
            TransportLog(tester) as log,
        ):
            time.sleep(0.5)  # the synth's offset is known after a few cycles
            rec.start()
            tester.transport_start()
            time.sleep(2.5)
            assert scheduler.position().playing
            shown = player.published(scheduler.position())
            assert shown.pattern_index == 0 and 0 <= shown.tick < 1920
            tester.transport_frame = 10 * BEAT  # bar 3, beat 3: the pattern's step 8
            time.sleep(2.5)
            tester.transport_stop()
            time.sleep(0.3)
            stopped = scheduler.position()
            recording = rec.stop()
    assert not stopped.playing
    times = recording.period_frame_times.astype(np.int64)
    gaps = times[1:][np.diff(times) != recording.period_frames]
    clean = [
        f for f in onset_jack_frames(recording) if not np.any((gaps > f - SR * 0.6) & (gaps <= f))
    ]
    heard = [log.transport_frame_at(f) for f in clean]
    heard = [h for h in heard if h is not None]
    assert len(heard) >= 3, "the machine was too busy to hear the kicks clearly"
    beats = [round(h / BEAT) for h in heard]
    lags = [h - b * BEAT for h, b in zip(heard, beats)]
    typical = statistics.median(lags)
    assert -BLOCK_FRAMES <= typical <= 4 * BLOCK_FRAMES, lags  # on the transport's beats
    # only beats 1 and 2 of the transport's bars: the pattern's place is the transport's
    assert all(b % 4 in (0, 1) for b in beats), beats
    assert any(b >= 12 for b in beats) and not any(4 < b < 12 and b != 5 for b in beats), beats
