"""The ruler above the roll: change lanes, then bar numbers (GUI thread).

From the top: the marker, tempo and meter lanes (``ruler_lanes``), then the bar row,
where a click moves the cursor and a drag sets the loop region.  Bar numbers and tick
marks come from a pool, like the grid lines; the loop region and the cursor marker are
single items that move.  One set of bindings on the canvas sends each press to the row
it falls in.
"""

from __future__ import annotations

import tkinter as tk

from engine.core import edits
from sequencer_gui import palette
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.fonts import SMALL
from sequencer_gui.roll.geometry import snap_tick
from sequencer_gui.roll.ruler_lanes import ChangeLanes

DRAG_THRESHOLD_PX = 4
LANES = ("marker", "tempo", "meter")  # top to bottom


class Ruler:
    """Change lanes and bar numbers over the grid; owns the loop-region gesture."""

    def __init__(self, roll):
        self.roll = roll
        lane_h = roll.LANE_HEIGHT
        self.bar_top = lane_h * len(LANES)  # where the bar row starts
        self.height = self.bar_top + roll.RULER_HEIGHT
        self.canvas = c = tk.Canvas(
            roll,
            height=self.height,
            width=800,
            highlightthickness=0,
            borderwidth=0,
            background=palette.current().canvas,
            xscrollincrement=1,
            confine=False,
        )
        h = self.height
        self.loop_item = c.create_rectangle(0, self.bar_top, 0, h, width=0, state="hidden")
        self.marks = ItemPool(c, lambda: c.create_line(0, 0, 0, 0), "mark")
        self.labels = ItemPool(c, lambda: c.create_text(0, 0, anchor="nw", font=SMALL), "label")
        self.lanes = ChangeLanes(
            self, {kind: (i * lane_h, (i + 1) * lane_h) for i, kind in enumerate(LANES)}
        )
        self.cursor_item = c.create_polygon(0, 0, 0, 0, 0, 0, fill=palette.current().cursor)
        # called with (lane name) when a lane asks for its value to be typed (the
        # transport bar focuses its tempo or meter box)
        self.edit_listeners: list = []
        self._press_x: float | None = None
        self._dragging = False
        c.bind("<ButtonPress-1>", self._on_press)
        c.bind("<B1-Motion>", self._on_motion)
        c.bind("<ButtonRelease-1>", self._on_release)
        c.bind("<Double-Button-1>", self._on_double)
        c.bind("<ButtonPress-3>", self._on_right_press)

    def redraw(self) -> None:
        roll = self.roll
        g, score = roll.geometry, roll.score
        h, top = self.height, self.bar_top
        colours = palette.current()
        mark_look = (("fill", colours.grid_bar),)
        label_look = ("fill", colours.ruler_text)
        marks, labels = {}, {}
        for tick, kind in g.grid_lines(score.time_signatures, roll.grid_ticks, 8.0):
            if kind == "grid":
                continue
            x = g.tick_to_x(tick)
            y0 = top if kind == "bar" else h - (h - top) * 0.4
            marks[tick] = ((x, y0, x, h), mark_look)
            if kind == "bar":
                bar = score.time_signatures.tick_to_bar_beat(tick, score.ppq).bar
                labels[tick] = ((x + 3, top + 2), (("text", str(bar)), label_look))
        grew = self.marks.sync(marks) | self.labels.sync(labels)
        if score.loop is not None:
            self.canvas.coords(
                self.loop_item,
                g.tick_to_x(score.loop.start_tick),
                h - (h - top) * 0.45,
                g.tick_to_x(score.loop.end_tick),
                h,
            )
            self.canvas.itemconfigure(
                self.loop_item,
                state="normal",
                fill=colours.loop_ruler_on if score.loop_enabled else colours.loop_ruler_off,
            )
        else:
            self.canvas.itemconfigure(self.loop_item, state="hidden")
        self.lanes.redraw()
        if grew:
            self.canvas.tag_raise(self.cursor_item)

    def make_corner(self, parent, width: int) -> tk.Canvas:
        """Names of the ruler's rows, for the corner above the keyboard."""
        self.corner = corner = tk.Canvas(
            parent, width=width, height=self.height, highlightthickness=0, borderwidth=0
        )
        rows = [(kind, (top + bottom) / 2) for kind, (top, bottom) in self.lanes.rows.items()]
        rows.append(("bar", (self.bar_top + self.height) / 2))
        self._corner_items = {
            kind: corner.create_text(width - 6, y, text=kind.title(), anchor="e", font=SMALL)
            for kind, y in rows
        }
        self.colour_corner(palette.current())
        return corner

    def colour_corner(self, colours) -> None:
        self.corner.configure(background=colours.canvas)
        for kind, item in self._corner_items.items():
            fill = colours.text_dim if kind == "bar" else getattr(colours, kind)
            self.corner.itemconfigure(item, fill=fill)

    def apply_palette(self, colours) -> None:
        self.canvas.configure(background=colours.canvas)
        self.canvas.itemconfigure(self.cursor_item, fill=colours.cursor)
        self.marks.forget_looks()
        self.labels.forget_looks()
        self.lanes.apply_palette(colours)

    def move_cursor(self, tick: int) -> None:
        x = self.roll.geometry.tick_to_x(tick)
        h = self.height
        self.canvas.coords(self.cursor_item, x - 5, h - 9, x + 5, h - 9, x, h)

    def _tick_at(self, x_view: float) -> int:
        g = self.roll.geometry
        return snap_tick(g.x_to_tick(self.canvas.canvasx(x_view)), self.roll.grid_ticks)

    def _on_press(self, event) -> None:
        lane = self.lanes.lane_at(event.y)
        if lane is not None:
            self.lanes.press(lane, event)
        self._press_x = event.x
        self._dragging = False

    def _on_motion(self, event) -> None:
        if self.lanes.drag is not None:
            self.lanes.motion(event)
            return
        if self._press_x is None:
            return
        roll = self.roll
        if not self._dragging:
            if abs(event.x - self._press_x) < DRAG_THRESHOLD_PX:
                return
            self._dragging = True
            roll.document.begin("Set loop region")
        a, b = sorted((self._tick_at(self._press_x), self._tick_at(event.x)))
        if b > a:
            # set_loop replaces the whole region, so applying it to the live score of
            # the drag (not the one before it) gives the same result
            roll.document.update(edits.set_loop(roll.score, a, b, True))

    def _on_release(self, event) -> None:
        roll = self.roll
        if self.lanes.release(event):
            self._press_x = None
            return
        if self._press_x is None:
            return
        if self._dragging:
            roll.document.commit()
        else:
            tick = self._tick_at(event.x)
            roll.set_cursor(tick)
            roll.audition.locate(tick)
        self._press_x = None
        self._dragging = False

    def _on_double(self, event) -> None:
        lane = self.lanes.lane_at(event.y)
        if lane is not None:
            self.lanes.double_click(lane, event)

    def _on_right_press(self, event) -> None:
        lane = self.lanes.lane_at(event.y)
        if lane is not None:
            self.lanes.delete(lane, event)
