"""Previews of a pattern's notes inside its placements in the song view (GUI thread).

A placement's box shows, under its name, the notes it plays as a small piano-roll strip:
one thin row per lane in use (in the step grid's order, the first lane on top), each note as
long as it sounds, fuller the harder it plays.  The notes are those of the engine's own
expansion, pass by pass (so conditions, probability and ratchets show as they will
play), through a ``PassCache`` keyed by the pattern value: an edit re-expands only the
edited pattern, a move or a recolour expands nothing.

Only the passes in view are laid out, and none when a step is narrower than ``MIN_STEP_PX``
(zoomed far out its notes would be one smear).  The items persist in one pool, keyed by placement,
pass and note, and are synced with the rest of the view on every redraw.
"""

from __future__ import annotations

import math

from engine.core.pattern import Pattern, Placement
from engine.core.pattern_play import PassCache
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.palette import mix

MIN_STEP_PX = 1.5  # a pattern whose steps are narrower shows no preview
MAX_ROW_PX = 5.0  # a lane's row at most this tall: two lanes do not fill the strip
MIN_NOTE_PX = 1.5  # a short hit still shows at a low zoom
LABEL_PX = 12  # the top of a box keeps its name; the strip lies under it
MIN_STRIP_PX = 6  # a box too low for a strip under its name shows none


def lane_rows(pattern: Pattern) -> dict[int, int]:
    """Row of each key in the strip: the first lane playing the key gives its row.

    Lanes with no step on take no row, so a kit of sixteen sounds with three in use
    previews as three readable rows.
    """
    rows: dict[int, int] = {}
    for lane in pattern.lanes:
        if any(step.on for step in lane.steps):
            rows.setdefault(lane.key, len(rows))
    return rows


def strip_box(box: tuple[float, float, float, float]) -> tuple[float, float] | None:
    """(top, bottom) of the preview strip inside a placement's box, or None if too low."""
    _x0, y0, _x1, y1 = box
    top, bottom = y0 + LABEL_PX, y1 - 2
    return (top, bottom) if bottom - top >= MIN_STRIP_PX else None


class SongPreview:
    """The song view's preview items and the expanded passes they show."""

    def __init__(self, canvas):
        self.pool = ItemPool(
            canvas, lambda: canvas.create_rectangle(0, 0, 0, 0, width=0), "preview"
        )
        self.cache = PassCache(limit=1024)
        self._fills: dict[tuple[str, str, int], str] = {}

    def fill(self, under: str, ink: str, velocity: int) -> str:
        """A note's colour: from the box's fill towards ``ink`` by its velocity."""
        key = (under, ink, velocity)
        found = self._fills.get(key)
        if found is None:
            if len(self._fills) > 4096:
                self._fills.clear()
            found = self._fills[key] = mix(under, ink, 0.4 + 0.6 * velocity / 127)
        return found

    def add_looks(
        self,
        wanted: dict,
        placement: Placement,
        pattern: Pattern,
        box: tuple[float, float, float, float],
        start_x: float,
        view: tuple[float, float],
        px_per_tick: float,
        ppq: int,
        seed: int,
        colours: tuple[str, str],
    ) -> None:
        """Add the preview items of ``placement`` (drawn in ``box``) to ``wanted``.

        ``start_x`` is where its first pass starts (the box is inset from it), ``view`` is the visible world x range, ``colours`` the box's fill and the ink
        its notes tend to as they get louder.
        """
        strip = strip_box(box)
        pass_ticks = pattern.pass_ticks(ppq)
        pass_px = pass_ticks * px_per_tick
        rows = lane_rows(pattern)
        if strip is None or pass_px < MIN_STEP_PX * pattern.length_steps or not rows:
            return
        top, bottom = strip
        row_px = min(MAX_ROW_PX, (bottom - top) / len(rows))
        top += ((bottom - top) - row_px * len(rows)) / 2  # few lanes: centred in the strip
        gap = 1.0 if row_px >= 3 else 0.0
        x0, _y0, x1, _y1 = box
        left, right = view
        first = max(0, math.floor((left - start_x) / pass_px))
        last = min(placement.repeats, math.ceil((min(right, x1) - start_x) / pass_px))
        under, ink = colours
        for r in range(first, last):
            origin = start_x + r * pass_px
            notes = self.cache.pass_notes(pattern, r, 0, ppq, seed, False)
            for i, note in enumerate(notes):
                row = rows.get(note.pitch)
                if row is None:
                    continue
                nx0 = max(x0 + 1, origin + note.start_tick * px_per_tick)
                nx1 = origin + min(note.end_tick, pass_ticks) * px_per_tick - 0.5
                ny0 = top + row * row_px
                wanted[(placement.id, r, i)] = (
                    (nx0, ny0, min(x1 - 1, max(nx0 + MIN_NOTE_PX, nx1)), ny0 + row_px - gap),
                    (("fill", self.fill(under, ink, note.velocity)),),
                )
