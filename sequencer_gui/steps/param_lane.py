"""The parameter lane under the step grid: one bar per step of the cursor's lane (GUI thread).

A switch picks the parameter (velocity, probability, offset, ratchet, length,
condition); click or drag draws values, a drag across steps drawing a curve, and the
whole drag is one undo step.  The lane shares the grid's columns (same geometry), so a
bar sits under its step.  Bars come from a pool keyed by step, like the cells.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core import pattern_edits as pe
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.fonts import SMALL
from sequencer_gui.steps import colours
from sequencer_gui.steps.params import PARAM_BY_NAME, PARAMS

LANE_HEIGHT = 72
LABEL_FONT = SMALL


class ParamLane(ttk.Frame):
    """The parameter switch at the left, the bars under the grid's columns."""

    def __init__(self, master, panel):
        super().__init__(master)
        self.panel = panel
        self.param = PARAMS[0]
        self.var = tk.StringVar(value=self.param.name)
        self.canvas = c = tk.Canvas(
            self,
            height=LANE_HEIGHT,
            background=colours.current().canvas,
            highlightthickness=0,
            borderwidth=0,
        )
        self.switch = ttk.Combobox(
            self, values=[p.name for p in PARAMS], textvariable=self.var, width=11, state="readonly"
        )
        self.switch.bind("<<ComboboxSelected>>", lambda e: self.set_param(self.var.get()))
        c.grid(row=0, column=0, sticky="ew")
        self.columnconfigure(0, weight=1)
        # the switch sits on the canvas, over the grid's header column
        self.switch_window = c.create_window(6, 6, anchor="nw", window=self.switch)
        self.lane_text = c.create_text(
            8, LANE_HEIGHT - 8, anchor="w", fill=colours.current().text_dim, font=LABEL_FONT
        )
        self.zero_line = c.create_line(
            0, 0, 0, 0, fill=colours.current().param_zero, state="hidden"
        )
        self.bars = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0, width=0), "bar")
        self.labels = ItemPool(
            c, lambda: c.create_text(0, 0, fill=colours.current().text, font=LABEL_FONT), "label"
        )
        self._drag = None  # (lane index, steps visited) during a drag
        c.bind("<ButtonPress-1>", self.on_press)
        c.bind("<B1-Motion>", self.on_motion)
        c.bind("<ButtonRelease-1>", self.on_release)

    def apply_palette(self) -> None:
        col = colours.current()
        self.canvas.configure(background=col.canvas)
        self.canvas.itemconfigure(self.lane_text, fill=col.text_dim)
        self.canvas.itemconfigure(self.zero_line, fill=col.param_zero)
        self.canvas.itemconfigure("label", fill=col.text)
        self.bars.forget_looks()
        self.labels.forget_looks()
        self.redraw()

    def set_param(self, name: str) -> None:
        self.param = PARAM_BY_NAME[name]
        self.var.set(name)
        self.redraw()

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        g = self.panel.grid_view.geometry
        pattern = self.panel.pattern
        param = self.param
        h = LANE_HEIGHT
        bars, labels = {}, {}
        lane_i = self.panel.grid_view.cursor[0]
        if pattern is not None and pattern.lanes:
            lane_i = min(lane_i, len(pattern.lanes) - 1)
            lane = pattern.lanes[lane_i]
            self.canvas.itemconfigure(
                self.lane_text, text=f"{param.name}: {self.panel.lane_name(lane)}"
            )
            for step_i, step in enumerate(lane.steps):
                value = param.value(step)
                y0, y1 = param.bar(value, h)
                x0, _, x1, _ = g.cell_box(0, step_i)
                bars[step_i] = (
                    (x0 + 1, y0, x1 - 1, y1),
                    (
                        (
                            "fill",
                            colours.current().param_bar
                            if step.on
                            else colours.current().param_bar_off,
                        ),
                    ),
                )
                if param.labelled and (step.on or value != param.value(type(step)())):
                    labels[step_i] = (
                        ((x0 + x1) / 2, max(8, y0 - 6)),
                        (("text", param.label(step)),),
                    )
        else:
            self.canvas.itemconfigure(self.lane_text, text="")
        grew = self.bars.sync(bars) | self.labels.sync(labels)
        if param.centred:
            zero = param.bar(0, h)[1] - 1
            self.canvas.coords(self.zero_line, g.header_px, zero, g.world_width_px, zero)
            self.canvas.itemconfigure(self.zero_line, state="normal")
        else:
            self.canvas.itemconfigure(self.zero_line, state="hidden")
        if grew:
            self.canvas.tag_raise("label")

    # ------------------------------------------------------------------ editing
    def _lane(self):
        pattern = self.panel.pattern
        if pattern is None or not pattern.lanes:
            return None, None
        lane_i = min(self.panel.grid_view.cursor[0], len(pattern.lanes) - 1)
        return pattern, pattern.lanes[lane_i]

    def on_press(self, event) -> None:
        pattern, lane = self._lane()
        if lane is None:
            return
        self._drag = (lane.id, set())
        self.panel.document.begin(f"Change step {self.param.name.lower()}")
        self.on_motion(event)

    def on_motion(self, event) -> None:
        if self._drag is None:
            return
        pattern, lane = self._lane()
        lane_id, visited = self._drag
        if lane is None or lane.id != lane_id:
            return
        step_i = self.panel.grid_view.geometry.x_to_step(event.x)
        if step_i is None or step_i >= lane.length_steps:
            return
        changes = self.param.changes(self.param.value_at(event.y, LANE_HEIGHT))
        current = lane.steps[step_i]
        if all(getattr(current, k) == v for k, v in changes.items()):
            return
        visited.add(step_i)
        doc = self.panel.document
        doc.update(pe.set_step(doc.score, pattern.id, lane.id, step_i, **changes))
        if self.param.field == "velocity" and current.on and len(visited) == 1:
            self.panel.preview_step(lane, changes["velocity"])

    def on_release(self, event) -> None:
        if self._drag is None:
            return
        self._drag = None
        self.panel.document.commit()
