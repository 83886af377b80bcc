"""Two peers of one session, each with its own engine on the private JACK server, heard
side by side: the same notes, together (real server, real engines, real FluidSynth; the
1 ms figure is measured by `pianola bench collab --part phase`)."""

from __future__ import annotations

import pytest

from engine.bench.collab_phase import measure_phase
from engine.collab.connection import SessionLink, create_room
from engine.measure.delay_proxy import DelayProxy

pytestmark = [pytest.mark.slow]

# Notes four a second: a peer a whole note apart, or one not playing, would pair nothing.
# Together means well inside what a listener hears as one hit rather than a flam.
TOGETHER_MS = 20.0


def test_two_peers_engines_play_the_same_notes_together(jack_server, server):
    room = create_room(server.url, timeout_s=60.0)
    # the second peer is 40 ms (+- 10) away from the server, the first next to it
    proxy = DelayProxy(server.port, 0.04, 0.01, seed=3).start()
    try:
        far = SessionLink.parse(room.url.replace(f":{server.port}/", f":{proxy.port}/"))
        result = measure_phase([room, far], jack_server, seconds=5.0)
    finally:
        proxy.stop()
    first, second = result.onsets
    assert first >= 15 and second >= 15, result  # both engines played the song
    # every note of the first peer has its twin in the second's output
    assert len(result.errors_ms) >= min(first, second) - 2, result
    assert result.median_ms < TOGETHER_MS, result
