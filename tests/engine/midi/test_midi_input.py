"""MIDI input heard: a JACK MIDI client of the test's own plays notes at chosen frames into
the engine's MIDI input; the synth's output, recorded through JACK, must carry each one.

How soon after its frame each note sounds is a timing figure (`pianola bench midi`
reports keyboard -> sound latency); here: every note played is heard, after it was sent.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from engine.core.protocol import commands as cmd
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Note, Score, Track
from engine.measure.capture import Recorder
from engine.measure.midi_capture import MidiRecorder
from engine.measure.onsets import find_onsets, suggest_threshold
from tests.engine.midi.keyboard_notes import play_notes

pytestmark = pytest.mark.audio

RATE = 48000
RIM = 37


def _connected(keyboard: MidiRecorder, port: str, timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port in [q.name for q in keyboard.client.get_all_connections(keyboard.outport)]:
            return True
        time.sleep(0.05)
    return False


def test_notes_played_into_the_input_are_heard_through_the_track(engine, jack_server):
    kit = Track(
        "Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True, notes=(Note(0, 10, RIM),)
    )
    engine.load_score(Score(tracks=(kit,)))
    with MidiRecorder(f"keys-{os.getpid()}", server=jack_server) as keyboard:
        engine.send(cmd.SetMidiInputCommand(f"{keyboard.name}:out", 0))
        assert _connected(keyboard, "pianola-midi-in:in")
        with Recorder(r"^pianola:", channels=2, server_name=jack_server, max_seconds=6) as rec:
            rec.start()
            time.sleep(0.3)
            first = keyboard.frame_now() + RATE // 2
            sent = play_notes(keyboard, first, RATE // 3, [RIM] * 5, channel=9, velocity=110)
            rec.wait_until_frame(sent[-1] + RATE // 2, timeout_s=20)
            recording = rec.stop()
    magnitude = recording.magnitude()
    onsets = recording.jack_frames(
        find_onsets(magnitude, suggest_threshold(magnitude), min_gap_frames=RATE // 8)
    )
    heard = [f for f in sent if keyboard.heard(f)]
    latencies = []
    for frame in heard:
        after = onsets[onsets >= frame]
        assert len(after) and after[0] - frame < RATE // 4, (frame, onsets)
        latencies.append(int(after[0] - frame))
    assert len(heard) >= 3
    print(f"MIDI in -> onset: {latencies} frames (period {recording.period_frames})")
    assert np.all(np.diff(onsets) > 0)
