"""The velocity lane under the roll: one stem per visible note, drag a stem to set it (GUI thread).

Stems come from a pool keyed by note, like the notes.  Dragging a stem of a selected note
changes every selected note by the same amount; any other stem changes only its note.
The whole drag is one undo step.  Hovering over a stem, and dragging one, says its
velocity and the note's name beside the pointer ("Velocity 96 · C4"; a drum track names
the sound), as the controller lane says its values.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import replace

from engine.core import edits
from engine.core.gm_drums import key_label
from sequencer_gui import palette
from sequencer_gui.canvas_pool import ItemPool

GRAB_PX = 5
READOUT_GAP_PX = 8  # between the stem and its readout


class VelocityLane:
    """Velocity stems of the edited track's visible notes."""

    def __init__(self, roll):
        self.roll = roll
        self.height = roll.VELOCITY_HEIGHT
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
        self.stems = ItemPool(
            c, lambda: c.create_line(0, 0, 0, 0, width=3, capstyle="round"), "stem"
        )
        self._drag = None  # (notes being changed, the grabbed note, score before) in a drag
        self.readout = c.create_text(
            0, 0, text="", state="hidden", fill=palette.current().text, tags=("readout",)
        )
        c.bind("<Motion>", self._on_hover)
        c.bind("<Leave>", lambda _e: self.hide_readout())
        c.bind("<ButtonPress-1>", self._on_press)
        c.bind("<B1-Motion>", self._on_motion)
        c.bind("<ButtonRelease-1>", self._on_release)

    def stem_top(self, velocity: int) -> float:
        return self.height - 2 - (self.height - 6) * velocity / 127

    def velocity_at(self, y: float) -> int:
        return max(1, min(127, round((self.height - 2 - y) * 127 / (self.height - 6))))

    def redraw(self, notes) -> None:
        g = self.roll.geometry
        selection = self.roll.selection
        selected = palette.current().selected_fill
        stem = self.roll.track_colour()
        wanted = {}
        for note in notes:
            x = g.tick_to_x(note.start_tick) + 2
            colour = selected if note in selection else stem
            wanted[note] = (
                (x, self.height - 2, x, self.stem_top(note.velocity)),
                (("fill", colour),),
            )
        self.stems.sync(wanted)
        self.canvas.tag_raise("readout")

    def apply_palette(self, colours) -> None:
        self.canvas.configure(background=colours.canvas)
        self.canvas.itemconfigure(self.readout, fill=colours.text)
        self.stems.forget_looks()

    def show_readout(self, note) -> None:
        """Say ``note``'s velocity and name beside its stem's top: right of it, or left
        near the lane's right edge."""
        c = self.canvas
        x = self.roll.geometry.tick_to_x(note.start_tick) + 2
        name = key_label(note.pitch, self.roll.track.is_drum)
        c.itemconfigure(self.readout, text=f"Velocity {note.velocity} · {name}", state="normal")
        c.itemconfigure(self.readout, anchor="w")
        left, top, right, bottom = c.bbox(self.readout)
        if x + READOUT_GAP_PX + (right - left) > c.canvasx(max(1, c.winfo_width())):
            c.itemconfigure(self.readout, anchor="e")
            x -= READOUT_GAP_PX
        else:
            x += READOUT_GAP_PX
        half = (bottom - top) / 2 + 1  # the whole line of text inside the lane
        y = self.stem_top(note.velocity)
        c.coords(self.readout, x, max(half, min(self.height - half, y)))

    def hide_readout(self) -> None:
        self.canvas.itemconfigure(self.readout, state="hidden")

    @property
    def readout_text(self) -> str:
        """What the readout says ("" while hidden)."""
        c = self.canvas
        hidden = c.itemcget(self.readout, "state") == "hidden"
        return "" if hidden else c.itemcget(self.readout, "text")

    def _on_hover(self, event) -> None:
        if self._drag is not None:
            return
        note = self.note_at(event.x)
        if note is None:
            self.hide_readout()
        else:
            self.show_readout(note)

    def note_at(self, x_view: float):
        """The note whose stem is nearest to viewport x (within a few pixels), or None."""
        g = self.roll.geometry
        x = self.canvas.canvasx(x_view)
        best, best_d = None, GRAB_PX + 1
        for note in self.stems.keys():
            d = abs(g.tick_to_x(note.start_tick) + 2 - x)
            if d < best_d:
                best, best_d = note, d
        return best

    def _on_press(self, event) -> None:
        note = self.note_at(event.x)
        if note is None:
            return
        roll = self.roll
        notes = tuple(sorted(roll.selection)) if note in roll.selection else (note,)
        # Deltas apply to the notes as they were when the drag began.
        self._drag = (notes, note, roll.score)
        roll.document.begin("Change velocity")
        self._on_motion(event)

    def _on_motion(self, event) -> None:
        if self._drag is None:
            return
        roll = self.roll
        notes, grabbed, score_before = self._drag
        delta = self.velocity_at(event.y) - grabbed.velocity
        score, new_notes = edits.set_velocity(score_before, roll.track_index, notes, delta=delta)
        if grabbed in roll.selection or len(notes) > 1:
            roll.selection = set(new_notes)
        roll.document.update(score)
        self.show_readout(replace(grabbed, velocity=max(1, min(127, grabbed.velocity + delta))))

    def _on_release(self, event) -> None:
        if self._drag is None:
            return
        self._drag = None
        self.roll.document.commit()
        self._on_hover(event)  # the stem now under the pointer, if any
