"""Colours of the step grid, the parameter lane and the song view, from the palette (pure).

The step views ask this module, never the palette directly: it is the one place that
maps their roles (a cell on the beat, a lit step, a muted lane...) to the theme's
colours, so a theme switch recolours them with the rest of the window.  Steps, placements
and pattern notes take their track's colour, as notes do in the roll.
"""

from __future__ import annotations

from dataclasses import dataclass

from sequencer_gui import palette
from sequencer_gui.palette import Palette, mix


@dataclass(frozen=True, slots=True)
class StepColours:
    canvas: str
    header: str
    cell_on_beat: str  # cells of the odd beats (1, 3...) of a bar
    cell_off_beat: str
    cell_beyond: str  # past a lane's own length (polymeter)
    cell_lit: str  # the step sounding now
    cursor: str  # the keyboard's step cursor
    text: str
    text_dim: str
    button_off: str
    mute_on: str
    solo_on: str
    length_handle: str
    tie: str
    mark: str  # text on a lit step or a placement
    param_bar: str
    param_bar_off: str
    param_zero: str
    grid_bar: str
    grid_beat: str
    playhead: str
    placement_selected: str
    row_even: str
    row_odd: str
    queued: str
    band: str  # the rubber band selecting placements
    palette: Palette

    def step_fill(self, track_colour: str, velocity: int) -> str:
        """A step that is on: its track's colour, fuller the harder it plays."""
        return self.palette.note_fill(track_colour, velocity)

    def placement_fill(self, track_colour: str) -> str:
        return self.palette.note_fill(track_colour, 100)

    def block_fill(self, track_colour: str) -> str:
        """A block of a track's own notes in the song view: paler than a placement."""
        return mix(self.palette.row_white, track_colour, 0.22)

    def pattern_note_fill(self, track_colour: str) -> str:
        """Pattern notes in the roll: a ghost of the track's colour, outlined in it."""
        return mix(self.palette.row_white, track_colour, 0.3)


def for_palette(p: Palette) -> StepColours:
    return StepColours(
        canvas=p.canvas,
        header=p.row_black,
        cell_on_beat=mix(p.row_white, p.text, 0.12),
        cell_off_beat=mix(p.row_white, p.text, 0.05),
        cell_beyond=p.row_out_of_scale,
        cell_lit=mix(p.row_white, p.cursor, 0.5),
        cursor=p.selected_outline,
        text=p.text,
        text_dim=p.text_dim,
        button_off=p.raised,
        mute_on=p.mute,
        solo_on=p.solo,
        length_handle=p.accent,
        tie=p.text_dim,
        mark=p.note_text,
        param_bar=p.accent,
        param_bar_off=p.grid_beat,
        param_zero=p.grid_beat,
        grid_bar=p.grid_bar,
        grid_beat=p.grid_beat,
        playhead=p.cursor,
        placement_selected=p.selected_fill,
        row_even=p.row_white,
        row_odd=p.row_black,
        queued=p.meter_mid,
        band=p.rubber_band,
        palette=p,
    )


_cache: dict[str, StepColours] = {}


def current() -> StepColours:
    """The step views' colours in the theme now in use."""
    p = palette.current()
    found = _cache.get(p.name)
    if found is None or found.palette is not p:
        found = _cache[p.name] = for_palette(p)
    return found
