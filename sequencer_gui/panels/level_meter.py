"""The master level meter in the transport bar and the engine's load in the status bar (GUI thread).

The peaks come from the shared position block (``EngineLink.read_levels``), read ~30
times a second while the engine plays or the meter is still falling, so an idle window
costs nothing.  The bars fall back at a steady rate (as meters' ballistics do) and a
peak mark holds for a second; green to -12 dBFS, yellow to -3, red above.
"""

from __future__ import annotations

import math
import time
import tkinter as tk

from sequencer_gui import palette

FRAME_MS = 33
FLOOR_DB = -60.0
FALL_DB_PER_S = 24.0
HOLD_S = 1.0
LOAD_EVERY_S = 0.5


def to_db(peak: float) -> float:
    return FLOOR_DB if peak <= 10 ** (FLOOR_DB / 20) else max(FLOOR_DB, 20 * math.log10(peak))


def meter_fraction(db: float) -> float:
    """Where a level sits on the meter, 0 (floor) to 1 (0 dBFS)."""
    return max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB))


class LevelMeter:
    """Two horizontal bars (left, right) on a small canvas."""

    def __init__(self, master, window, width: int = 132, height: int = 20):
        self.window = window
        self.width, self.height = width, height
        self.canvas = c = tk.Canvas(master, width=width, height=height, highlightthickness=0)
        self.shown_db = [FLOOR_DB, FLOOR_DB]
        self.held = [(FLOOR_DB, 0.0), (FLOOR_DB, 0.0)]
        self._count = 0
        self._last = time.monotonic()
        self._next_load = 0.0
        self._after: str | None = None  # the pending after() call while reading
        bar_h = (height - 3) / 2
        self.rows = [(1 + i * (bar_h + 1), 1 + i * (bar_h + 1) + bar_h) for i in range(2)]
        self.back = [c.create_rectangle(0, y0, width, y1, width=0) for y0, y1 in self.rows]
        self.bars = [c.create_rectangle(0, y0, 0, y1, width=0) for y0, y1 in self.rows]
        self.holds = [c.create_line(0, y0, 0, y1, width=2) for y0, y1 in self.rows]
        self.apply_palette(palette.current())
        window.playback.listeners.append(lambda playing: self.wake())
        window.link.listeners.append(lambda event: self.wake())

    def apply_palette(self, colours) -> None:
        self.canvas.configure(background=colours.window)
        for item in self.back:
            self.canvas.itemconfigure(item, fill=colours.meter_back)
        self._draw()

    def colour(self, db: float) -> str:
        colours = palette.current()
        if db > -3:
            return colours.meter_high
        return colours.meter_mid if db > -12 else colours.meter_low

    # ------------------------------------------------------------------ the loop
    def wake(self) -> None:
        """Start reading (the engine started playing or said something)."""
        if self._after is None:
            self._last = time.monotonic()
            self._after = self.canvas.after(FRAME_MS, self._frame)

    def _frame(self) -> None:
        self._after = None
        now = time.monotonic()
        levels = self.window.link.read_levels()
        fall = FALL_DB_PER_S * (now - self._last)
        self._last = now
        if levels is not None:
            left, right, count = levels
            fresh = count != self._count
            self._count = count
            for side, peak in enumerate((left, right)):
                db = to_db(peak) if fresh else FLOOR_DB
                self.shown_db[side] = max(db, self.shown_db[side] - fall)
                held_db, held_at = self.held[side]
                if db >= held_db or now - held_at > HOLD_S:
                    self.held[side] = (self.shown_db[side], now)
        else:
            self.shown_db = [max(FLOOR_DB, d - fall) for d in self.shown_db]
        self._draw()
        if now >= self._next_load:
            self._next_load = now + LOAD_EVERY_S
            self.window.status.show_load(self.window.link.read_load())
        moving = any(d > FLOOR_DB for d in self.shown_db) or any(h > FLOOR_DB for h, _ in self.held)
        if self.window.playback.playing or moving:
            self._after = self.canvas.after(FRAME_MS, self._frame)

    def _draw(self) -> None:
        c = self.canvas
        for side, (y0, y1) in enumerate(self.rows):
            db = self.shown_db[side]
            x = self.width * meter_fraction(db)
            c.coords(self.bars[side], 0, y0, x, y1)
            c.itemconfigure(self.bars[side], fill=self.colour(db))
            held_db, _ = self.held[side]
            hx = max(1.0, self.width * meter_fraction(held_db))
            c.coords(self.holds[side], hx, y0, hx, y1)
            c.itemconfigure(
                self.holds[side],
                fill=self.colour(held_db),
                state="normal" if held_db > FLOOR_DB else "hidden",
            )

    def level_db(self) -> tuple[float, float]:
        """What the bars show now, in dBFS (the floor at silence)."""
        return self.shown_db[0], self.shown_db[1]
