"""The step grid: lanes x steps of one pattern on a Tk canvas, with a step ruler (GUI thread).

Like the piano roll, every item persists: cells, velocity levels, marks, headers and
length handles come from pools keyed by (lane, step) or lane, so an edit touches only the
items whose look changed.  The lit step of a playing pattern is a highlight of its own
under the levels and marks: one rectangle per run of neighbouring lanes lit at the same
step (one for the whole column unless lanes have lengths of their own), so a step that
moves is one ``coords`` call, and the cells never change colour.  Mouse and keyboard
editing live in ``grid_editing``; this module only shows.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core.pattern import Lane, Pattern
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.fonts import SMALL
from sequencer_gui.steps import colours
from sequencer_gui.steps.grid_geometry import GridGeometry
from sequencer_gui.steps.grid_looks import (
    cell_fill,
    grid_geometry_for,
    lane_label,
    lit_runs,
    step_mark,
)

STACK_ORDER = (
    "header",
    "cell",
    "lit",
    "level",
    "tie",
    "mark",
    "button",
    "btext",
    "handle",
    "cursor",
)
# A lit step moving further than this many columns (a pass wrapping round) is drawn in
# two halves: Tk redraws the box around everything changed in one go, which would be the
# whole grid.
FAR_COLUMNS = 2
RULER_HEIGHT = 18
MARK_FONT = SMALL


class StepGrid(ttk.Frame):
    """The step ruler above, the lanes below (scrolling up and down when there are many)."""

    def __init__(self, master, panel):
        super().__init__(master)
        self.panel = panel
        self.geometry = GridGeometry()
        self.cursor: tuple[int, int] = (0, 0)  # (lane, step) of the keyboard cursor
        self.lit: dict[int, int] = {}  # lane -> the step lit in it now
        self.ruler = tk.Canvas(
            self,
            height=RULER_HEIGHT,
            background=colours.current().canvas,
            highlightthickness=0,
            borderwidth=0,
        )
        self.canvas = tk.Canvas(
            self,
            background=colours.current().canvas,
            highlightthickness=0,
            borderwidth=0,
            yscrollincrement=1,
            takefocus=1,
            width=800,
            height=300,
        )
        self.vbar = ttk.Scrollbar(self, orient="vertical", command=self.canvas.yview)
        self.canvas.configure(yscrollcommand=self.vbar.set)
        self.ruler.grid(row=0, column=0, sticky="ew")
        self.canvas.grid(row=1, column=0, sticky="nsew")
        self.vbar.grid(row=1, column=1, sticky="ns")
        self.rowconfigure(1, weight=1)
        self.columnconfigure(0, weight=1)

        c = self.canvas
        rect = lambda: c.create_rectangle(0, 0, 0, 0, width=0)  # noqa: E731
        self.header_pool = ItemPool(c, rect, "header")
        self.name_pool = ItemPool(
            c, lambda: c.create_text(0, 0, anchor="w", fill=colours.current().text), "btext"
        )
        self.button_pool = ItemPool(c, rect, "button")
        self.button_text_pool = ItemPool(
            c, lambda: c.create_text(0, 0, fill=colours.current().text, font=MARK_FONT), "btext"
        )
        self.cell_pool = ItemPool(c, rect, "cell")
        self.level_pool = ItemPool(c, rect, "level")
        self.tie_pool = ItemPool(c, lambda: c.create_line(0, 0, 0, 0, width=3), "tie")
        self.mark_pool = ItemPool(
            c, lambda: c.create_text(0, 0, fill=colours.current().mark, font=MARK_FONT), "mark"
        )
        self.handle_pool = ItemPool(c, rect, "handle")
        self.lit_pool = ItemPool(c, rect, "lit")
        self.cursor_item = c.create_rectangle(
            0, 0, 0, 0, outline=colours.current().cursor, width=2, state="hidden", tags=("cursor",)
        )
        r = self.ruler
        self.ruler_pool = ItemPool(
            r,
            lambda: r.create_text(
                0, 0, anchor="w", fill=colours.current().text_dim, font=MARK_FONT
            ),
            "n",
        )
        self.ruler_end = r.create_line(0, 0, 0, 0, fill=colours.current().length_handle, width=2)
        self._lane_cache: dict[int, tuple] = {}  # lane index -> (what it showed, its items)
        self._scrollregion: tuple = ()
        self._shape: tuple = ()  # what every lane's items were last drawn for
        c.bind("<Configure>", self._on_resize)

    # ------------------------------------------------------------------ state
    @property
    def pattern(self) -> Pattern | None:
        return self.panel.pattern

    def lane_lengths(self) -> tuple[int, ...]:
        pattern = self.pattern
        return tuple(lane.length_steps for lane in pattern.lanes) if pattern else ()

    def apply_palette(self) -> None:
        """Recolour after a theme switch: every item is shown afresh."""
        col = colours.current()
        self.canvas.configure(background=col.canvas)
        self.ruler.configure(background=col.canvas)
        self.canvas.itemconfigure("mark", fill=col.mark)
        self.canvas.itemconfigure(self.cursor_item, outline=col.cursor)
        self.canvas.itemconfigure("lit", fill=col.cell_lit)
        self.ruler.itemconfigure(self.ruler_end, fill=col.length_handle)
        for pool in self._pools():
            pool.forget_looks()
        self._lane_cache.clear()
        self._shape = ()
        self.redraw()

    def _lane_pools(self) -> tuple[ItemPool, ...]:
        """The pools a lane's items are in, in the order ``_lane_looks`` gives them."""
        return (
            self.header_pool,
            self.name_pool,
            self.button_pool,
            self.button_text_pool,
            self.cell_pool,
            self.level_pool,
            self.tie_pool,
            self.mark_pool,
            self.handle_pool,
        )

    def _pools(self):
        return (*self._lane_pools(), self.ruler_pool, self.lit_pool)

    def _on_resize(self, event) -> None:
        if event.width != self.geometry.width_px:
            self.redraw()
            self.panel.params.redraw()  # the lane's bars stand under the grid's columns

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        """Show the pattern as it is now: only items whose look changed are touched.

        A lane's items are worked out again only when the lane itself (an immutable
        value) or the geometry changed: an edit of one step rebuilds one
        lane, and the pools then touch only the items that differ.
        """
        pattern = self.pattern
        score = self.panel.document.score
        width = max(self.canvas.winfo_width(), 1)
        g = self.geometry = grid_geometry_for(pattern, score, width)
        lanes = pattern.lanes if pattern is not None else ()
        is_drum = self.panel.is_drum
        col = colours.current()
        track_colour = self.panel.track_colour
        looks: list[dict] = [{} for _ in range(9)]
        cache = {}
        rebuilt: dict[int, tuple | None] = {}  # lane -> its parts before (None: new lane)
        for li, lane in enumerate(lanes):
            key = (lane, g, is_drum, col, track_colour)
            cached = self._lane_cache.get(li)
            parts = cached[1] if cached is not None and cached[0] == key else None
            if parts is None:
                parts = self._lane_looks(li, lane, g, is_drum, col, track_colour)
                rebuilt[li] = cached[1] if cached is not None else None
            cache[li] = (key, parts)
            for into, part in zip(looks, parts):
                into.update(part)
        # Only some lanes changed, the rest as before (a step edit, a paint stroke): the
        # pools look at those lanes' items alone instead of every item of the grid.
        shape = (len(lanes), g, is_drum, col, track_colour)
        partial = shape == self._shape and all(old is not None for old in rebuilt.values())
        self._lane_cache, self._shape = cache, shape
        grew = False
        for k, pool in enumerate(self._lane_pools()):
            if partial:
                wanted = {}
                gone: list = []
                for li, old in rebuilt.items():
                    wanted.update(cache[li][1][k])
                    gone.extend(old[k])  # type: ignore[index]
                grew = pool.update(wanted, gone) or grew
            else:
                grew = pool.sync(looks[k]) or grew
        grew = self.lit_pool.sync(self._lit_looks(self.lit)) or grew
        if grew:
            for tag in STACK_ORDER:
                self.canvas.tag_raise(tag)
        region = (0, 0, g.world_width_px, max(1, g.world_height_px))
        if region != self._scrollregion:  # configuring a canvas redraws all of it
            self._scrollregion = region
            self.canvas.configure(scrollregion=region)
        self._redraw_ruler()
        self.show_cursor()

    def _lane_looks(
        self, li: int, lane: Lane, g: GridGeometry, is_drum: bool, col, track_colour: str
    ) -> tuple:
        """The wanted items of one lane, one dict per pool (see ``redraw``)."""
        headers, names, buttons, btexts = {}, {}, {}, {}
        cells, levels, ties, marks, handles = {}, {}, {}, {}, {}
        name_x = 6
        y0 = g.lane_y(li)
        headers[li] = (
            (0, y0 + 1, g.header_px - 1, y0 + g.lane_height_px - 1),
            (("fill", col.header),),
        )
        names[li] = (
            (name_x, y0 + g.lane_height_px / 2),
            (
                ("text", lane_label(lane, is_drum)),
                ("fill", col.text_dim if lane.mute else col.text),
                ("width", g.name_right_x() - name_x),
            ),
        )
        for which, on, colour, letter in (
            ("mute", lane.mute, col.mute_on, "M"),
            ("solo", lane.solo, col.solo_on, "S"),
        ):
            box = g.button_box(li, which)
            buttons[(li, which)] = (box, (("fill", colour if on else col.button_off),))
            btexts[(li, which)] = (
                ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2),
                (("text", letter), ("fill", col.mark if on else col.text)),
            )
        length = lane.length_steps
        for step in range(g.columns):
            cells[(li, step)] = (
                g.cell_box(li, step),
                (("fill", cell_fill(step, length, g.steps_per_beat)),),
            )
            if step >= length:
                continue
            s = lane.steps[step]
            if s.on:
                levels[(li, step)] = (
                    g.level_box(li, step, s.velocity / 127),
                    (("fill", col.step_fill(track_colour, s.velocity)),),
                )
                mark = step_mark(s)
                if mark:
                    x0, y, x1, _ = g.cell_box(li, step)
                    marks[(li, step)] = (((x0 + x1) / 2, y + 6), (("text", mark),))
                if s.length_steps > 1:
                    end = min(step + s.length_steps, length) - 1
                    mid_y = y0 + g.lane_height_px / 2
                    ties[(li, step)] = (
                        (g.step_centre_x(step), mid_y, g.step_end_x(end) - 2, mid_y),
                        (("fill", col.tie),),
                    )
        hx = g.boundary_x(length)
        handles[li] = (
            (hx, y0 + 2, hx + 3, y0 + g.lane_height_px - 2),
            (("fill", col.length_handle),),
        )
        return headers, names, buttons, btexts, cells, levels, ties, marks, handles

    def _redraw_ruler(self) -> None:
        g, pattern = self.geometry, self.pattern
        wanted = {}
        for step, kind in g.beat_starts():
            label = str(step // g.steps_per_beat + 1) if pattern is not None else ""
            wanted[step] = (
                (g.step_x(step) + 2, RULER_HEIGHT / 2),
                (
                    ("text", label),
                    (
                        "fill",
                        colours.current().text if kind == "bar" else colours.current().text_dim,
                    ),
                ),
            )
        self.ruler_pool.sync(wanted)
        if pattern is None:
            self.ruler.coords(self.ruler_end, 0, 0, 0, 0)
        else:
            x = g.boundary_x(pattern.length_steps)
            self.ruler.coords(self.ruler_end, x, 2, x, RULER_HEIGHT)

    # ------------------------------------------------------------------ cursor, lit steps
    def show_cursor(self) -> None:
        g = self.geometry
        lane, step = self.cursor
        if g.lane_count == 0:
            self.canvas.itemconfigure(self.cursor_item, state="hidden")
            return
        lane = min(lane, g.lane_count - 1)
        step = min(step, g.columns - 1)
        self.cursor = (lane, step)
        self.canvas.coords(self.cursor_item, *g.cell_box(lane, step))
        self.canvas.itemconfigure(self.cursor_item, state="normal")

    def move_cursor(self, d_lane: int = 0, d_step: int = 0) -> None:
        g = self.geometry
        if g.lane_count == 0:
            return
        lane, step = self.cursor
        self.cursor = ((lane + d_lane) % g.lane_count, (step + d_step) % g.columns)
        self.show_cursor()
        self._see_lane(self.cursor[0])

    def _see_lane(self, lane: int) -> None:
        g = self.geometry
        top = self.canvas.canvasy(0)
        height = self.canvas.winfo_height()
        y0, y1 = g.lane_y(lane), g.lane_y(lane + 1)
        if y0 < top or y1 > top + height:
            self.canvas.yview_moveto(
                max(0, y0 - height / 2 + g.lane_height_px) / max(1, g.world_height_px)
            )

    def _lit_looks(self, steps: dict[int, int]) -> dict:
        """One highlight per run of neighbouring lanes lit at the same step."""
        g = self.geometry
        look = (("fill", colours.current().cell_lit),)
        wanted = {}
        for i, (first, last, step) in enumerate(lit_runs(steps, g.lane_count, g.columns)):
            x0, y0, x1, _ = g.cell_box(first, step)
            wanted[i] = ((x0, y0, x1, g.cell_box(last, step)[3]), look)
        return wanted

    def light(self, steps: dict[int, int]) -> None:
        """Light step ``steps[lane]`` of each lane (polymeter: each lane its own step).

        Only the highlights move: one ``coords`` per run of lanes lit together.  A jump
        of more than ``FAR_COLUMNS`` (a pass starting again) is drawn in two halves, the
        old place cleared first, so Tk redraws two columns, not the grid between them.
        """
        if steps == self.lit:
            return
        old, self.lit = self.lit, dict(steps)
        far = any(
            lane in old and abs(step - old[lane]) > FAR_COLUMNS for lane, step in steps.items()
        )
        if far and self.canvas.winfo_ismapped():
            self.lit_pool.sync({})
            self.canvas.update_idletasks()
        if self.lit_pool.sync(self._lit_looks(self.lit)):
            for tag in STACK_ORDER:
                self.canvas.tag_raise(tag)
