"""The notes the piano roll draws and how each looks: the edited track's notes, the other
tracks' faint ones, names on notes big enough, and notes lit while they sound (GUI thread).

``NoteDrawing`` is a part of ``PianoRoll`` (``sequencer_gui.roll.view``), which builds the
canvas, the item pools and the view it draws in; the attributes below are set there.
"""

from __future__ import annotations

import tkinter as tk

from engine.core.gm_drums import key_label
from engine.core.score import Note, Score, Track
from sequencer_gui import palette
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.document import Document
from sequencer_gui.roll.geometry import RollGeometry
from sequencer_gui.roll.velocity_lane import VelocityLane

STACK_ORDER = ("loop", "grid", "faint", "pattern", "note", "notename", "band", "cursor")
# Notes show their name once they are this big (view pixels): zoomed in, where it reads.
NAME_MIN_HEIGHT_PX, NAME_MIN_WIDTH_PX = 16, 30


class NoteDrawing:
    """Draws the notes of the document's score in the roll's visible range."""

    document: Document
    canvas: tk.Canvas
    geometry: RollGeometry
    selection: set[Note]
    lit: dict[tuple[int, int, int], int]  # (track, start, pitch) -> end tick
    cursor_tick: int
    overlays: list
    note_pool: ItemPool
    faint_pool: ItemPool
    name_pool: ItemPool
    velocity: VelocityLane
    _colour_cache: tuple

    @property
    def score(self) -> Score:
        return self.document.score

    @property
    def track_index(self) -> int:
        return self.document.track_index

    @property
    def track(self) -> Track:
        return self.document.track

    def _restack(self) -> None:
        for tag in STACK_ORDER:
            self.canvas.tag_raise(tag)

    def track_colour(self, index: int | None = None) -> str:
        """The colour of track ``index`` (the edited track by default)."""
        index = self.track_index if index is None else index
        tracks = self.score.tracks
        # asked once per visible note on every frame: kept per tuple of tracks
        if self._colour_cache[0] is not tracks:
            colours = [palette.track_colour(t, i) for i, t in enumerate(tracks)]
            self._colour_cache = (tracks, colours)
        return self._colour_cache[1][index]

    def note_fill(self, note: Note) -> str:
        """The fill of an unselected, silent note of the edited track."""
        return palette.current().note_fill(self.track_colour(), note.velocity)

    def note_look(self, note: Note) -> tuple:
        """The canvas options of a note of the edited track (velocity, selection, sounding)."""
        colours = palette.current()
        if note in self.selection:
            return (
                ("fill", colours.selected_fill),
                ("outline", colours.selected_outline),
                ("width", 2),
            )
        if (self.track_index, note.start_tick, note.pitch) in self.lit:
            return (("fill", colours.playing_fill), ("outline", colours.note_outline), ("width", 1))
        return (
            ("fill", colours.note_fill(self.track_colour(), note.velocity)),
            ("outline", colours.note_outline),
            ("width", 1),
        )

    def faint_look(self, track_index: int, note: Note) -> tuple:
        """Another track's note: its colour faded into the rows, less faded while it sounds."""
        lit = (track_index, note.start_tick, note.pitch) in self.lit
        fill = palette.current().other_note_fill(self.track_colour(track_index), lit)
        return (("fill", fill), ("outline", ""))

    def redraw_notes(self) -> None:
        g = self.geometry
        start, end = g.visible_ticks()
        low, high = g.visible_pitches()
        score = self.score
        current = self.track_index
        # a drum map shows its own kit only: other tracks' notes would lie on its rows
        drum_map = score.tracks[current].is_drum
        folded = bool(g.rows)
        wanted, faint = {}, {}
        for index, track in enumerate(score.tracks):
            if drum_map and index != current:
                continue
            for note in track.notes_in_range(start, end):
                if not (low <= note.pitch <= high) or (folded and not g.shows(note.pitch)):
                    continue
                if index == current:
                    wanted[note] = (g.note_box(note), self.note_look(note))
                else:
                    faint[(index, note)] = (g.note_box(note), self.faint_look(index, note))
        grew = self.faint_pool.sync(faint)
        grew = self.note_pool.sync(wanted) or grew
        grew = self.name_pool.sync(self._note_names(wanted)) or grew
        if grew:
            self._restack()
        for overlay in self.overlays:
            overlay.redraw(start, end, low, high)
        self.velocity.redraw(wanted.keys())

    def _note_names(self, wanted: dict) -> dict:
        """Names on the edited track's notes that are big enough to hold one."""
        g = self.geometry
        if g.key_height_px < NAME_MIN_HEIGHT_PX:
            return {}
        drum = self.track.is_drum
        text = palette.current().note_text
        names = {}
        for note, ((x0, y0, x1, y1), _) in wanted.items():
            if x1 - x0 >= NAME_MIN_WIDTH_PX:
                name = key_label(note.pitch, drum)
                names[note] = ((x0 + 3, (y0 + y1) / 2), (("text", name), ("fill", text)))
        return names

    def light(self, track_index: int, start_tick: int, pitch: int, length_ticks: int) -> None:
        """A note was sent to sound: show it lit while the cursor is inside it."""
        self.lit[(track_index, start_tick, pitch)] = start_tick + length_ticks

    def update_lights(self) -> None:
        """Dim the notes the cursor has left; restyle only the notes that changed."""
        tick = self.cursor_tick
        over = [k for k, end in self.lit.items() if tick >= end or tick < k[1] - self.score.ppq]
        for key in over:
            del self.lit[key]
        if not over and not self.lit:
            return
        tracks = self.score.tracks
        for ti, start, pitch in list(self.lit) + over:
            if ti >= len(tracks):
                continue
            for note in tracks[ti].notes_starting_in(start, start + 1):
                if note.pitch != pitch:
                    continue
                if ti == self.track_index:
                    self.note_pool.restyle(note, self.note_look(note))
                else:
                    self.faint_pool.restyle((ti, note), self.faint_look(ti, note))

    def clear_lights(self) -> None:
        self.lit.clear()
        self.redraw_notes()
