"""What the roll's rows mean: piano keys, a scale, or a drum map (pure).

- A piano track's rows are striped like the keyboard (darker for black keys).
- With a scale chosen (root and scale), rows out of the scale are shaded and the root's
  rows marked; "fold" keeps only the scale's rows (and any row that holds a note, so
  folding never hides one).
- A drum track is a drum map: no piano striping, rows banded alternately so the eye
  follows an instrument across, and by default only the kit's rows (the General MIDI
  percussion keys and any key that holds a note).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.gm_drums import GM_DRUM_NAMES, is_black_key
from engine.core.scales import NOTE_NAMES, SCALES, SongScale

PITCH_COUNT = 128


@dataclass(frozen=True, slots=True)
class RowStyle:
    """The roll's row settings: the song's scale (``SongScale``) and the window's drum-rows choice."""

    scale: str = ""  # "" = no scale highlighting
    root: int = 0  # pitch class of the scale's root, 0 = C
    fold: bool = False  # show only the scale's rows
    all_drum_rows: bool = False  # a drum track shows all 128 rows

    def __post_init__(self):
        if self.scale and self.scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {self.scale!r}")
        if not (isinstance(self.root, int) and 0 <= self.root < 12):
            raise ValueError(f"scale root must be a pitch class 0..11, not {self.root!r}")

    @classmethod
    def of_song(cls, scale: SongScale, all_drum_rows: bool = False) -> RowStyle:
        """The rows a song's scale asks for (the drum-rows choice is the window's own)."""
        return cls(scale.name, scale.root, scale.fold, all_drum_rows)

    @property
    def song_scale(self) -> SongScale:
        return SongScale(self.scale, self.root, self.fold)

    @property
    def label(self) -> str:
        return f"{NOTE_NAMES[self.root]} {self.scale}" if self.scale else "No scale"


def in_scale(pitch: int, root: int, scale: str) -> bool:
    return (pitch - root) % 12 in SCALES[scale]


def row_kind(pitch: int, drum: bool, style: RowStyle) -> str:
    """How a row looks: "white", "black", "root", "out" (of the scale), "band" (drum map)."""
    if drum:
        return "white"
    if style.scale:
        if (pitch - style.root) % 12 == 0:
            return "root"
        return "white" if in_scale(pitch, style.root, style.scale) else "out"
    return "black" if is_black_key(pitch) else "white"


def kit_pitches(track) -> set[int]:
    """The rows of a drum map: the General MIDI percussion keys and every key in use."""
    return set(GM_DRUM_NAMES) | {note.pitch for note in track.notes}


def folded_rows(track, style: RowStyle) -> tuple[int, ...]:
    """The pitches to show, highest first, or () for all 128."""
    if track.is_drum:
        if style.all_drum_rows:
            return ()
        return tuple(sorted(kit_pitches(track), reverse=True))
    if style.scale and style.fold:
        used = {note.pitch for note in track.notes}
        keep = {p for p in range(PITCH_COUNT) if in_scale(p, style.root, style.scale)} | used
        return tuple(sorted(keep, reverse=True))
    return ()
