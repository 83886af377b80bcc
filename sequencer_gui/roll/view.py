"""The piano roll: keyboard, ruler, note grid and velocity lane drawn on Tk canvases (GUI thread).

Every canvas draws in world coordinates (see ``geometry``); scrolling moves the canvases'
view by whole pixels (``xview scroll N units`` with a one-pixel increment), so note items
stay where they are and only notes entering the view get an item from a pool.  A zoom
changes world coordinates and moves the visible items.  Only the visible tick range and
rows are drawn.  Mouse editing lives in ``editing``; this module lays out and scrolls the
canvases, and ``note_drawing`` draws the notes.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core.score import Note, Score
from sequencer_gui import palette
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.document import Document
from sequencer_gui.fonts import SMALL
from sequencer_gui.roll import navigation
from sequencer_gui.roll.audition import Audition, SilentAudition
from sequencer_gui.roll.geometry import RollGeometry
from sequencer_gui.roll.keyboard import Keyboard
from sequencer_gui.roll.note_drawing import NoteDrawing
from sequencer_gui.roll.row_background import RowBackground
from sequencer_gui.roll.rows import RowStyle, folded_rows
from sequencer_gui.roll.ruler import Ruler
from sequencer_gui.roll.velocity_lane import VelocityLane

WORLD_RIGHT = 10**8  # background rows span this far, so scrolling never shows their end


class PianoRoll(NoteDrawing, ttk.Frame):
    """Keyboard at the left, ruler on top, notes in the middle, velocities below."""

    KEYBOARD_WIDTH = 124  # room for the longest drum names
    RULER_HEIGHT = 24  # the bar row; the ruler's change lanes sit above it
    LANE_HEIGHT = 17
    VELOCITY_HEIGHT = 72

    def __init__(
        self,
        master,
        document: Document,
        audition: Audition | None = None,
        scale: float = 1.0,
    ):
        # a one-pixel frame that lights in the accent colour while the roll has the keyboard
        super().__init__(master, style="Roll.TFrame", padding=1)
        self.document = document
        self.audition: Audition = audition or SilentAudition()
        # sizes given for a 96-DPI screen, grown on a high-DPI one
        self.KEYBOARD_WIDTH = round(self.KEYBOARD_WIDTH * scale)
        self.RULER_HEIGHT = round(self.RULER_HEIGHT * scale)
        self.LANE_HEIGHT = round(self.LANE_HEIGHT * scale)
        self.VELOCITY_HEIGHT = round(self.VELOCITY_HEIGHT * scale)
        ppq = document.score.ppq
        key_height = min(64, max(4, round(12 * scale)))
        self.geometry = RollGeometry(ppq=ppq, pixels_per_quarter=64, key_height_px=key_height)
        self.grid_ticks = ppq // 4
        self.new_length_ticks = ppq // 4
        self.new_velocity = 100
        self.selection: set[Note] = set()
        self.cursor_tick = 0
        self.follow = True
        self.lit: dict[tuple[int, int, int], int] = {}  # (track, start, pitch) -> end tick
        self.listeners: list = []  # called with (roll) when the view or selection changes
        self.cursor_listeners: list = []  # called with (tick) whenever the cursor moves
        # more things drawn with the notes, e.g. pattern notes: redraw(start, end, low, high)
        self.overlays: list = []
        self._end_cache: tuple[Score | None, int] = (None, 0)

        colours = palette.current()
        self.canvas = tk.Canvas(
            self,
            background=colours.row_white,
            highlightthickness=0,
            borderwidth=0,
            xscrollincrement=1,
            yscrollincrement=1,
            confine=False,
            takefocus=1,
            width=800,
            height=480,
        )
        self.keyboard = Keyboard(self)
        self.ruler = Ruler(self)
        self.velocity = VelocityLane(self)
        self.hbar = ttk.Scrollbar(self, orient="horizontal", command=self._on_hbar)
        self.vbar = ttk.Scrollbar(self, orient="vertical", command=self._on_vbar)
        ttk.Label(self, text="Velocity", anchor="e", style="Dim.TLabel").grid(
            row=2, column=0, sticky="e", padx=4
        )
        self.ruler.canvas.grid(row=0, column=1, sticky="ew")
        self.corner = self.ruler.make_corner(self, self.KEYBOARD_WIDTH)
        self.corner.grid(row=0, column=0, sticky="nsew")
        self.keyboard.canvas.grid(row=1, column=0, sticky="ns")
        self.canvas.grid(row=1, column=1, sticky="nsew")
        self.vbar.grid(row=1, column=2, sticky="ns")
        self.velocity.canvas.grid(row=2, column=1, sticky="ew")
        self.hbar.grid(row=3, column=1, sticky="ew")
        self.rowconfigure(1, weight=1)
        self.columnconfigure(1, weight=1)

        self.row_style = RowStyle()
        self._laid_rows: tuple | None = None  # what the rows and keys were last laid out for
        self._colour_cache: tuple = (None, [])
        self.rows_bg = RowBackground(self)
        c = self.canvas
        self.loop_item = c.create_rectangle(
            0, 0, 0, 0, fill=colours.loop_fill, width=0, state="hidden", tags=("loop",)
        )
        self.band_item = c.create_rectangle(
            0, 0, 0, 0, outline=colours.rubber_band, dash=(3, 2), state="hidden", tags=("band",)
        )
        self.cursor_item = c.create_line(
            0, 0, 0, self.geometry.world_height_px, fill=colours.cursor, width=2, tags=("cursor",)
        )
        self.grid_pool = ItemPool(c, lambda: c.create_line(0, 0, 0, 0), "grid")
        self.note_pool = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0), "note")
        self.faint_pool = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0), "faint")
        self.name_pool = ItemPool(
            c, lambda: c.create_text(0, 0, anchor="w", font=SMALL), "notename"
        )
        self._restack()

        self.canvas.bind("<Configure>", self._on_resize)
        self.canvas.bind("<FocusIn>", lambda e: self.configure(style="RollFocus.TFrame"), add="+")
        self.canvas.bind("<FocusOut>", lambda e: self.configure(style="Roll.TFrame"), add="+")
        document.add_listener(self._on_document)
        self.geometry = self.geometry.centred_on_pitch(60)
        self._apply_view(force=True)

    # ------------------------------------------------------------------ document
    def _on_document(self, document: Document, reason: str) -> None:
        if reason == "load":
            self.selection.clear()
            self.lit.clear()
            if self.score.ppq != self.geometry.ppq:
                self.geometry = RollGeometry(
                    ppq=self.score.ppq,
                    pixels_per_quarter=self.geometry.pixels_per_quarter,
                    key_height_px=self.geometry.key_height_px,
                    width_px=self.geometry.width_px,
                    height_px=self.geometry.height_px,
                )
                self.grid_ticks = self.score.ppq // 4
                self.new_length_ticks = self.score.ppq // 4
            self.geometry = self.geometry.scrolled_to(0, self.geometry.scroll_y_px)
            self.set_cursor(0)
            self.refold()
            self._apply_view(force=True)
            # once every listener has the new song: open on a track that plays
            self.after_idle(lambda: navigation.show_song(self))
            return
        if reason == "track":
            self.selection.clear()
            self.refold()
            self.reveal_track()
        elif reason == "edit" and self.geometry.rows:
            self.refold()  # a note may have moved to a row the fold does not show yet
        if reason in ("edit", "track"):
            track = self.track
            self.selection = {n for n in self.selection if track.contains(n)}
            self.redraw()

    def set_selection(self, notes) -> None:
        self.selection = set(notes)
        self.redraw_notes()
        self.notify_changed()

    def notify_changed(self) -> None:
        """Tell listeners (the transport bar) the selection or view changed."""
        for listener in list(self.listeners):
            listener(self)

    # ------------------------------------------------------------------ view
    def set_geometry(self, geometry: RollGeometry) -> None:
        """Scroll or zoom to ``geometry`` and redraw what that shows."""
        zoomed = (
            geometry.pixels_per_quarter != self.geometry.pixels_per_quarter
            or geometry.key_height_px != self.geometry.key_height_px
            or geometry.rows != self.geometry.rows
        )
        self.geometry = geometry
        self._apply_view(force=zoomed)

    def set_row_style(self, style: RowStyle) -> None:
        """Choose the scale highlighting, the fold and the drum rows (a view setting)."""
        self.row_style = style
        self.refold()
        self.rows_bg.layout()
        self.keyboard.layout()
        self.notify_changed()

    def refold(self) -> None:
        """Show the rows the track and the row style call for (all, the scale's, the kit's)."""
        rows = folded_rows(self.track, self.row_style)
        if rows != self.geometry.rows:
            self.set_geometry(self.geometry.folded(rows))
        else:
            self.rows_bg.layout()
            self.keyboard.layout()

    def reveal_track(self) -> None:
        navigation.reveal_track(self)

    def scroll(self, dx_px: float = 0, dy_px: float = 0) -> None:
        self.set_geometry(self.geometry.scrolled(dx_px, dy_px))

    def zoom(self, factor: float, anchor_view_x: float | None = None) -> None:
        if anchor_view_x is None:
            anchor_view_x = self.geometry.width_px / 2
        self.set_geometry(self.geometry.zoomed(factor, anchor_view_x))

    def _apply_view(self, force: bool = False) -> None:
        g = self.geometry
        for canvas, scroll_x, scroll_y in (
            (self.canvas, True, True),
            (self.ruler.canvas, True, False),
            (self.velocity.canvas, True, False),
            (self.keyboard.canvas, False, True),
        ):
            if scroll_x:
                dx = g.scroll_x_px - int(canvas.canvasx(0))
                if dx:
                    canvas.xview_scroll(dx, "units")
            if scroll_y:
                dy = g.scroll_y_px - int(canvas.canvasy(0))
                if dy:
                    canvas.yview_scroll(dy, "units")
        if force:
            # rows and keys change with the row height, the fold and the track's kind
            # only: a zoom in time leaves their 256 items alone
            rows_key = (g.key_height_px, g.rows, self.track.is_drum, self.row_style)
            if rows_key != self._laid_rows:
                self._laid_rows = rows_key
                self.rows_bg.layout()
                self.keyboard.layout()
            self.canvas.coords(
                self.cursor_item,
                g.tick_to_x(self.cursor_tick),
                0,
                g.tick_to_x(self.cursor_tick),
                g.world_height_px,
            )
            self.ruler.move_cursor(self.cursor_tick)
        self.redraw()

    def _song_end_tick(self) -> int:
        # Score.end_tick scans every note; a scroll frame must not, so keep it per score.
        score = self.score
        if self._end_cache[0] is not score:
            self._end_cache = (score, score.end_tick)
        return self._end_cache[1]

    def _song_width_px(self) -> float:
        """World width the horizontal scrollbar spans: the song plus four bars."""
        g = self.geometry
        return max(
            g.tick_to_x(self._song_end_tick() + 16 * self.score.ppq), g.scroll_x_px + g.width_px
        )

    def _update_scrollbars(self) -> None:
        g = self.geometry
        song_px = self._song_width_px()
        self.hbar.set(g.scroll_x_px / song_px, (g.scroll_x_px + g.width_px) / song_px)
        h = g.world_height_px
        self.vbar.set(g.scroll_y_px / h, min(1.0, (g.scroll_y_px + g.height_px) / h))

    def _on_hbar(self, *args) -> None:
        g = self.geometry
        song_px = self._song_width_px()
        if args[0] == "moveto":
            self.set_geometry(g.scrolled_to(float(args[1]) * song_px, g.scroll_y_px))
        elif args[0] == "scroll":
            step = g.width_px * 0.9 if args[2] == "pages" else 40
            self.scroll(int(args[1]) * step, 0)

    def _on_vbar(self, *args) -> None:
        g = self.geometry
        if args[0] == "moveto":
            self.set_geometry(g.scrolled_to(g.scroll_x_px, float(args[1]) * g.world_height_px))
        elif args[0] == "scroll":
            step = g.height_px * 0.9 if args[2] == "pages" else 3 * g.key_height_px
            self.scroll(0, int(args[1]) * step)

    def _on_resize(self, event) -> None:
        if (event.width, event.height) != (self.geometry.width_px, self.geometry.height_px):
            self.geometry = self.geometry.resized(event.width, event.height)
            self._apply_view()

    # ------------------------------------------------------------------ drawing
    def apply_palette(self, colours=None) -> None:
        """Recolour every canvas of the roll after a theme switch."""
        colours = colours or palette.current()
        self.ruler.colour_corner(colours)
        c = self.canvas
        c.configure(background=colours.row_white)
        self.rows_bg.forget()
        self.rows_bg.layout()
        c.itemconfigure(self.loop_item, fill=colours.loop_fill)
        c.itemconfigure(self.band_item, outline=colours.rubber_band)
        c.itemconfigure(self.cursor_item, fill=colours.cursor)
        for pool in (self.grid_pool, self.note_pool, self.faint_pool, self.name_pool):
            pool.forget_looks()
        self.keyboard.apply_palette(colours)
        self.ruler.apply_palette(colours)
        self.velocity.apply_palette(colours)
        self.redraw()

    def redraw(self) -> None:
        """Draw what the view shows: grid, loop, notes, ruler, velocities."""
        self.redraw_grid()
        self.redraw_notes()
        self.ruler.redraw()
        self._update_scrollbars()

    def redraw_grid(self) -> None:
        g = self.geometry
        top, bottom = 0, g.world_height_px
        colours = palette.current()
        grid_colours = {
            "bar": colours.grid_bar,
            "beat": colours.grid_beat,
            "grid": colours.grid_line,
        }
        wanted = {}
        for tick, kind in g.grid_lines(self.score.time_signatures, self.grid_ticks):
            x = g.tick_to_x(tick)
            wanted[tick] = (
                (x, top, x, bottom),
                (("fill", grid_colours[kind]), ("width", 2 if kind == "bar" else 1)),
            )
        grew = self.grid_pool.sync(wanted)
        score = self.score
        if score.loop is not None and score.loop_enabled:
            self.canvas.coords(
                self.loop_item,
                g.tick_to_x(score.loop.start_tick),
                top,
                g.tick_to_x(score.loop.end_tick),
                bottom,
            )
            self.canvas.itemconfigure(self.loop_item, state="normal")
        else:
            self.canvas.itemconfigure(self.loop_item, state="hidden")
        if grew:
            self._restack()

    # ------------------------------------------------------------------ cursor, lights
    def set_cursor(self, tick: int) -> None:
        """Move the time cursor: one coords() on one line (plus the ruler's marker)."""
        self.cursor_tick = tick
        x = self.geometry.tick_to_x(tick)
        self.canvas.coords(self.cursor_item, x, 0, x, self.geometry.world_height_px)
        self.ruler.move_cursor(tick)
        for listener in self.cursor_listeners:
            listener(tick)

    def follow_cursor(self) -> bool:
        """Scroll so the cursor stays in view (when follow is on); True if it scrolled."""
        if not self.follow:
            return False
        g = self.geometry.follow(self.cursor_tick)
        if g is self.geometry:
            return False
        self.set_geometry(g)
        return True
