"""Colours of the roll: notes by velocity, selection, other tracks, grid (pure).

Velocity runs from a cool, pale blue (soft) to a saturated orange-red (hard), the way
most piano rolls colour dynamics; the mapping is a pure function so tests can check an
item's fill against it.
"""

from __future__ import annotations

BACKGROUND_WHITE_ROW = "#2b2f36"
BACKGROUND_BLACK_ROW = "#23262c"
GRID_LINE = {"bar": "#8a919c", "beat": "#4d535d", "grid": "#363a42"}
NOTE_OUTLINE = "#101214"
SELECTED_OUTLINE = "#ffffff"
SELECTED_FILL = "#ffd75e"
OTHER_TRACK_FILL = "#4a505a"
OTHER_TRACK_PLAYING = "#9aa3b0"
PLAYING_FILL = "#ffffff"
CURSOR = "#5ef08a"
LOOP_FILL = "#2f4a3a"
RUBBER_BAND = "#9fc5ff"
VELOCITY_STEM = "#d9893a"

_SOFT = (70, 120, 200)
_HARD = (235, 80, 40)


def velocity_fill(velocity: int) -> str:
    """Fill colour of a note of ``velocity`` (1..127), soft blue to hard red."""
    f = (max(1, min(127, velocity)) - 1) / 126
    r, g, b = (round(a + (c - a) * f) for a, c in zip(_SOFT, _HARD))
    return f"#{r:02x}{g:02x}{b:02x}"
