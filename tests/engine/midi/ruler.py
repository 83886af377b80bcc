"""A rim click on every beat, heard through JACK, as the ruler against which a test
checks where played notes were recorded: the beat heard last before a frame gives the
tick heard at that frame (the tempo gives the frames per tick), from what was heard, not
from the engine's own bookkeeping.  Measured from the nearest beat, a cycle a busy
machine lost earlier on (which shifts everything after it by a period) does not count."""

from __future__ import annotations

import numpy as np

from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Note, Track
from engine.measure.onsets import find_onsets, suggest_threshold

RATE = 48000
PPQ = 480
BPM = 120
FRAMES_PER_TICK = RATE * 60 // BPM // PPQ  # 50
BEAT_FRAMES = PPQ * FRAMES_PER_TICK
RIM = 37


def ruler_track(beats: int) -> Track:
    notes = tuple(Note(beat * PPQ, 60, RIM, 120) for beat in range(beats))
    return Track("Ruler", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True, notes=notes)


def heard_ticks(recording, frames, first_tick: int = 0, loop_beats: int = 0) -> list[float]:
    """The tick heard at each JACK frame in ``frames`` (only beats must be audible: the
    ruler's, a count-in's, the metronome's); the first onset recorded is ``first_tick``;
    with ``loop_beats``, the music loops back to tick 0 after so many beats."""
    magnitude = recording.magnitude()
    onsets = recording.jack_frames(
        find_onsets(magnitude, suggest_threshold(magnitude), min_gap_frames=BEAT_FRAMES // 2)
    )
    assert len(onsets) >= 2, onsets
    beats = np.rint((onsets - onsets[0]) / BEAT_FRAMES).astype(np.int64) + first_tick // PPQ
    if loop_beats:
        beats %= loop_beats
    # a cycle the server lost moves the later beats one period on in JACK's frames: a
    # frame may then lie up to a period past the beat before the next one is heard
    longest = BEAT_FRAMES + recording.period_frames
    ticks = []
    for frame in frames:
        i = int(np.searchsorted(onsets, frame, side="right")) - 1
        assert i >= 0 and frame - onsets[i] < longest, (frame, onsets)
        ticks.append(beats[i] * PPQ + (frame - onsets[i]) / FRAMES_PER_TICK)
    return ticks
