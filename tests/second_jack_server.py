"""A dummy JACK server of a test's own, beside the session's (for tests that kill it)."""

from __future__ import annotations

import pytest

from engine.core.errors import AudioDriverError
from engine.measure.jackserver import DummyJackServer, free_registry_slots, realtime_allowed


def start_second_server(name: str, wait_s: float = 120.0) -> DummyJackServer:
    """Start it, waiting ``wait_s`` for a place in JACK's machine-wide registry of eight;
    when other programs keep every place that long, skip the test and say why rather than
    hold the whole suite (a lone suite, as in CI, always finds one)."""
    try:
        # realtime where allowed, like the session's server: without it a busy machine
        # makes the server drop the engine's client, which then plays nothing
        server = DummyJackServer(name, realtime=realtime_allowed())
        return server.start(slot_wait_s=wait_s)
    except AudioDriverError as exc:
        if free_registry_slots():
            raise
        pytest.skip(
            f"JACK's registry of 8 servers stayed full of other programs' ({str(exc).splitlines()[0]})"
        )
