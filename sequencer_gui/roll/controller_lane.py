"""The controller lane under the roll: the edited track's events of one controller (or the
pitch wheel) as points, each held until the next; draw, drag and erase them (GUI thread).

Like the velocity lane: items come from pools keyed by event and follow the roll's
horizontal scroll and zoom (the lane is one of the roll's overlays, redrawn with its
notes); one binding per mouse action on the canvas.  Dragging on empty space draws one
point per grid step over the stretch dragged (replacing what was there); dragging a
point moves it; the right button erases the points it passes.  Each gesture is one undo
step.  Hovering over a point, or drawing and dragging, shows the controller and the value
under the pointer beside it (one persistent text item), as the musician reads it: pedal
down or up, pan side, bend in semitones.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core import controller_edits as ce
from engine.core.controllers import CONTROL, CONTROLLER_NAMES, PITCH_BEND, describe_value
from engine.core.errors import ScoreError
from sequencer_gui import palette
from sequencer_gui.canvas_pool import ItemPool

HEIGHT_PX = 64
GRAB_PX = 6
DOT_PX = 3
READOUT_GAP_PX = 8
# what the chooser offers: (label, kind, number)
LANES = tuple((f"{name} (CC {n})", CONTROL, n) for n, name in CONTROLLER_NAMES.items()) + (
    ("Pitch bend", PITCH_BEND, 0),
)


class ControllerLane:
    """The lane, its chooser and its editing (see module doc)."""

    def __init__(self, roll):
        self.roll = roll
        self.kind, self.number = CONTROL, LANES[0][2]
        self.label = LANES[0][0]
        colours = palette.current()
        self.canvas = c = tk.Canvas(
            roll,
            height=HEIGHT_PX,
            width=800,
            highlightthickness=0,
            borderwidth=0,
            background=colours.canvas,
            xscrollincrement=1,
            confine=False,
        )
        self.choice_var = tk.StringVar(roll, value=LANES[0][0])
        self.chooser = ttk.Combobox(
            roll,
            values=[label for label, _, _ in LANES],
            textvariable=self.choice_var,
            state="readonly",
            width=12,
        )
        self.chooser.bind("<<ComboboxSelected>>", lambda e: self.choose(self.choice_var.get()))
        self.dots = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0, width=0), "dot")
        self.holds = ItemPool(c, lambda: c.create_line(0, 0, 0, 0, width=2), "hold")
        self.readout = c.create_text(
            0, 0, text="", state="hidden", fill=colours.text, tags=("readout",)
        )
        self._gesture = None  # ("draw", points, base) | ("move", event, base) | ("erase", base)
        c.bind("<Motion>", self._on_hover)
        c.bind("<Leave>", lambda _e: self.hide_readout())
        c.bind("<ButtonPress-1>", self._on_press)
        c.bind("<B1-Motion>", self._on_motion)
        c.bind("<ButtonRelease-1>", self._on_release)
        c.bind("<ButtonPress-3>", self._on_erase)
        c.bind("<B3-Motion>", self._on_erase)
        c.bind("<ButtonRelease-3>", self._on_release)

    def mount(self, row: int) -> None:
        """Put the lane and its chooser in ``row`` of the roll's grid."""
        self.chooser.grid(row=row, column=0, sticky="e", padx=4)
        self.canvas.grid(row=row, column=1, sticky="ew")
        self.roll.overlays.append(self)
        self.redraw()

    def choose(self, label: str) -> None:
        for name, kind, number in LANES:
            if name == label:
                self.kind, self.number, self.label = kind, number, name
                self.choice_var.set(name)
                self.hide_readout()
                self.redraw()
                return
        raise ValueError(f"there is no controller lane {label!r}")

    # ------------------------------------------------------------------ drawing
    def y_of(self, value: int) -> float:
        low, high = ce.value_range(self.kind)
        return HEIGHT_PX - 3 - (HEIGHT_PX - 6) * (value - low) / (high - low)

    def value_at(self, y: float) -> int:
        low, high = ce.value_range(self.kind)
        value = low + round((HEIGHT_PX - 3 - y) * (high - low) / (HEIGHT_PX - 6))
        return max(low, min(high, value))

    def events(self) -> list:
        roll = self.roll
        try:
            return ce.lane_events(roll.score, roll.track_index, self.kind, self.number)
        except ScoreError:
            return []

    def redraw(self, start=None, end=None, low=None, high=None) -> None:
        """Called with the roll's notes (an overlay): follow its scroll, draw the points."""
        roll, c = self.roll, self.canvas
        g = roll.geometry
        dx = g.scroll_x_px - int(c.canvasx(0))
        if dx:
            c.xview_scroll(dx, "units")
        first, last = g.visible_ticks()
        events = self.events()
        colour = roll.track_colour()
        dots, holds = {}, {}
        for i, event in enumerate(events):
            until = events[i + 1].tick if i + 1 < len(events) else last
            if until < first or event.tick > last:
                continue
            x, y = g.tick_to_x(event.tick), self.y_of(event.value)
            key = (i, event)
            dots[key] = (
                (x - DOT_PX, y - DOT_PX, x + DOT_PX, y + DOT_PX),
                (("fill", colour),),
            )
            holds[key] = ((x, y, g.tick_to_x(max(until, event.tick)), y), (("fill", colour),))
        self.holds.sync(holds)
        self.dots.sync(dots)
        c.tag_raise("dot")
        c.tag_raise("readout")

    def show_readout(self, tick: int, value: int) -> None:
        """Say ``value`` beside the point at ``tick``: right of it, or left near the edge."""
        c = self.canvas
        x, y = self.roll.geometry.tick_to_x(tick), self.y_of(value)
        text = f"{self.label}: {describe_value(self.kind, self.number, value)}"
        right_edge = c.canvasx(max(1, c.winfo_width()))
        c.itemconfigure(self.readout, text=text, state="normal")
        c.itemconfigure(self.readout, anchor="w")
        left, top, right, bottom = c.bbox(self.readout)
        if x + READOUT_GAP_PX + (right - left) > right_edge:
            c.itemconfigure(self.readout, anchor="e")
            x -= READOUT_GAP_PX
        else:
            x += READOUT_GAP_PX
        half = (bottom - top) / 2 + 1  # the whole line of text inside the lane
        c.coords(self.readout, x, max(half, min(HEIGHT_PX - half, y)))

    def hide_readout(self) -> None:
        self.canvas.itemconfigure(self.readout, state="hidden")

    @property
    def readout_text(self) -> str:
        """What the readout says ("" while hidden)."""
        c = self.canvas
        return (
            ""
            if c.itemcget(self.readout, "state") == "hidden"
            else c.itemcget(self.readout, "text")
        )

    def apply_palette(self, colours) -> None:
        self.canvas.configure(background=colours.canvas)
        self.canvas.itemconfigure(self.readout, fill=colours.text)
        self.dots.forget_looks()
        self.holds.forget_looks()

    # ------------------------------------------------------------------ editing
    def _tick_at(self, x_view: float) -> int:
        return max(0, round(self.roll.geometry.x_to_tick(self.canvas.canvasx(x_view))))

    def event_at(self, x_view: float, y: float | None = None):
        """The point nearest to the viewport position (within a few pixels), or None."""
        g, x = self.roll.geometry, self.canvas.canvasx(x_view)
        best, best_d = None, GRAB_PX + 1
        for event in self.events():
            d = abs(g.tick_to_x(event.tick) - x)
            if y is not None:
                d = max(d, abs(self.y_of(event.value) - y))
            if d < best_d:
                best, best_d = event, d
        return best

    def _on_hover(self, event) -> None:
        if self._gesture is not None:
            return
        hit = self.event_at(event.x, event.y)
        if hit is None:
            self.hide_readout()
        else:
            self.show_readout(hit.tick, hit.value)

    def _on_press(self, event) -> None:
        doc = self.roll.document
        hit = self.event_at(event.x, event.y)
        if hit is not None:
            self._gesture = ("move", hit, doc.score)
            doc.begin("Move controller point")
        else:
            self._gesture = ("draw", {}, doc.score)
            doc.begin("Draw controller")
        self._on_motion(event)

    def _on_motion(self, event) -> None:
        gesture = self._gesture
        if gesture is None:
            return
        roll = self.roll
        tick, value = self._tick_at(event.x), self.value_at(event.y)
        if gesture[0] == "move":
            _, hit, base = gesture
            score = ce.move(base, roll.track_index, hit, tick, value)
        elif gesture[0] == "draw":
            _, points, base = gesture
            grid = max(1, roll.grid_ticks)
            tick = tick // grid * grid
            points[tick] = value
            score = ce.draw(base, roll.track_index, self.kind, self.number, points)
        else:
            return
        roll.document.update(score)
        self.show_readout(tick, value)

    def _on_erase(self, event) -> None:
        doc, roll = self.roll.document, self.roll
        if self._gesture is None:
            self._gesture = ("erase", doc.score)
            doc.begin("Erase controller points")
        self.hide_readout()
        hit = self.event_at(event.x)
        if hit is not None and self._gesture[0] == "erase":
            doc.update(ce.erase(doc.score, roll.track_index, [hit]))

    def _on_release(self, event) -> None:
        if self._gesture is None:
            return
        self._gesture = None
        self.roll.document.commit()
        self._on_hover(event)  # the point now under the pointer, if any
