"""Fixtures shared by the engine tests: a real engine process on the private JACK server."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.audio_settings import AudioSettings

RATE = 48000
FONT = Path(__file__).resolve().parents[2] / "assets" / "pianola.sf2"


@pytest.fixture(scope="module")
def engine(jack_server):
    """An engine process playing the bundled font through the session's JACK server
    (48 kHz, no reverb or chorus, so recorded onsets are the notes' own)."""
    from engine.realtime.client import EngineClient

    settings = AudioSettings(
        driver="jack",
        jack_server=jack_server,
        sample_rate=RATE,
        reverb=False,
        chorus=False,
        soundfont=str(FONT),
    )
    client = EngineClient(settings)
    client.start()
    try:
        ready = client.wait_ready(30)
        assert ready.driver == "jack" and ready.sample_rate == RATE
        yield client
    finally:
        client.close()
