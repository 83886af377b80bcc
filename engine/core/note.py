"""One note and the limits of a note's values (pure, immutable, validated)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.checks import PITCH, VELOCITY, check_score_int
from engine.core.errors import ScoreError

MAX_TICK = 2**31 - 1  # far beyond any song; keeps ticks inside MIDI's and C's int range
GM_DRUM_CHANNEL = 9  # MIDI channel 10, counted from 0
DRUM_BANK = 128  # the SoundFont bank of percussion kits
SYNTH_CHANNELS = 256  # the synth's channels: one per track (FluidSynth's maximum)


@dataclass(frozen=True, slots=True, order=True)
class Note:
    """One note: where it starts, how long it lasts, which key, how hard."""

    start_tick: int
    length_ticks: int
    pitch: int
    velocity: int = 100

    def __post_init__(self) -> None:
        check_score_int("note start tick", self.start_tick, 0, MAX_TICK)
        check_score_int("note length in ticks", self.length_ticks, 1, MAX_TICK)
        check_score_int("note pitch", self.pitch, *PITCH)
        check_score_int("note velocity", self.velocity, *VELOCITY)
        if self.start_tick + self.length_ticks > MAX_TICK:
            raise ScoreError(f"note end tick must be at most {MAX_TICK}")

    @property
    def end_tick(self) -> int:
        return self.start_tick + self.length_ticks
