"""A level meter on each track's strip (GUI thread).

Each bar shows the peak of that track's own audio, measured by the engine in the synth's
audio callback (``engine.audio.group_mix``) and published beside the position like the
output's level: read ~30 times a second while playing or while a bar is still falling,
so an idle window costs nothing.  The synth meters tracks 1 to ``METERED_TRACKS`` one by
one; a track past them has no bar rather than one that shows another track's sound.
Ballistics and colours are the output meter's (``level_meter``).
"""

from __future__ import annotations

import time
import tkinter as tk

from engine.audio.group_mix import GROUPS
from sequencer_gui import palette
from sequencer_gui.panels.level_meter import (
    FALL_DB_PER_S,
    FLOOR_DB,
    FRAME_MS,
    meter_fraction,
    to_db,
)

# The synth's last group also carries the click (its channel is the synth's last), so the
# tracks measured alone are those before it.
METERED_TRACKS = GROUPS - 1
BAR_WIDTH = 7


class TrackMeterBar:
    """One vertical bar on a canvas of its own, rising from the bottom."""

    def __init__(self, master, index: int, height: int = 40):
        self.index = index
        self.height = height
        self.shown_db = FLOOR_DB
        self._shown: tuple | None = None  # what the canvas shows: height, top, fill, lit
        self.canvas = c = tk.Canvas(
            master, width=BAR_WIDTH, height=height, highlightthickness=0, borderwidth=0
        )
        self.back = c.create_rectangle(0, 0, BAR_WIDTH, height, width=0)
        self.bar = c.create_rectangle(0, height, BAR_WIDTH, height, width=0)
        if index >= METERED_TRACKS:
            c.itemconfigure(self.back, state="hidden")
        self.apply_palette(palette.current())

    def apply_palette(self, colours) -> None:
        self.canvas.configure(background=colours.window)
        self.canvas.itemconfigure(self.back, fill=colours.meter_back)
        self.draw(force=True)

    def feed(self, db: float, fall_db: float) -> None:
        self.shown_db = max(db, self.shown_db - fall_db)
        self.draw()

    def draw(self, force: bool = False) -> None:
        # ~30 times a second per track while playing: touch the canvas only on a change
        c = self.canvas
        height = max(c.winfo_height(), self.height)
        db = self.shown_db
        top = round(height * (1.0 - meter_fraction(db)))
        colours = palette.current()
        fill = (
            colours.meter_high if db > -3 else colours.meter_mid if db > -12 else colours.meter_low
        )
        shown = (height, top, fill, db > FLOOR_DB)
        if shown == self._shown and not force:
            return
        self._shown = shown
        c.coords(self.back, 0, 0, BAR_WIDTH, height)
        c.coords(self.bar, 0, top, BAR_WIDTH, height)
        c.itemconfigure(self.bar, fill=fill, state="normal" if db > FLOOR_DB else "hidden")


class TrackMeters:
    """Feeds every track row's bar from the engine's per-track peaks."""

    def __init__(self, window):
        self.window = window
        self._count = 0
        self._last = time.monotonic()
        self._after = None
        window.playback.listeners.append(lambda playing: self.wake())
        window.link.listeners.append(lambda event: self.wake())
        window.theme.listeners.append(self.apply_palette)
        # the frames are read on the track list's clock, and end with it
        window.tracks.bind("<Destroy>", self._on_destroy, add="+")

    def bars(self) -> list[TrackMeterBar]:
        return [row.meter for row in self.window.tracks.rows]

    def apply_palette(self, colours) -> None:
        for bar in self.bars():
            bar.apply_palette(colours)

    def _on_destroy(self, event) -> None:
        if event.widget is self.window.tracks and self._after is not None:
            self.window.tracks.after_cancel(self._after)
            self._after = None

    def wake(self) -> None:
        if self._after is None:
            self._last = time.monotonic()
            self._after = self.window.tracks.after(FRAME_MS, self._frame)

    def _frame(self) -> None:
        self._after = None
        now = time.monotonic()
        fall = FALL_DB_PER_S * (now - self._last)
        self._last = now
        peaks = self.window.link.read_track_levels()
        levels = self.window.link.read_levels()
        fresh = levels is not None and levels[2] != self._count
        if levels is not None:
            self._count = levels[2]
        bars = self.bars()
        for bar in bars:
            metered = peaks is not None and bar.index < METERED_TRACKS
            bar.feed(to_db(peaks[bar.index]) if metered and fresh else FLOOR_DB, fall)
        moving = any(bar.shown_db > FLOOR_DB for bar in bars)
        if self.window.playback.playing or moving:
            self._after = self.window.tracks.after(FRAME_MS, self._frame)

    def level_db(self) -> list[float]:
        """What each track's bar shows now, in dBFS (the floor at silence)."""
        return [bar.shown_db for bar in self.bars()]


def mount_track_meters(window) -> TrackMeters:
    return TrackMeters(window)
