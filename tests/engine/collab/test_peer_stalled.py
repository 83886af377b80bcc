"""A peer whose engine really falls behind the session comes back on its shared beat:
two peers' engines on the private JACK server, the second one's process stopped for a
few hundred milliseconds (as a machine too busy to run it leaves it: JACK's cycles go
on, the synth's own count of frames does not), then heard side by side with the first
(real server, real engines, real FluidSynth)."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest

from engine.bench.collab_phase import PORTS, clicks, compare_outputs, pump_until, wait_joined
from engine.collab.connection import create_room
from engine.collab.peer import Peer
from engine.core.audio_settings import AudioSettings
from engine.measure.capture import Recorder
from engine.realtime.client import EngineClient

pytestmark = [pytest.mark.slow]

STALL_S = 0.3  # not a whole number of the song's quarter seconds: off, the peers pair badly
TOGETHER_MS = 20.0  # one hit rather than a flam (the figure is the phase benchmark's)
TIMEOUT_S = 40.0  # generous: the machine may be busy; nothing here is timed
HEARD_S = 4.0


def test_an_engine_stopped_for_a_while_is_put_back_on_the_shared_beat(jack_server, server):
    room = create_room(server.url, timeout_s=60.0)
    settings = AudioSettings(driver="jack", jack_server=jack_server, reverb=False)
    logs = [io.StringIO(), io.StringIO()]
    peers = [
        Peer(room, "first", score=clicks(), event_log=logs[0]),
        Peer(room, "second", event_log=logs[1]),
    ]
    engines = [EngineClient(settings, realtime=False).start() for _ in peers]
    try:
        wait_joined(peers, engines, TIMEOUT_S)
        peers[0].play(0)
        pump_until(
            peers,
            engines,
            lambda: all(log.getvalue().count("\n") >= 8 for log in logs),
            "the engines did not play",
            TIMEOUT_S,
        )
        os.kill(engines[1].pid, signal.SIGSTOP)
        try:
            time.sleep(STALL_S)  # the stall itself (what is waited for comes below)
        finally:
            os.kill(engines[1].pid, signal.SIGCONT)
        pump_until(
            peers,
            engines,
            lambda: peers[1].realigned_shifts,
            "the stalled engine was never re-timed",
            TIMEOUT_S,
        )
        # heard from here on: back together with the first peer
        with Recorder(PORTS, channels=2, server_name=jack_server, max_seconds=60) as rec:
            rec.start()
            end = time.monotonic() + HEARD_S
            pump_until(peers, engines, lambda: time.monotonic() > end, None)
            recording = rec.stop()
            result = compare_outputs(recording, tuple(rec.connected))
    finally:
        for peer in peers:
            peer.leave()
        for engine in engines:
            engine.close()
    shifts = peers[1].realigned_shifts
    assert all(frames % block == 0 for frames, block in shifts), shifts  # whole blocks
    assert sum(frames for frames, _ in shifts) < 0, shifts  # moved earlier: it was late
    first, second = result.onsets
    assert first >= 8 and second >= 8, result
    assert len(result.errors_ms) >= min(first, second) - 2, result
    assert result.median_ms < TOGETHER_MS, result
