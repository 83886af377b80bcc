"""The song view: tracks x bars, pattern placements and blocks of free notes (GUI thread).

As in Hydrogen's song editor, each track is a row and time runs right in bars.  A row shows
the track's pattern placements (boxes in its colour, named, with dotted lines between
repeats and a small preview of the notes each pass plays, ``song_preview``) and, paler, its own notes -- the piano roll's -- gathered into blocks of bars
(``song_items``), so the whole arrangement is in one place.  What the mouse and keys do is
in ``song_gestures``; this module only shows.

Items persist in pools (rows, bar lines, placements, blocks, their labels and repeat
marks); the track header is pinned to the left edge by moving its few items when the view
scrolls.  Only the bars in view are drawn, and nothing while the tab is hidden (showing
it redraws).
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk

from sequencer_gui import palette
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.fonts import SMALL
from sequencer_gui.steps import colours
from sequencer_gui.steps.song_geometry import PlacementBox, SongGeometry
from sequencer_gui.steps.song_gestures import SongGestures
from sequencer_gui.steps.song_items import BlockCache
from sequencer_gui.steps.song_preview import LABEL_PX, SongPreview

WORLD_RIGHT = 10**7
MAX_REPEAT_MARKS = 64  # per placement: past this the dividers would paint it solid
STACK_ORDER = (
    "row",
    "barline",
    "block",
    "placement",
    "repeat",
    "preview",
    "ptext",
    "band",
    "cursor",
    "header",
    "htext",
    "ruler",
    "rtext",
    "corner",
)


class SongView(ttk.Frame):
    """The arrangement of patterns and notes on tracks."""

    def __init__(self, master, window, session, show_steps=None):
        super().__init__(master)
        self.window = window
        self.document = window.document
        self.session = session
        self.show_steps = show_steps or (lambda: None)
        self.selection: set = set()  # placement ids and NoteKeys
        self.cursor_tick = 0
        self.geometry = self._make_geometry(48.0)
        self.blocks = BlockCache()
        self._fitted: dict[tuple[str, int], str] = {}  # (name, width px) -> what fits
        self._scrollregion: tuple = ()

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
        self.block_pool = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0), "block")
        self.placement_pool = ItemPool(
            c, lambda: c.create_rectangle(0, 0, 0, 0, outline=colours.current().mark), "placement"
        )
        self.repeat_pool = ItemPool(c, lambda: c.create_line(0, 0, 0, 0, dash=(2, 2)), "repeat")
        self.preview = SongPreview(c)
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
        self.band_item = c.create_rectangle(
            0, 0, 0, 0, outline=colours.current().band, dash=(3, 2), state="hidden", tags=("band",)
        )
        self.gestures = SongGestures(self)
        c.bind("<Configure>", lambda e: self.redraw())
        self.document.add_listener(lambda doc, reason: self._on_document())
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
        c.itemconfigure(self.band_item, outline=col.band)
        c.itemconfigure("rtext", fill=col.text_dim)
        c.itemconfigure("htext", fill=col.text)
        self._fitted.clear()  # a new theme may bring other fonts
        for pool in self._pools():
            pool.forget_looks()
        self.redraw()

    def _pools(self) -> tuple[ItemPool, ...]:
        return (
            self.row_pool,
            self.bar_pool,
            self.bar_text_pool,
            self.block_pool,
            self.placement_pool,
            self.repeat_pool,
            self.preview.pool,
            self.label_pool,
            self.header_pool,
            self.header_text_pool,
        )

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
        """Every item as the geometry hit-tests it: note blocks first, placements over them."""
        score = self.document.score
        found = [
            PlacementBox(b.key, b.track, b.start_tick, b.end_tick, 0)
            for b in self.blocks.blocks(score)
        ]
        found += [
            PlacementBox(p.id, p.track, p.start_tick, score.placement_end_tick(p))
            for p in score.placements
        ]
        return found

    # ------------------------------------------------------------------ drawing
    def _show_hint(self) -> None:
        pattern = self.session.pattern
        self.hint.configure(
            text=f"Click to place “{pattern.name}”; drag to move, drag its end to repeat; "
            "Shift+click or Shift+drag to select several."
            if pattern is not None
            else "Make a pattern in the Steps tab, then click here to place it."
        )

    def _on_document(self) -> None:
        self.selection = self.gestures.surviving(self.selection)
        if self.winfo_ismapped():
            self.redraw()

    def redraw(self) -> None:
        score = self.document.score
        self.geometry = g = self._make_geometry(self.geometry.bar_px)
        left, right = self._view_x()
        col = colours.current()
        height = max(g.world_height_px, self.canvas.winfo_height())
        rows, headers, htexts = {}, {}, {}
        for i, track in enumerate(score.tracks):
            top = g.track_y(i)
            fill = col.row_even if i % 2 == 0 else col.row_odd
            rows[i] = ((g.header_px, top, WORLD_RIGHT, top + g.row_height_px), (("fill", fill),))
            current = i == self.document.track_index
            headers[i] = (
                (left, top, left + g.header_px - 2, top + g.row_height_px - 1),
                (("fill", col.cell_lit if current else col.header),),
            )
            htexts[i] = (
                (left + 6, top + g.row_height_px / 2),
                (("text", f"{i + 1} {track.name}"), ("width", g.header_px - 10)),
            )
        lines, labels = self._bar_lines(left, right)
        boxes, blocks, texts, repeats = {}, {}, {}, {}
        previews: dict = {}
        selection = self.selection
        for b in self.blocks.blocks(score):
            x0, y0, x1, y1 = g.box(PlacementBox(b.key, b.track, b.start_tick, b.end_tick))
            if x1 < left or x0 > right:
                continue
            colour = palette.track_colour(score.tracks[b.track], b.track)
            chosen = b.key in selection
            blocks[b.key] = (
                (x0, y0 + 2, x1, y1 - 2),
                (
                    ("fill", col.placement_selected if chosen else col.block_fill(colour)),
                    ("outline", col.mark if chosen else colour),
                    ("width", 2 if chosen else 1),
                    ("dash", () if chosen else (4, 2)),
                ),
            )
            texts[b.key] = self._label(x0, x1, y0, y1, left, f"{b.count} notes", col.text)
        for p in score.placements:
            pattern = score.pattern(p.pattern_id)
            colour = palette.track_colour(score.tracks[p.track], p.track)
            x0, y0, x1, y1 = g.box(
                PlacementBox(p.id, p.track, p.start_tick, score.placement_end_tick(p))
            )
            if x1 < left or x0 > right:
                continue
            chosen = p.id in selection
            fill = col.placement_selected if chosen else col.placement_fill(colour)
            boxes[p.id] = ((x0, y0, x1, y1), (("fill", fill), ("width", 2 if chosen else 1)))
            name = pattern.name + (f" ×{p.repeats}" if p.repeats > 1 else "")
            texts[p.id] = self._label(x0, x1, y0, y0 + LABEL_PX, left, name, col.mark)
            self.preview.add_looks(
                previews,
                p,
                pattern,
                (x0, y0, x1, y1),
                g.tick_to_x(p.start_tick),
                (left, right),
                g.px_per_tick,
                score.ppq,
                score.seed,
                (fill, col.mark),
            )
            pass_px = pattern.pass_ticks(score.ppq) * g.px_per_tick
            if pass_px >= 6:
                for r in range(1, min(p.repeats, MAX_REPEAT_MARKS)):
                    x = x0 + r * pass_px
                    if left <= x <= right:
                        repeats[(p.id, r)] = ((x, y0 + 2, x, y1 - 2), (("fill", col.mark),))
        grew = False
        # each pool's items by key, in the order of _pools()
        wanted_by_pool: tuple[dict, ...] = (
            rows,
            lines,
            labels,
            blocks,
            boxes,
            repeats,
            previews,
            texts,
            headers,
            htexts,
        )
        for pool, wanted in zip(self._pools(), wanted_by_pool):
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
        region = (0, 0, world, height)
        if region != self._scrollregion:  # configuring a canvas redraws all of it
            self._scrollregion = region
            c.configure(scrollregion=region)
        self.hbar.set(left / world, min(1.0, right / world))

    def _label(self, x0, x1, y0, y1, left: float, text: str, colour: str) -> tuple:
        """A placement's or block's name, kept in view when the item starts off the left,
        cut short to its width (a wrapped name would run over the preview under it)."""
        x = max(x0, left + self.geometry.header_px) + 3
        return (
            (x, (y0 + y1) / 2),
            (("text", self._fit(text, int(x1 - x - 2))), ("fill", colour)),
        )

    def _fit(self, text: str, width_px: int) -> str:
        """``text``, or as much of it as fits in ``width_px`` followed by an ellipsis."""
        key = (text, width_px)
        found = self._fitted.get(key)
        if found is None:
            if len(self._fitted) > 2048:
                self._fitted.clear()
            font = tkfont.nametofont(SMALL, root=self.canvas)
            found = text
            while found and font.measure(found if found == text else found + "…") > width_px:
                found = found[:-1]
            if found != text:
                found = found + "…" if found else ""
            self._fitted[key] = found
        return found

    def _bar_lines(self, left: float, right: float) -> tuple[dict, dict]:
        score, g, col = self.document.score, self.geometry, colours.current()
        lines, labels = {}, {}
        start = max(0, g.x_to_tick(left))
        end = g.x_to_tick(right) + 1
        min_px = 14  # bar numbers closer than this would overlap: number every n-th bar
        every = max(1, int(-(-min_px // max(1, g.bar_px))))
        for tick, bar in score.time_signatures.bar_lines(start, end, score.ppq):
            x = g.tick_to_x(tick)
            fill = col.grid_bar if (bar - 1) % 4 == 0 else col.grid_beat
            lines[tick] = ((x, g.ruler_px, x, g.world_height_px), (("fill", fill),))
            if (bar - 1) % every == 0:
                labels[tick] = ((x + 3, g.ruler_px / 2), (("text", str(bar)),))
        return lines, labels

    def move_cursor(self, tick: int) -> None:
        self.cursor_tick = tick
        g = self.geometry
        x = g.tick_to_x(tick)
        self.canvas.coords(self.cursor_item, x, 0, x, g.world_height_px)

    def select(self, keys) -> None:
        """Show ``keys`` (placement ids, ``NoteKey``s) as the selection."""
        self.selection = set(keys)
        if self.winfo_ismapped():
            self.redraw()
