"""A session's engine put off the shared clock comes back to it: real FluidSynth on the
private dummy JACK server, the session clock reading JACK's cycle times, and the
music moved a dozen periods late as a run of dropped cycles would leave it."""

from __future__ import annotations

import time

import pytest

from engine.audio.synth import SynthBackend
from engine.core.audio_settings import AudioSettings
from engine.core.score import LoopRegion, Note, Score, Track
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.realtime.scheduler import Scheduler
from engine.realtime.session_align import SessionAligner
from engine.realtime.session_clock import SessionClock
from tests.engine.collab.conftest import wait_until
from tests.engine.sync.sync_kit import ServiceThread

PERIOD = 256  # the test server's period (tests/conftest.py)
FORCED = 12 * PERIOD  # far more than any real dropped cycle the busy machine adds
TIMEOUT_S = 30.0  # generous: the machine may be busy; nothing here is timed


def _song() -> Score:
    notes = tuple(Note(i * 480, 240, 60 + i % 4) for i in range(8))
    return Score(tracks=(Track("Piano", notes=notes),), loop=LoopRegion(0, 3840), loop_enabled=True)


@pytest.mark.audio
def test_music_put_off_the_shared_clock_is_re_timed_back_onto_it(jack_server):
    settings = AudioSettings(driver="jack", jack_server=jack_server, reverb=False)
    with SynthBackend(settings, BUNDLED_SOUNDFONT) as backend:
        scheduler = Scheduler(backend, lookahead_frames=2400, stop_at_end=False)
        scheduler.load_score(_song())
        clock = SessionClock(backend, jack_server, uses_jack=True).open()
        generation = [1]
        aligner = SessionAligner(
            scheduler, clock.frame_at, lambda: generation[0], block_frames=clock.block_frames
        )
        try:
            with ServiceThread(scheduler.service):
                # the session's start, half a second ahead, placed as the engine does
                at_ns = time.monotonic_ns() + 500_000_000
                at_frame = clock.frame_heard_at(at_ns)
                assert at_frame is not None, "the JACK clock could not be read"
                with aligner.lock:
                    scheduler.play(0, at_frame=at_frame, in_phase=True)
                    aligner.start(at_frame, at_ns)
                clock.aligner = aligner  # from here its thread keeps the music on the clock
                assert wait_until(lambda: aligner.error_frames() is not None, TIMEOUT_S)

                with aligner.lock:  # the music a dozen periods late, the clock unchanged
                    before = aligner.corrections
                    moved = scheduler.retime(scheduler.score, lambda f: f + FORCED, FORCED)
                    assert moved is not None and moved[1] - moved[0] == FORCED
                assert wait_until(lambda: aligner.corrections > before, TIMEOUT_S)
                # taken back by about what was forced, in whole synth blocks (a cycle the
                # busy machine really dropped meanwhile may come on top)
                back = aligner.shifts[before]
                assert back % clock.block_frames == 0
                assert -FORCED - 2 * PERIOD <= back <= -FORCED + 2 * PERIOD, aligner.shifts

                # a stop ends what the aligner follows: it moves nothing after it
                with aligner.lock:
                    generation[0] += 1
                    scheduler.stop()
                settled = aligner.corrections
                assert wait_until(lambda: aligner.error_frames() is None, TIMEOUT_S)
                assert aligner.corrections == settled
        finally:
            clock.aligner = None
            clock.close()
