"""Colours of the step grid, the parameter lane and the song view, from the palette (pure).

The step views ask this module, never the palette directly, so the one place that maps
their roles (a cell on the beat, a lit step, a muted lane...) to the window's colours is
here.
"""

from __future__ import annotations

from sequencer_gui import palette

CANVAS = "#1b1d21"
HEADER = "#23262c"
CELL_ON_BEAT = "#3a3f48"  # cells of the even beats of a bar
CELL_OFF_BEAT = "#30343c"
CELL_BEYOND = "#1f2126"  # past a lane's own length (polymeter)
CELL_LIT = "#6b7788"  # the step sounding now
CELL_OUTLINE = ""
CURSOR = palette.SELECTED_OUTLINE  # the keyboard's step cursor
TEXT = "#dddddd"
TEXT_DIM = "#8a919c"
BUTTON_OFF = "#3a3f48"
MUTE_ON = "#e0a030"
SOLO_ON = "#48c774"
LENGTH_HANDLE = palette.RUBBER_BAND
TIE = "#c0c6d0"
MARK = "#101214"
PARAM_BAR = palette.VELOCITY_STEM
PARAM_BAR_OFF = "#4a505a"
PARAM_ZERO = "#4d535d"
GRID_BAR = palette.GRID_LINE["bar"]
GRID_BEAT = palette.GRID_LINE["beat"]
PLAYHEAD = palette.CURSOR
PLACEMENT = "#6f8cf0"
PLACEMENT_SELECTED = palette.SELECTED_FILL
PLACEMENT_TEXT = "#101214"
ROW_EVEN = palette.BACKGROUND_WHITE_ROW
ROW_ODD = palette.BACKGROUND_BLACK_ROW
QUEUED = "#e3c84a"
PATTERN_NOTE = "#a57cf0"  # pattern notes shown (read-only) in the piano roll
PATTERN_NOTE_OUTLINE = "#101214"


def step_fill(velocity: int) -> str:
    """A step that is on, coloured by its velocity as notes are in the roll."""
    return palette.velocity_fill(velocity)
