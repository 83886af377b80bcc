"""Pattern notes of the edited track, shown read-only in the piano roll (GUI thread).

The notes are those of ``pattern_expand.pass_notes``, the function the engine, MIDI
export and ``arrangement_notes`` use, pass by pass as each placement lays them end to
end, so the roll shows exactly what the placements play.  They are drawn in their own
colour under the track's own notes and are not edited by the roll: a press on one is
handed to ``on_press`` (the step views show the step that plays it) instead of adding a
note over it.

Only the passes in view are expanded, and each pass once per pattern value (patterns
are immutable: an edit makes a new one), so an edit of a long arrangement or a scroll
costs the few passes on screen, not the whole song.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from engine.core.pattern import Pattern, Placement
from engine.core.pattern_expand import pass_notes
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.steps import colours

CACHE_LIMIT = 512  # passes kept


@dataclass(frozen=True, slots=True)
class PatternNoteHit:
    """A pattern note under the mouse: the placement, the pass and where the note lies."""

    placement: Placement
    pass_index: int
    start_tick: int
    pitch: int


class PatternNotes:
    """The overlay's pool on the roll's canvas and its cache of expanded passes."""

    def __init__(self, roll):
        self.roll = roll
        c = roll.canvas
        self.pool = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0), "pattern")
        self._passes: dict[tuple, tuple] = {}
        self._keep: dict[int, Pattern] = {}  # keeps each cached pattern alive: ids stay unique
        # called with (hit, double) when a pattern note is clicked or double-clicked
        self.on_press: Callable[[PatternNoteHit, bool], None] | None = None

    def pass_at_zero(self, pattern: Pattern, pass_index: int, ppq: int, seed: int) -> tuple:
        """The notes of one pass starting at tick 0 (cached per pattern value)."""
        key = (id(pattern), pass_index, ppq, seed)
        notes = self._passes.get(key)
        if notes is None or self._keep.get(id(pattern)) is not pattern:
            if len(self._passes) >= CACHE_LIMIT:
                self._passes.clear()
                self._keep.clear()
            notes = pass_notes(pattern, pass_index, 0, ppq, seed)
            self._passes[key] = notes
            self._keep[id(pattern)] = pattern
        return notes

    def visible(self, start: int, end: int, low: int, high: int):
        """Yield (key, start tick, end tick, pitch) of the pattern notes in view."""
        score = self.roll.score
        track = self.roll.track_index
        ppq = score.ppq
        for placement in score.placements:
            if placement.track != track:
                continue
            pattern = score.pattern(placement.pattern_id)
            pass_ticks = pattern.pass_ticks(ppq)
            first = placement.start_tick
            if first >= end or first + placement.repeats * pass_ticks <= start:
                continue
            # a pass's notes stay inside it, so only passes overlapping the view can show
            r0 = max(0, (start - first) // pass_ticks)
            r1 = min(placement.repeats, math.ceil((end - first) / pass_ticks))
            for r in range(r0, r1):
                offset = first + r * pass_ticks
                for i, note in enumerate(self.pass_at_zero(pattern, r, ppq, score.seed)):
                    s, e = note.start_tick + offset, note.end_tick + offset
                    if e > start and s < end and low <= note.pitch <= high:
                        yield (placement.id, r, i), s, e, note.pitch

    def redraw(self, start: int, end: int, low: int, high: int) -> None:
        """Show the pattern notes in ticks [start, end) and pitches low..high.

        Skipped while the roll is hidden behind another tab (a step edit then costs no
        expansion); showing the roll redraws it.
        """
        if not self.roll.winfo_ismapped():
            return
        g = self.roll.geometry
        colour = self.roll.track_colour()
        look = (
            ("fill", colours.current().pattern_note_fill(colour)),
            ("outline", colour),
            ("width", 2),
        )
        wanted = {}
        kh = g.key_height_px
        for key, s, e, pitch in self.visible(start, end, low, high):
            x0 = g.tick_to_x(s)
            y0 = g.pitch_to_y(pitch)
            wanted[key] = ((x0, y0, max(x0 + 1.0, g.tick_to_x(e)), y0 + kh), look)
        if self.pool.sync(wanted):
            self.roll._restack()

    def hit(self, x: float, y: float) -> PatternNoteHit | None:
        """The pattern note at world (x, y) of the roll, if one is drawn there."""
        g = self.roll.geometry
        tick = int(g.x_to_tick(x))
        pitch = g.y_to_pitch(y)
        for (placement_id, r, _i), start, _end, note_pitch in self.visible(
            tick, tick + 1, pitch, pitch
        ):
            for placement in self.roll.score.placements:
                if placement.id == placement_id:
                    return PatternNoteHit(placement, r, start, note_pitch)
        return None

    def press(self, x: float, y: float, double: bool) -> bool:
        """A press on the roll: True when it was on a pattern note (and was handled here)."""
        if self.on_press is None:
            return False
        hit = self.hit(x, y)
        if hit is None:
            return False
        self.on_press(hit, double)
        return True

    def apply_palette(self) -> None:
        self.pool.forget_looks()  # the roll redraws after its own recolouring

    def boxes(self) -> set:
        """The rectangles shown now (tests compare them with the expansion's notes)."""
        c = self.roll.canvas
        return {tuple(round(v, 3) for v in c.coords(self.pool.item(k))) for k in self.pool.keys()}
