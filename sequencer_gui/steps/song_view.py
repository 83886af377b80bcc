"""The song view: tracks x bars, pattern placements as boxes (GUI thread).

As in Hydrogen's song editor: click an empty cell to place the selected pattern there (on
the bar line), drag a placement to move it (to another bar or track), drag its end to
extend it into repeats, right-click (or Delete) removes it; each is one undo step.
Clicking a placement selects its pattern for the step grid; double-clicking also opens
the Steps tab.  A click in the bar ruler moves the transport's cursor.

Items persist in pools (rows, bar lines, placements, their labels and repeat marks);
the track header is pinned to the left edge by moving its few items when the view
scrolls.  Only the bars in view are drawn.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import ttk

from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from sequencer_gui import palette
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.steps import colours
from sequencer_gui.steps.song_geometry import (
    PlacementBox,
    SongGeometry,
    nearest_bar,
    repeats_for_end,
    snap_to_bar,
)
from sequencer_gui.theme import SMALL

CONTROL, SHIFT = 0x0004, 0x0001
WORLD_RIGHT = 10**7
MAX_REPEAT_MARKS = 64  # per placement: past this the dividers would paint it solid
STACK_ORDER = (
    "row",
    "barline",
    "placement",
    "repeat",
    "ptext",
    "cursor",
    "header",
    "htext",
    "ruler",
    "rtext",
    "corner",
)


@dataclass
class SongDrag:
    mode: str  # "move" | "end" | "place"
    placement_id: str
    press_tick: int
    press_track: int
    start_tick: int
    track: int
    base: object  # the score before the drag
    last: tuple = ()


class SongView(ttk.Frame):
    """The arrangement of patterns on tracks."""

    def __init__(self, master, window, session, show_steps=None):
        super().__init__(master)
        self.window = window
        self.document = window.document
        self.session = session
        self.show_steps = show_steps or (lambda: None)
        self.selected: str | None = None  # placement id
        self.cursor_tick = 0
        self.drag: SongDrag | None = None
        self.geometry = self._make_geometry(48.0)

        top = ttk.Frame(self, padding=(4, 2))
        top.pack(side="top", fill="x")
        self.hint = ttk.Label(top, text="")
        self.hint.pack(side="left")
        ttk.Button(top, text="−", width=2, command=lambda: self.zoom(0.8), takefocus=False).pack(
            side="right"
        )
        ttk.Button(top, text="+", width=2, command=lambda: self.zoom(1.25), takefocus=False).pack(
            side="right"
        )
        self.canvas = c = tk.Canvas(
            self,
            background=colours.current().canvas,
            highlightthickness=0,
            borderwidth=0,
            xscrollincrement=1,
            takefocus=1,
            height=300,
        )
        self.hbar = ttk.Scrollbar(self, orient="horizontal", command=self._on_hbar)
        c.pack(side="top", fill="both", expand=True)
        self.hbar.pack(side="top", fill="x")
        rect = lambda: c.create_rectangle(0, 0, 0, 0, width=0)  # noqa: E731
        self.row_pool = ItemPool(c, rect, "row")
        self.bar_pool = ItemPool(c, lambda: c.create_line(0, 0, 0, 0), "barline")
        self.ruler_item = c.create_rectangle(
            0, 0, 0, 0, width=0, fill=colours.current().header, tags=("ruler",)
        )
        self.bar_text_pool = ItemPool(
            c,
            lambda: c.create_text(0, 0, anchor="w", fill=colours.current().text_dim, font=SMALL),
            "rtext",
        )
        self.placement_pool = ItemPool(
            c, lambda: c.create_rectangle(0, 0, 0, 0, outline=colours.current().mark), "placement"
        )
        self.repeat_pool = ItemPool(c, lambda: c.create_line(0, 0, 0, 0, dash=(2, 2)), "repeat")
        self.label_pool = ItemPool(
            c,
            lambda: c.create_text(0, 0, anchor="w", fill=colours.current().mark, font=SMALL),
            "ptext",
        )
        self.header_pool = ItemPool(c, rect, "header")
        self.header_text_pool = ItemPool(
            c, lambda: c.create_text(0, 0, anchor="w", fill=colours.current().text), "htext"
        )
        self.corner_item = c.create_rectangle(
            0, 0, 0, 0, width=0, fill=colours.current().header, tags=("corner",)
        )
        self.cursor_item = c.create_line(
            0, 0, 0, 0, fill=colours.current().playhead, width=2, tags=("cursor",)
        )
        c.bind("<ButtonPress-1>", self.on_press)
        c.bind("<B1-Motion>", self.on_motion)
        c.bind("<ButtonRelease-1>", self.on_release)
        c.bind("<Double-Button-1>", self.on_double_click)
        c.bind("<ButtonPress-3>", self.on_right_press)
        c.bind("<Delete>", lambda e: (self.delete_selected(), "break")[1])
        c.bind("<BackSpace>", lambda e: (self.delete_selected(), "break")[1])
        c.bind("<Motion>", self.on_hover)
        c.bind("<Configure>", lambda e: self.redraw())
        c.bind("<MouseWheel>", self.on_wheel)
        c.bind("<Button-4>", lambda e: self.on_wheel(e, 120))
        c.bind("<Button-5>", lambda e: self.on_wheel(e, -120))
        self.document.add_listener(lambda doc, reason: self.redraw())
        session.listeners.append(lambda s: self._show_hint())
        self._show_hint()

    def apply_palette(self) -> None:
        """Recolour after a theme switch: every item is shown afresh."""
        col = colours.current()
        c = self.canvas
        c.configure(background=col.canvas)
        c.itemconfigure(self.ruler_item, fill=col.header)
        c.itemconfigure(self.corner_item, fill=col.header)
        c.itemconfigure(self.cursor_item, fill=col.playhead)
        c.itemconfigure("rtext", fill=col.text_dim)
        c.itemconfigure("ptext", fill=col.mark)
        c.itemconfigure("htext", fill=col.text)
        for pool in (
            self.row_pool,
            self.bar_pool,
            self.bar_text_pool,
            self.placement_pool,
            self.repeat_pool,
            self.label_pool,
            self.header_pool,
            self.header_text_pool,
        ):
            pool.forget_looks()
        self.redraw()

    # ------------------------------------------------------------------ geometry
    def _make_geometry(self, bar_px: float) -> SongGeometry:
        score = self.document.score
        return SongGeometry(
            ppq=score.ppq,
            bar_ticks=score.time_signatures.at(0).bar_ticks(score.ppq),
            bar_px=bar_px,
            track_count=len(score.tracks),
        )

    def zoom(self, factor: float) -> None:
        self.geometry = self._make_geometry(self.geometry.zoomed(factor).bar_px)
        self.redraw()

    def _on_hbar(self, *args) -> None:
        self.canvas.xview(*args)
        self.redraw()

    def _view_x(self) -> tuple[float, float]:
        left = self.canvas.canvasx(0)
        return left, left + max(1, self.canvas.winfo_width())

    def boxes(self) -> list[PlacementBox]:
        score = self.document.score
        return [
            PlacementBox(p.id, p.track, p.start_tick, score.placement_end_tick(p))
            for p in score.placements
        ]

    # ------------------------------------------------------------------ drawing
    def _show_hint(self) -> None:
        pattern = self.session.pattern
        self.hint.configure(
            text=f"Click to place “{pattern.name}”; drag to move, drag its end to repeat."
            if pattern is not None
            else "Make a pattern in the Steps tab, then click here to place it."
        )

    def redraw(self) -> None:
        score = self.document.score
        self.geometry = g = self._make_geometry(self.geometry.bar_px)
        left, right = self._view_x()
        height = max(g.world_height_px, self.canvas.winfo_height())
        rows, headers, htexts = {}, {}, {}
        for i, track in enumerate(score.tracks):
            y0 = g.track_y(i)
            fill = colours.current().row_even if i % 2 == 0 else colours.current().row_odd
            rows[i] = ((g.header_px, y0, WORLD_RIGHT, y0 + g.row_height_px), (("fill", fill),))
            current = i == self.document.track_index
            headers[i] = (
                (left, y0, left + g.header_px - 2, y0 + g.row_height_px - 1),
                (("fill", colours.current().cell_lit if current else colours.current().header),),
            )
            htexts[i] = (
                (left + 6, y0 + g.row_height_px / 2),
                (("text", f"{i + 1} {track.name}"), ("width", g.header_px - 10)),
            )
        lines, labels = {}, {}
        start = max(0, g.x_to_tick(left))
        end = g.x_to_tick(right) + 1
        min_px = 14  # bar numbers closer than this would overlap: number every n-th bar
        every = max(1, int(-(-min_px // max(1, g.bar_px))))
        for tick, bar in score.time_signatures.bar_lines(start, end, score.ppq):
            x = g.tick_to_x(tick)
            lines[tick] = (
                (x, g.ruler_px, x, g.world_height_px),
                (
                    (
                        "fill",
                        colours.current().grid_bar
                        if (bar - 1) % 4 == 0
                        else colours.current().grid_beat,
                    ),
                ),
            )
            if (bar - 1) % every == 0:
                labels[tick] = ((x + 3, g.ruler_px / 2), (("text", str(bar)),))
        boxes, texts, repeats = {}, {}, {}
        col = colours.current()
        for p in score.placements:
            pattern = score.pattern(p.pattern_id)
            colour = palette.track_colour(score.tracks[p.track], p.track)
            box = PlacementBox(p.id, p.track, p.start_tick, score.placement_end_tick(p))
            x0, y0, x1, y1 = g.box(box)
            if x1 < left or x0 > right:
                continue
            selected = p.id == self.selected
            boxes[p.id] = (
                (x0, y0, x1, y1),
                (
                    ("fill", col.placement_selected if selected else col.placement_fill(colour)),
                    ("width", 2 if selected else 1),
                ),
            )
            texts[p.id] = (
                (max(x0, left + g.header_px) + 3, (y0 + y1) / 2),
                (
                    ("text", pattern.name + (f" ×{p.repeats}" if p.repeats > 1 else "")),
                    ("width", max(1, x1 - x0 - 4)),
                ),
            )
            pass_px = pattern.pass_ticks(score.ppq) * g.px_per_tick
            if pass_px >= 6:
                for r in range(1, min(p.repeats, MAX_REPEAT_MARKS)):
                    x = x0 + r * pass_px
                    if left <= x <= right:
                        repeats[(p.id, r)] = (
                            (x, y0 + 2, x, y1 - 2),
                            (("fill", colours.current().mark),),
                        )
        grew = False
        for pool, wanted in (
            (self.row_pool, rows),
            (self.bar_pool, lines),
            (self.bar_text_pool, labels),
            (self.placement_pool, boxes),
            (self.repeat_pool, repeats),
            (self.label_pool, texts),
            (self.header_pool, headers),
            (self.header_text_pool, htexts),
        ):
            grew = pool.sync(wanted) or grew
        c = self.canvas
        c.coords(self.ruler_item, left, 0, right, g.ruler_px)
        c.coords(self.corner_item, left, 0, left + g.header_px - 2, g.ruler_px)
        self.move_cursor(self.cursor_tick)
        if grew:
            for tag in STACK_ORDER:
                c.tag_raise(tag)
        song_end = max(score.end_tick, score.ppq * 4 * 32)
        world = g.tick_to_x(song_end) + right - left
        c.configure(scrollregion=(0, 0, world, height))
        self.hbar.set(left / world, min(1.0, right / world))

    def move_cursor(self, tick: int) -> None:
        self.cursor_tick = tick
        g = self.geometry
        x = g.tick_to_x(tick)
        self.canvas.coords(self.cursor_item, x, 0, x, g.world_height_px)

    # ------------------------------------------------------------------ editing
    def _world(self, event) -> tuple[float, float]:
        return self.canvas.canvasx(event.x), self.canvas.canvasy(event.y)

    def _placement(self, placement_id: str):
        for p in self.document.score.placements:
            if p.id == placement_id:
                return p
        return None

    def on_hover(self, event) -> None:
        if self.drag is not None:
            return
        x, y = self._world(event)
        hit = self.geometry.hit(x, y, self.boxes())
        cursor = {"end": "sb_h_double_arrow", "body": "fleur"}.get(hit.part if hit else "", "")
        self.canvas.configure(cursor=cursor)

    def on_press(self, event) -> None:
        self.canvas.focus_set()
        x, y = self._world(event)
        g = self.geometry
        score = self.document.score
        if y < g.ruler_px:
            if x >= self.canvas.canvasx(0) + g.header_px:
                tick = snap_to_bar(g.x_to_tick(x), score.time_signatures, score.ppq)
                self.move_cursor(tick)
                self.window.roll.set_cursor(tick)
                self.window.link.locate(tick)
            return
        if x < self.canvas.canvasx(0) + g.header_px:
            track = g.y_to_track(y)
            if track is not None:
                self.document.set_track_index(track)
                self.redraw()
            return
        hit = g.hit(x, y, self.boxes())
        if hit is None:
            return
        if hit.part == "empty":
            pattern = self.session.pattern
            if pattern is None:
                self.window.set_status("Make a pattern in the Steps tab first.")
                return
            start = snap_to_bar(hit.tick, score.time_signatures, score.ppq)
            try:
                new, placement = pe.place_pattern(score, pattern.id, hit.track, start)
            except ScoreError as exc:
                self.window.set_status(str(exc))
                return
            self.document.begin("Place pattern")
            self.document.update(new)
            self.selected = placement.id
            self.drag = SongDrag("place", placement.id, hit.tick, hit.track, start, hit.track, new)
            self.redraw()
            return
        placement = self._placement(hit.key)
        self.selected = placement.id
        if self.session.pattern_id != placement.pattern_id:
            self.session.select(placement.pattern_id)
        mode = "end" if hit.part == "end" else "move"
        self.drag = SongDrag(
            mode, placement.id, hit.tick, hit.track, placement.start_tick, placement.track, score
        )
        self.document.begin("Repeat pattern" if mode == "end" else "Move pattern")
        self.redraw()

    def on_motion(self, event) -> None:
        d = self.drag
        if d is None:
            return
        x, y = self._world(event)
        g = self.geometry
        score = d.base
        tick = g.x_to_tick(x)
        try:
            if d.mode == "end":
                placement = next(p for p in score.placements if p.id == d.placement_id)
                pass_ticks = score.pattern(placement.pattern_id).pass_ticks(score.ppq)
                repeats = repeats_for_end(placement.start_tick, tick, pass_ticks)
                if (repeats,) == d.last:
                    return
                d.last = (repeats,)
                new = pe.set_placement_repeats(score, d.placement_id, repeats)
            else:
                start = nearest_bar(
                    max(0, d.start_tick + tick - d.press_tick), score.time_signatures, score.ppq
                )
                track = g.y_to_track_clamped(y)
                if (start, track) == d.last:
                    return
                d.last = (start, track)
                new = pe.move_placement(score, d.placement_id, track=track, start_tick=start)
        except ScoreError:
            return  # onto another placement: stay where it last fitted
        self.document.update(new)

    def on_release(self, event) -> None:
        d, self.drag = self.drag, None
        if d is not None:
            self.document.commit()

    def on_double_click(self, event) -> None:
        x, y = self._world(event)
        hit = self.geometry.hit(x, y, self.boxes())
        if hit is not None and hit.key is not None:
            placement = self._placement(hit.key)
            if placement is not None:
                self.session.select(placement.pattern_id)
                self.show_steps()

    def on_right_press(self, event) -> None:
        x, y = self._world(event)
        hit = self.geometry.hit(x, y, self.boxes())
        if hit is not None and hit.key is not None:
            self.selected = hit.key
            self.delete_selected()

    def delete_selected(self) -> None:
        if self.selected is None or self._placement(self.selected) is None:
            return
        score = pe.remove_placement(self.document.score, self.selected)
        self.selected = None
        self.document.apply(score, "Remove pattern placement")

    def on_wheel(self, event, delta: int | None = None) -> str:
        delta = event.delta if delta is None else delta
        steps = 1 if delta > 0 else -1
        if event.state & CONTROL:
            self.zoom(1.25 if steps > 0 else 0.8)
        else:
            self.canvas.xview_scroll(-steps * 60, "units")
            self.redraw()
        return "break"
