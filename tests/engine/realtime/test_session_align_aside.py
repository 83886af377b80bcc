"""While another clock keeps a session's music on the beat (a Link session), the session's
re-aligner stands aside: real FluidSynth on the private dummy JACK server, the session
clock reading JACK's cycle times, the music put a dozen periods off that clock."""

from __future__ import annotations

import time

import pytest

from engine.audio.synth import SynthBackend
from engine.core.audio_settings import AudioSettings
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.realtime.scheduler import Scheduler
from engine.realtime.session_align import SessionAligner
from engine.realtime.session_clock import SessionClock
from tests.engine.collab.conftest import wait_until
from tests.engine.realtime.test_session_align import FORCED, TIMEOUT_S, _song
from tests.engine.sync.sync_kit import ServiceThread


@pytest.mark.audio
def test_the_aligner_re_times_nothing_while_another_clock_leads(jack_server):
    settings = AudioSettings(driver="jack", jack_server=jack_server, reverb=False)
    with SynthBackend(settings, BUNDLED_SOUNDFONT) as backend:
        scheduler = Scheduler(backend, lookahead_frames=2400, stop_at_end=False)
        scheduler.load_score(_song())
        clock = SessionClock(backend, jack_server, uses_jack=True).open()
        leads = [False]
        aligner = SessionAligner(
            scheduler,
            clock.frame_at,
            lambda: 1,
            block_frames=clock.block_frames,
            stands_aside=lambda: leads[0],
        )
        try:
            with ServiceThread(scheduler.service):
                at_ns = time.monotonic_ns() + 500_000_000
                at_frame = clock.frame_heard_at(at_ns)
                assert at_frame is not None, "the JACK clock could not be read"
                with aligner.lock:
                    scheduler.play(0, at_frame=at_frame, in_phase=True)
                    aligner.start(at_frame, at_ns)
                clock.aligner = aligner
                assert wait_until(lambda: aligner.error_frames() is not None, TIMEOUT_S)

                # the other clock takes the lead and moves the music well off this one
                with aligner.lock:
                    leads[0] = True
                    before = aligner.corrections
                    assert scheduler.retime(scheduler.score, lambda f: f + FORCED, FORCED)
                # the aligner lets go of the start it followed, and moved nothing
                assert wait_until(lambda: aligner.error_frames() is None, TIMEOUT_S)
                assert aligner.corrections == before
                assert scheduler.timeline() is not None  # still playing, where it was put
        finally:
            clock.aligner = None
            clock.close()
