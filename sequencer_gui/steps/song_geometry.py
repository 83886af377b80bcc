"""Song-view geometry: tracks x bars, placements as boxes, hit-testing (pure).

The song view lays the arrangement out as Hydrogen's song editor does: one row per
track, time running right in bars.  x is linear in ticks (``bar_px`` pixels for a bar of
the first time signature), so a placement's box has exactly the width of the time it
plays and a pattern shorter than a bar shows as such.  World x: the track header takes
``header_px``, tick 0 starts after it; world y: the bar ruler takes ``ruler_px``, then
one row per track.  Nothing here imports Tk.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace

END_GRAB_PX = 5  # how close to a placement's end counts as grabbing it to extend


@dataclass(frozen=True, slots=True)
class PlacementBox:
    """An item as the view needs it: a key, its row and the ticks it covers.

    ``layer`` says what is drawn over what: a placement (1) over a block of notes (0).
    """

    key: Hashable
    track: int
    start_tick: int
    end_tick: int
    layer: int = 1


@dataclass(frozen=True, slots=True)
class SongHit:
    """What the pointer is over: a placement's "body" or "end", or an "empty" cell."""

    part: str  # "body" | "end" | "empty"
    track: int
    tick: int  # the tick under the pointer (>= 0)
    key: Hashable = None


@dataclass(frozen=True, slots=True)
class SongGeometry:
    """Where tracks and bars are drawn."""

    ppq: int = 480
    bar_ticks: int = 1920  # the bar the width is measured in (the song's first)
    bar_px: float = 48.0
    track_count: int = 1
    header_px: int = 140
    ruler_px: int = 22
    row_height_px: int = 40  # room for a placement's name and its notes' preview

    MIN_BAR_PX = 8.0
    MAX_BAR_PX = 240.0

    def __post_init__(self):
        if self.ppq < 1 or self.bar_ticks < 1:
            raise ValueError(f"ticks per quarter and per bar must be positive, not {self.ppq}")
        if not (self.MIN_BAR_PX <= self.bar_px <= self.MAX_BAR_PX):
            raise ValueError(
                f"bar width must be from {self.MIN_BAR_PX:g} to {self.MAX_BAR_PX:g} pixels, "
                f"not {self.bar_px}"
            )
        if self.track_count < 0:
            raise ValueError(f"track count must not be negative, not {self.track_count}")

    @property
    def px_per_tick(self) -> float:
        return self.bar_px / self.bar_ticks

    def tick_to_x(self, tick: float) -> float:
        return self.header_px + tick * self.px_per_tick

    def x_to_tick(self, x: float) -> int:
        """The tick at world x (never before 0)."""
        return max(0, int(math.floor((x - self.header_px) / self.px_per_tick)))

    def track_y(self, track: int) -> int:
        """World y of the top of ``track``'s row."""
        return self.ruler_px + track * self.row_height_px

    def y_to_track(self, y: float) -> int | None:
        if y < self.ruler_px:
            return None
        track = int((y - self.ruler_px) // self.row_height_px)
        return track if track < self.track_count else None

    def y_to_track_clamped(self, y: float) -> int:
        return max(0, min(self.track_count - 1, int((y - self.ruler_px) // self.row_height_px)))

    @property
    def world_height_px(self) -> int:
        return self.track_y(self.track_count)

    def box(self, placement: PlacementBox) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of a placement, inset a little inside its row."""
        y0 = self.track_y(placement.track)
        x0 = self.tick_to_x(placement.start_tick)
        x1 = max(x0 + 3.0, self.tick_to_x(placement.end_tick))
        return x0 + 1, y0 + 3, x1 - 1, y0 + self.row_height_px - 3

    def hit(self, x: float, y: float, boxes: Iterable[PlacementBox]) -> SongHit | None:
        """The placement (and part) under world (x, y), an empty cell, or None off the rows.

        When items overlap on a row, the one drawn on top wins: the higher layer, then the
        one starting last.  Its
        end is grabbed within ``END_GRAB_PX`` inside its right edge (a third of it when
        it is narrow), never outside: a click just past a placement is a click in the
        next bar, which places a pattern there.
        """
        track = self.y_to_track(y)
        if track is None or x < self.header_px:
            return None
        tick = self.x_to_tick(x)
        best = None
        for b in boxes:
            if b.track != track:
                continue
            x0, _, x1, _ = self.box(b)
            if x0 - 1 <= x <= x1 + 1 and (
                best is None or (b.layer, b.start_tick) >= (best.layer, best.start_tick)
            ):
                best = b
        if best is None:
            return SongHit("empty", track, tick)
        x0, _, x1, _ = self.box(best)
        grab = min(END_GRAB_PX, (x1 - x0) / 3)
        return SongHit("end" if x >= x1 - grab else "body", track, tick, best.key)

    def in_band(
        self, band: tuple[float, float, float, float], boxes: Iterable[PlacementBox]
    ) -> list[Hashable]:
        """The keys of the boxes a rubber band (world x0, y0, x1, y1, any corners) touches."""
        bx0, bx1 = sorted((band[0], band[2]))
        by0, by1 = sorted((band[1], band[3]))
        found = []
        for b in boxes:
            x0, y0, x1, y1 = self.box(b)
            if x0 <= bx1 and bx0 <= x1 and y0 <= by1 and by0 <= y1:
                found.append(b.key)
        return found

    def zoomed(self, factor: float) -> SongGeometry:
        return replace(
            self, bar_px=min(self.MAX_BAR_PX, max(self.MIN_BAR_PX, self.bar_px * factor))
        )


def snap_to_bar(tick: int, time_signatures, ppq: int) -> int:
    """The start of the bar holding ``tick`` (placements start on bar lines)."""
    bar = time_signatures.tick_to_bar_beat(max(0, tick), ppq).bar
    return time_signatures.bar_to_tick(bar, ppq)


def nearest_bar(tick: float, time_signatures, ppq: int) -> int:
    """The bar line nearest to ``tick`` (a dragged placement lands on it)."""
    start = snap_to_bar(int(tick), time_signatures, ppq)
    bar = time_signatures.tick_to_bar_beat(start, ppq).bar
    following = time_signatures.bar_to_tick(bar + 1, ppq)
    return following if tick - start > (following - start) / 2 else start


def repeats_for_end(start_tick: int, end_tick: float, pass_ticks: int) -> int:
    """Repeats (at least 1) whose end is nearest ``end_tick`` for a pass of ``pass_ticks``."""
    if pass_ticks < 1:
        raise ValueError(f"a pass must last at least one tick, not {pass_ticks}")
    return max(1, min(9999, round((end_tick - start_tick) / pass_ticks)))
