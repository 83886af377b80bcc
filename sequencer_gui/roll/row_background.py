"""The roll's row backgrounds: one rectangle per pitch, laid out for piano, scale or drum map (GUI thread).

128 items made once; a vertical zoom, a fold, a scale or a track change moves and
recolours them (``layout``), and rows the fold leaves out are hidden.  They span the
whole world's width, so scrolling never touches them.
"""

from __future__ import annotations

from sequencer_gui import palette
from sequencer_gui.roll.geometry import PITCH_COUNT
from sequencer_gui.roll.rows import row_kind

WORLD_RIGHT = 10**8  # rows span this far, so scrolling never shows their end


class RowBackground:
    """Row rectangles behind the notes of one roll."""

    def __init__(self, roll):
        self.roll = roll
        c = roll.canvas
        self.items = {
            pitch: c.create_rectangle(0, 0, 0, 0, width=0, tags=("row",))
            for pitch in range(PITCH_COUNT)
        }
        self.shown: dict[int, tuple] = {}  # pitch -> (coords, fill) it shows

    def fill(self, pitch: int, row_index: int) -> str:
        roll = self.roll
        colours = palette.current()
        drum = roll.track.is_drum
        kind = row_kind(pitch, drum, roll.row_style)
        if drum:  # a drum map: alternate bands, so the eye follows one instrument across
            return colours.row_white if row_index % 2 == 0 else colours.row_black
        return {
            "white": colours.row_white,
            "black": colours.row_black,
            "root": colours.row_root,
            "out": colours.row_out_of_scale,
        }[kind]

    def layout(self) -> None:
        roll = self.roll
        g = roll.geometry
        c = roll.canvas
        for pitch, item in self.items.items():
            if not g.shows(pitch):
                if self.shown.pop(pitch, None) is not None:
                    c.itemconfigure(item, state="hidden")
                continue
            y = g.pitch_to_y(pitch)
            look = (
                (0, y, WORLD_RIGHT, y + g.key_height_px),
                self.fill(pitch, y // g.key_height_px),
            )
            if self.shown.get(pitch) == look:
                continue
            c.coords(item, *look[0])
            c.itemconfigure(item, fill=look[1], state="normal")
            self.shown[pitch] = look

    def forget(self) -> None:
        """After a theme switch: every row is set again by the next ``layout``."""
        self.shown.clear()
