"""The song's scale: a root and a scale the piano roll highlights and may fold to (pure).

A song is written in a key, so the scale belongs to the song (saved in its file, shared
by every view of it), not to one window's preferences.  ``SongScale()`` means no scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.errors import ScoreError

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Semitones above the root of each scale's notes.
SCALES: dict[str, tuple[int, ...]] = {
    "Major": (0, 2, 4, 5, 7, 9, 11),
    "Natural minor": (0, 2, 3, 5, 7, 8, 10),
    "Harmonic minor": (0, 2, 3, 5, 7, 8, 11),
    "Melodic minor": (0, 2, 3, 5, 7, 9, 11),
    "Dorian": (0, 2, 3, 5, 7, 9, 10),
    "Phrygian": (0, 1, 3, 5, 7, 8, 10),
    "Lydian": (0, 2, 4, 6, 7, 9, 11),
    "Mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "Locrian": (0, 1, 3, 5, 6, 8, 10),
    "Major pentatonic": (0, 2, 4, 7, 9),
    "Minor pentatonic": (0, 3, 5, 7, 10),
    "Blues": (0, 3, 5, 6, 7, 10),
}


@dataclass(frozen=True, slots=True)
class SongScale:
    """Root, scale and fold of a song; ``name`` "" = no scale (root and fold then unused)."""

    name: str = ""
    root: int = 0  # pitch class of the root, 0 = C
    fold: bool = False  # the roll shows only the scale's rows (and rows that hold notes)

    def __post_init__(self):
        if not isinstance(self.name, str) or (self.name and self.name not in SCALES):
            raise ScoreError(f"the scale must be one of {', '.join(SCALES)}, not {self.name!r}")
        if isinstance(self.root, bool) or not isinstance(self.root, int) or not 0 <= self.root < 12:
            raise ScoreError(f"the scale's root must be a pitch class 0..11, not {self.root!r}")
        if not isinstance(self.fold, bool):
            raise ScoreError(f"the scale's fold must be true or false, not {self.fold!r}")

    @property
    def label(self) -> str:
        return f"{NOTE_NAMES[self.root]} {self.name}" if self.name else "No scale"

    def contains(self, pitch: int) -> bool:
        """True if ``pitch`` is in the scale (every pitch is when there is no scale)."""
        return not self.name or (pitch - self.root) % 12 in SCALES[self.name]
