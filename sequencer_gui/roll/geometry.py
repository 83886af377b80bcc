"""Piano-roll geometry: ticks <-> x, pitches <-> y, snapping, grid lines, hit-testing (pure).

The roll draws in *world* coordinates: x = tick x pixels-per-tick, y = (127 - pitch) x
key height, so a note's canvas item never moves when the view scrolls (the canvas itself
scrolls); only a zoom changes world coordinates.  The scroll offsets say which part of
the world the viewport shows.  Nothing here imports Tk, so every rule the mouse follows
is tested without a display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from engine.core.score import Note, Track
from engine.core.timing import TimeSignatureMap

PITCH_COUNT = 128
EDGE_GRAB_PX = 4  # how close to a note's end counts as grabbing the edge
MIN_NOTE_GRAB_PX = 10  # a note narrower than this is all body, so it can still be moved


def grid_choices(ppq: int) -> list[tuple[str, int]]:
    """Snap grids from 1/1 to 1/32 with triplets, as (label, ticks), coarse first.

    A division whose length is not a whole number of ticks at this PPQ is left out.
    """
    choices = []
    for division in (1, 2, 4, 8, 16, 32):
        whole = ppq * 4
        if whole % division == 0:
            choices.append((f"1/{division}", whole // division))
        if (whole * 2) % (division * 3) == 0:
            choices.append((f"1/{division}T", whole * 2 // (division * 3)))
    return choices


def snap_tick(tick: float, grid_ticks: int) -> int:
    """The grid line nearest to ``tick`` (never before 0)."""
    if grid_ticks <= 1:
        return max(0, round(tick))
    return max(0, int(math.floor(tick / grid_ticks + 0.5)) * grid_ticks)


def snap_tick_down(tick: float, grid_ticks: int) -> int:
    """The start of the grid cell that holds ``tick`` (where a click puts a new note)."""
    if grid_ticks <= 1:
        return max(0, int(math.floor(tick)))
    return max(0, int(math.floor(tick / grid_ticks)) * grid_ticks)


@dataclass(frozen=True, slots=True)
class Hit:
    """What the pointer is over: a note and which part of it (body, start or end edge)."""

    note: Note
    part: str  # "body" | "start" | "end"


@dataclass(frozen=True, slots=True)
class RollGeometry:
    """The roll's zoom and scroll; all coordinates are world (canvas) pixels.

    ``scroll_x_px`` / ``scroll_y_px`` are the world coordinates of the viewport's top-left
    corner, ``width_px`` / ``height_px`` its size.  ``rows`` lists the pitches shown, top
    to bottom, when the roll is folded (a drum kit's rows, a scale's notes); empty means
    all 128.  A pitch that is not shown has no row: ``shows(pitch)`` is False and its y
    lies above the world, out of every view.
    """

    ppq: int = 480
    pixels_per_quarter: float = 64.0
    key_height_px: int = 12
    scroll_x_px: int = 0
    scroll_y_px: int = 0
    width_px: int = 800
    height_px: int = 480
    rows: tuple[int, ...] = ()
    _row_of: dict = field(init=False, repr=False, compare=False)

    MIN_PIXELS_PER_QUARTER = 2.0
    MAX_PIXELS_PER_QUARTER = 1024.0

    def __post_init__(self):
        if not (
            self.MIN_PIXELS_PER_QUARTER <= self.pixels_per_quarter <= self.MAX_PIXELS_PER_QUARTER
        ):
            raise ValueError(
                f"pixels per quarter note must be from "
                f"{self.MIN_PIXELS_PER_QUARTER:g} to "
                f"{self.MAX_PIXELS_PER_QUARTER:g}, not {self.pixels_per_quarter}"
            )
        if not (4 <= self.key_height_px <= 64):
            raise ValueError(f"key height must be from 4 to 64 pixels, not {self.key_height_px}")
        if self.width_px < 1 or self.height_px < 1:
            raise ValueError(
                f"viewport size must be positive, not {self.width_px}x{self.height_px}"
            )
        rows = tuple(self.rows)
        if rows and (
            any(not 0 <= p < PITCH_COUNT for p in rows)
            or list(rows) != sorted(set(rows), reverse=True)
        ):
            raise ValueError("folded rows must be distinct pitches 0..127, highest first")
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "_row_of", {p: i for i, p in enumerate(rows)})

    # ------------------------------------------------------------------ conversions
    @property
    def pixels_per_tick(self) -> float:
        return self.pixels_per_quarter / self.ppq

    @property
    def row_count(self) -> int:
        return len(self.rows) if self.rows else PITCH_COUNT

    @property
    def world_height_px(self) -> int:
        return self.row_count * self.key_height_px

    def shows(self, pitch: int) -> bool:
        """True when ``pitch`` has a row (always, unless the roll is folded)."""
        return not self.rows or pitch in self._row_of

    def tick_to_x(self, tick: float) -> float:
        return tick * self.pixels_per_tick

    def x_to_tick(self, x: float) -> float:
        """The (fractional) tick at world x; callers snap or round as they need."""
        return max(0.0, x / self.pixels_per_tick)

    def pitch_to_y(self, pitch: int) -> int:
        """World y of the top edge of ``pitch``'s row (above the world when it has none)."""
        if not self.rows:
            return (PITCH_COUNT - 1 - pitch) * self.key_height_px
        row = self._row_of.get(pitch)
        return -4 * self.key_height_px if row is None else row * self.key_height_px

    def y_to_pitch(self, y: float) -> int:
        """The pitch whose row holds world y, clamped to the rows there are."""
        row = int(math.floor(y / self.key_height_px))
        if not self.rows:
            return min(PITCH_COUNT - 1, max(0, PITCH_COUNT - 1 - row))
        return self.rows[min(len(self.rows) - 1, max(0, row))]

    def note_box(self, note: Note) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of a note's rectangle, at least one pixel wide."""
        x0 = self.tick_to_x(note.start_tick)
        x1 = max(x0 + 1.0, self.tick_to_x(note.end_tick))
        y0 = self.pitch_to_y(note.pitch)
        return x0, y0, x1, y0 + self.key_height_px

    # ------------------------------------------------------------------ the viewport
    def visible_ticks(self) -> tuple[int, int]:
        """[start, end) of the ticks the viewport shows (whole ticks, rounded outward)."""
        start = int(math.floor(self.x_to_tick(self.scroll_x_px)))
        end = int(math.ceil(self.x_to_tick(self.scroll_x_px + self.width_px))) + 1
        return start, end

    def visible_pitches(self) -> tuple[int, int]:
        """(lowest, highest) pitch with any row in view."""
        top = self.y_to_pitch(self.scroll_y_px)
        bottom = self.y_to_pitch(self.scroll_y_px + self.height_px - 1)
        return bottom, top

    def scrolled(self, dx_px: float = 0, dy_px: float = 0) -> RollGeometry:
        """Scrolled by a number of pixels; y stays within the 128 rows, x never below 0."""
        return self.scrolled_to(self.scroll_x_px + dx_px, self.scroll_y_px + dy_px)

    def scrolled_to(self, x_px: float, y_px: float) -> RollGeometry:
        max_y = max(0, self.world_height_px - self.height_px)
        return replace(
            self,
            scroll_x_px=max(0, int(round(x_px))),
            scroll_y_px=min(max_y, max(0, int(round(y_px)))),
        )

    def resized(self, width_px: int, height_px: int) -> RollGeometry:
        g = replace(self, width_px=max(1, width_px), height_px=max(1, height_px))
        return g.scrolled(0, 0)

    def zoomed(self, factor: float, anchor_view_x: float = 0.0) -> RollGeometry:
        """Zoomed by ``factor`` keeping the tick under ``anchor_view_x`` (a viewport x) put."""
        ppq_px = min(
            self.MAX_PIXELS_PER_QUARTER,
            max(self.MIN_PIXELS_PER_QUARTER, self.pixels_per_quarter * factor),
        )
        anchor_tick = self.x_to_tick(self.scroll_x_px + anchor_view_x)
        g = replace(self, pixels_per_quarter=ppq_px)
        return g.scrolled_to(g.tick_to_x(anchor_tick) - anchor_view_x, self.scroll_y_px)

    def zoomed_vertically(self, factor: float, anchor_view_y: float = 0.0) -> RollGeometry:
        """Rows taller or shorter by ``factor``, keeping the row under ``anchor_view_y`` put."""
        height = min(64, max(4, round(self.key_height_px * factor)))
        if height == self.key_height_px:
            height = min(64, max(4, self.key_height_px + (1 if factor > 1 else -1)))
        row = (self.scroll_y_px + anchor_view_y) / self.key_height_px
        g = replace(self, key_height_px=height)
        return g.scrolled_to(self.scroll_x_px, row * height - anchor_view_y)

    def folded(self, rows: tuple[int, ...]) -> RollGeometry:
        """Showing only ``rows`` (highest first; empty: all), the middle pitch kept in view."""
        middle = self.y_to_pitch(self.scroll_y_px + self.height_px / 2)
        g = replace(self, rows=tuple(rows))
        if not g.shows(middle):
            middle = min(g.rows or (middle,), key=lambda p: abs(p - middle))
        return g.centred_on_pitch(middle)

    def fitted(self, start_tick: int, end_tick: int, low: int, high: int) -> RollGeometry:
        """Zoomed and scrolled so ticks [start, end) and pitches low..high fill the view."""
        span = max(1, end_tick - start_tick)
        margin = self.width_px * 0.04
        ppq_px = (self.width_px - 2 * margin) * self.ppq / span
        ppq_px = min(self.MAX_PIXELS_PER_QUARTER, max(self.MIN_PIXELS_PER_QUARTER, ppq_px))
        shown = [p for p in range(low, high + 1) if self.shows(p)] or [low]
        rows = len(shown) + 2  # a row of air above and below
        height = min(64, max(4, int(self.height_px // rows)))
        g = replace(self, pixels_per_quarter=ppq_px, key_height_px=height)
        x = g.tick_to_x(start_tick) - margin
        y = g.pitch_to_y(max(shown)) - height
        return g.scrolled_to(x, y)

    def centred_on_pitch(self, pitch: int) -> RollGeometry:
        y = self.pitch_to_y(pitch) + self.key_height_px / 2 - self.height_px / 2
        return self.scrolled_to(self.scroll_x_px, y)

    def follow(self, tick: int, margin_px: int = 0) -> RollGeometry:
        """Scrolled so ``tick`` is in view: a page jump when it leaves (as DAWs follow)."""
        x = self.tick_to_x(tick)
        if self.scroll_x_px + margin_px <= x < self.scroll_x_px + self.width_px - margin_px:
            return self
        # floor, not round: the cursor must land inside the view, not half a pixel left
        return self.scrolled_to(math.floor(x) - margin_px, self.scroll_y_px)

    # ------------------------------------------------------------------ grid lines
    def grid_lines(
        self, time_signatures: TimeSignatureMap, grid_ticks: int, min_spacing_px: float = 6.0
    ) -> list[tuple[int, str]]:
        """Vertical lines in view as (tick, kind), kind "bar" | "beat" | "grid".

        Grid lines closer than ``min_spacing_px`` are thinned out (beats, then bars stay),
        so a far zoom-out does not paint the grid solid.
        """
        start, end = self.visible_ticks()
        lines: dict[int, str] = {}
        bars = list(time_signatures.bar_lines(start, end, self.ppq))
        # The bar that begins before the view still owns the beats at its left edge.
        first_bar_tick = time_signatures.bar_to_tick(
            time_signatures.tick_to_bar_beat(start, self.ppq).bar, self.ppq
        )
        bar_ticks = [first_bar_tick] + [t for t, _ in bars if t != first_bar_tick]
        for bar_tick in bar_ticks:
            sig = time_signatures.at(bar_tick)
            beat = sig.beat_ticks(self.ppq)
            bar_end = bar_tick + sig.bar_ticks(self.ppq)
            if grid_ticks * self.pixels_per_tick >= min_spacing_px:
                for t in range(bar_tick, min(bar_end, end), grid_ticks):
                    if t >= start:
                        lines[t] = "grid"
            if beat * self.pixels_per_tick >= min_spacing_px:
                for t in range(bar_tick, min(bar_end, end), beat):
                    if t >= start:
                        lines[t] = "beat"
        for t, _ in bars:
            lines[t] = "bar"
        return sorted(lines.items())

    # ------------------------------------------------------------------ hit-testing
    def hit_note(
        self, track: Track, x: float, y: float, edge_px: float = EDGE_GRAB_PX
    ) -> Hit | None:
        """The note of ``track`` under world (x, y) and the part grabbed, or None.

        Uses the track's range index, so this is fast on tracks of 10 000 notes.  When
        notes overlap, the one starting last (drawn on top) wins.
        """
        pitch = self.y_to_pitch(y)
        slack = edge_px / self.pixels_per_tick
        tick = self.x_to_tick(x)
        lo = max(0, int(math.floor(tick - slack)))
        hi = int(math.ceil(tick + slack)) + 1
        for note in reversed(track.notes_in_range(lo, hi)):
            if note.pitch != pitch:
                continue
            x0, _, x1, _ = self.note_box(note)
            if not (x0 - edge_px <= x <= x1 + edge_px):
                continue
            if x1 - x0 >= MIN_NOTE_GRAB_PX:
                if abs(x - x1) <= edge_px:
                    return Hit(note, "end")
                if abs(x - x0) <= edge_px:
                    return Hit(note, "start")
            if x0 <= x <= x1:
                return Hit(note, "body")
        return None

    def notes_in_rect(self, track: Track, x0: float, y0: float, x1: float, y1: float) -> list[Note]:
        """Notes of ``track`` whose rectangle touches the rubber band (any corner order)."""
        left, right = sorted((x0, x1))
        top, bottom = sorted((y0, y1))
        high = self.y_to_pitch(top)
        low = self.y_to_pitch(bottom)
        start = int(math.floor(self.x_to_tick(left)))
        end = int(math.ceil(self.x_to_tick(right))) + 1
        out = []
        for note in track.notes_in_range(start, end):
            if not (low <= note.pitch <= high):
                continue
            nx0, _, nx1, _ = self.note_box(note)
            if nx1 >= left and nx0 <= right:
                out.append(note)
        return out
