"""Pianola's own MIDI output is there for other programs as soon as the engine is, and a
port that was not there (or went away) is taken up again when it comes (said once)."""

from __future__ import annotations

import os
import time

import jack
import pytest

from engine.core.protocol import events as evt
from engine.core.score import Note, Score, Track
from engine.measure.midi_capture import MidiRecorder

pytestmark = pytest.mark.audio


def _errors(engine, words: str, timeout_s: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout_s
    said: list[str] = []
    while time.monotonic() < deadline:
        said += [e.message for e in engine.poll_events() if isinstance(e, evt.ErrorEvent)]
        if any(words in m for m in said):
            break
        time.sleep(0.05)
    return said


def test_own_output_is_open_before_any_track_uses_it(engine, jack_server):
    client = jack.Client("pianola-test-look", no_start_server=True, servername=jack_server)
    try:
        deadline = time.monotonic() + 20
        names: list[str] = []
        while time.monotonic() < deadline and "pianola-midi-out:out" not in names:
            names = [p.name for p in client.get_ports(is_midi=True, is_output=True)]
            time.sleep(0.05)
        assert "pianola-midi-out:out" in names
    finally:
        client.close()


def test_a_port_that_comes_later_is_taken_up_and_said_once(engine, jack_server):
    name = f"late-synth-{os.getpid()}"
    notes = tuple(Note(i * 120, 60, 60) for i in range(400))
    engine.load_score(Score(tracks=(Track("Keys", notes=notes, output="port", midi_port=name),)))
    said = _errors(engine, "No MIDI output port matches")
    assert sum("No MIDI output port matches" in m for m in said) == 1, said
    with MidiRecorder(name, server=jack_server) as synth:
        said = _errors(engine, "is there again")
        assert sum("is there again" in m for m in said) == 1, said
        engine.play(0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(
            d[0] & 0xF0 == 0x90 for _, d in synth.events()
        ):
            time.sleep(0.05)
        engine.stop()
        assert any(data[0] & 0xF0 == 0x90 for _, data in synth.events())
