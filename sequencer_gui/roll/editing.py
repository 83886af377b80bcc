"""Editing in the piano roll: mouse gestures and the edit commands (GUI thread).

One set of canvas-level bindings; every press hit-tests through the pure geometry (no
binding per note).  A gesture is ``Document.begin`` on press, ``update`` with the live
result on each motion that changes it (always recomputed from the score before the drag,
so a drag never accumulates rounding) and ``commit`` on release: one undo step.

Mouse: click an empty cell adds a note (snapped to the grid, the last used length) and a
drag moves it on; drag a note to move (snapped; Alt free), an edge to resize, Ctrl-drag
to duplicate; Shift-click toggles a note in the selection; Shift- or Ctrl-drag on empty
space draws a rubber band (Shift adds to the selection); right-click or double-click on a
note deletes it -- except a double-click whose first click has just added that note,
which keeps it (the add is the one undo step).  A click on a pattern note (drawn by an
overlay) goes to the overlay, never adds a note over it.  Wheel scrolls, Shift+wheel scrolls sideways, Ctrl+wheel zooms about the mouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.core import edits
from engine.core.score import Note, Score
from sequencer_gui.roll import navigation
from sequencer_gui.roll.geometry import snap_tick, snap_tick_down

SHIFT, CONTROL, ALT = 0x0001, 0x0004, 0x0008  # Tk event.state bits (Alt is Mod1 on X11)
CURSORS = {
    "body": "fleur",
    "start": "sb_h_double_arrow",
    "end": "sb_h_double_arrow",
    "pattern": "hand2",
    None: "pencil",
}
LABELS = {
    "add": "Add note",
    "move": "Move notes",
    "start": "Resize notes",
    "end": "Resize notes",
    "duplicate": "Duplicate notes",
}


@dataclass
class Drag:
    """A mouse gesture under way."""

    mode: str  # "add" | "move" | "start" | "end" | "duplicate" | "band"
    press_x: float  # world coordinates of the press
    press_y: float
    base: Score | None = None  # the score the deltas apply to
    notes: tuple[Note, ...] = ()
    primary: Note | None = None  # the note under the mouse
    last: tuple = field(default=(0, 0))
    result: Note | None = None  # the primary note as the drag has made it
    additive: bool = False

    def edited(self) -> tuple[Score, Note]:
        """The score and the note under the mouse of a note drag (every mode but "band")."""
        if self.base is None or self.primary is None:
            raise ValueError(f"a {self.mode} drag moves no notes")
        return self.base, self.primary


class RollEditor:
    """Turns mouse and keyboard input on the roll into document edits."""

    def __init__(self, roll):
        self.roll = roll
        self.drag: Drag | None = None
        self.clipboard: edits.Clip | None = None
        # The note the latest click added (None once anything else is pressed): Tk
        # reports a double-click's second press only as <Double-Button-1>, so this is
        # how the double-click knows its first click made a note rather than hit one.
        self.click_added: Note | None = None
        c = roll.canvas
        c.bind("<ButtonPress-1>", self.on_press)
        c.bind("<B1-Motion>", self.on_motion)
        c.bind("<ButtonRelease-1>", self.on_release)
        c.bind("<Double-Button-1>", self.on_double_click)
        c.bind("<ButtonPress-3>", self.on_delete_click)
        c.bind("<Motion>", self.on_hover)
        for widget in (c, roll.keyboard.canvas, roll.ruler.canvas, roll.velocity.canvas):
            widget.bind("<MouseWheel>", self.on_wheel)
            widget.bind("<Button-4>", lambda e: self.on_wheel(e, 120))
            widget.bind("<Button-5>", lambda e: self.on_wheel(e, -120))

    # ------------------------------------------------------------------ helpers
    @property
    def document(self):
        return self.roll.document

    def _world(self, event) -> tuple[float, float]:
        c = self.roll.canvas
        return c.canvasx(event.x), c.canvasy(event.y)

    def _preview(self, note: Note) -> None:
        self.roll.audition.preview(
            self.roll.track_index, note.pitch, note.velocity, note.length_ticks
        )

    def _overlay_press(self, x: float, y: float, double: bool) -> bool:
        """True when an overlay that takes presses (the pattern notes) had one at (x, y)."""
        return any(o.press(x, y, double) for o in self.roll.overlays if hasattr(o, "press"))

    def _select(self, notes) -> None:
        self.roll.set_selection(notes)

    # ------------------------------------------------------------------ mouse
    def on_hover(self, event) -> None:
        if self.drag is not None:
            return
        x, y = self._world(event)
        hit = self.roll.geometry.hit_note(self.roll.track, x, y)
        part = hit.part if hit else None
        if hit is None and any(o.hit(x, y) for o in self.roll.overlays if hasattr(o, "press")):
            part = "pattern"  # a pattern note: a click shows its step, adds nothing
        self.roll.canvas.configure(cursor=CURSORS[part])

    def on_press(self, event) -> None:
        self.click_added = None
        roll = self.roll
        roll.canvas.focus_set()
        x, y = self._world(event)
        g = roll.geometry
        hit = g.hit_note(roll.track, x, y)
        if hit is not None:
            if event.state & SHIFT:
                roll.set_selection(roll.selection ^ {hit.note})
                return
            if hit.note not in roll.selection:
                self._select({hit.note})
            mode = (
                "duplicate"
                if event.state & CONTROL and hit.part == "body"
                else {"body": "move", "start": "start", "end": "end"}[hit.part]
            )
            self.drag = Drag(
                mode, x, y, base=roll.score, notes=tuple(sorted(roll.selection)), primary=hit.note
            )
            self.document.begin(LABELS[mode])
            self._preview(hit.note)
            return
        if not event.state & (SHIFT | CONTROL) and self._overlay_press(x, y, False):
            return  # a pattern note: its step is edited in the step grid, not here
        if event.state & (SHIFT | CONTROL):
            self.drag = Drag("band", x, y, additive=bool(event.state & SHIFT))
            roll.canvas.coords(roll.band_item, x, y, x, y)
            roll.canvas.itemconfigure(roll.band_item, state="normal")
            return
        note = Note(
            snap_tick_down(g.x_to_tick(x), roll.grid_ticks),
            roll.new_length_ticks,
            g.y_to_pitch(y),
            roll.new_velocity,
        )
        self.document.begin(LABELS["add"])
        score, (added,) = edits.add_notes(roll.score, roll.track_index, (note,))
        roll.selection = {added}
        self.drag = Drag("add", x, y, base=score, notes=(added,), primary=added)
        # Sound first: the preview must not queue behind the new score on the pipe.
        self._preview(added)
        self.document.update(score)

    def _deltas(self, event, d: Drag, primary: Note) -> tuple[int, int]:
        """(tick delta, pitch delta) of the drag, snapped unless Alt is held."""
        g = self.roll.geometry
        x, y = self._world(event)
        raw = g.x_to_tick(x) - g.x_to_tick(d.press_x)
        free = bool(event.state & ALT)
        grid = self.roll.grid_ticks
        if d.mode == "end":
            ref = primary.end_tick
        else:
            ref = primary.start_tick
        target = round(ref + raw) if free else snap_tick(ref + raw, grid)
        dp = 0 if d.mode in ("start", "end") else g.y_to_pitch(y) - g.y_to_pitch(d.press_y)
        return max(-ref, target - ref), dp

    def on_motion(self, event) -> None:
        d = self.drag
        if d is None:
            return
        roll = self.roll
        if d.mode == "band":
            x, y = self._world(event)
            roll.canvas.coords(roll.band_item, d.press_x, d.press_y, x, y)
            return
        base, primary = d.edited()
        dt, dp = self._deltas(event, d, primary)
        if (dt, dp) == d.last:
            return
        d.last = (dt, dp)
        ti = roll.track_index
        if d.mode in ("move", "add"):
            score, new = edits.move_notes(base, ti, d.notes, dt, dp)
        elif d.mode in ("start", "end"):
            score, new = edits.resize_notes(
                base,
                ti,
                d.notes,
                dt,
                edge=d.mode,
                min_length=1 if event.state & ALT else min(roll.grid_ticks, primary.length_ticks),
            )
        else:  # duplicate: copies shifted in time, then in pitch, originals stay
            if (dt, dp) == (0, 0):
                score, new = base, d.notes
            else:
                score, new = edits.duplicate_notes(base, ti, d.notes, dt)
                score, new = edits.move_notes(score, ti, new, 0, dp)
        roll.selection = set(new)
        d.result = new[d.notes.index(primary)]
        self._preview(d.result)
        self.document.update(score)

    def on_release(self, event) -> None:
        d, self.drag = self.drag, None
        if d is None:
            return
        roll = self.roll
        if d.mode == "band":
            roll.canvas.itemconfigure(roll.band_item, state="hidden")
            x, y = self._world(event)
            found = set(roll.geometry.notes_in_rect(roll.track, d.press_x, d.press_y, x, y))
            self._select(roll.selection | found if d.additive else found)
            return
        self.document.commit()
        if d.mode == "add" and d.last == (0, 0):  # a click, not a drag: see on_double_click
            self.click_added = d.primary
        if d.mode in ("start", "end") and d.result is not None:
            roll.new_length_ticks = d.result.length_ticks  # "the last used length"
        roll.redraw_notes()
        roll.notify_changed()

    def on_double_click(self, event) -> None:
        """Double-click deletes the note under the mouse, unless the double-click's first
        click has just added it: a musician double-clicking an empty cell wants a note,
        not a note and its deletion (two undo steps and nothing to show)."""
        added, self.click_added = self.click_added, None
        if added is not None and added in self.roll.track.notes:
            return
        x, y = self._world(event)
        if self.roll.geometry.hit_note(self.roll.track, x, y) is None and self._overlay_press(
            x, y, True
        ):
            return
        self.on_delete_click(event)

    def on_delete_click(self, event) -> None:
        if self.drag is not None:
            self.document.commit()
            self.drag = None
        roll = self.roll
        x, y = self._world(event)
        hit = roll.geometry.hit_note(roll.track, x, y)
        if hit is None:
            self._overlay_press(x, y, False)  # a pattern note says where it is edited
            return
        score, _ = edits.delete_notes(roll.score, roll.track_index, (hit.note,))
        roll.selection.discard(hit.note)
        self.document.apply(score, "Delete note")

    def on_wheel(self, event, delta: int | None = None) -> str:
        roll = self.roll
        delta = event.delta if delta is None else delta
        steps = 1 if delta > 0 else -1
        if event.state & CONTROL:
            x_view = (
                event.x
                if event.widget is roll.canvas or event.widget is roll.ruler.canvas
                else roll.geometry.width_px / 2
            )
            roll.zoom(1.25 if steps > 0 else 0.8, x_view)
        elif event.state & ALT:
            y_view = event.y if event.widget in (roll.canvas, roll.keyboard.canvas) else None
            navigation.zoom_vertically(roll, 1.25 if steps > 0 else 0.8, y_view)
        elif event.state & SHIFT:
            roll.scroll(-steps * roll.geometry.width_px / 8, 0)
        else:
            roll.scroll(0, -steps * 3 * roll.geometry.key_height_px)
        return "break"

    # ------------------------------------------------------------------ commands
    def _edit(self, result, label: str) -> None:
        score, new = result
        self.roll.selection = set(new)
        self.document.apply(score, label)
        self.roll.notify_changed()

    def _selected(self) -> tuple[Note, ...]:
        return tuple(sorted(self.roll.selection))

    def select_all(self) -> None:
        self._select(self.roll.track.notes)

    def deselect(self) -> None:
        self._select(())

    def escape(self) -> None:
        """Esc: abandon a drag under way (the notes go back), else deselect."""
        d, self.drag = self.drag, None
        if d is None:
            self.deselect()
            return
        roll = self.roll
        if d.mode == "band":
            roll.canvas.itemconfigure(roll.band_item, state="hidden")
            return
        roll.selection = set(d.notes) if d.mode != "add" else set()
        self.document.cancel()
        roll.redraw_notes()

    def delete_selection(self) -> None:
        if self.roll.selection:
            self._edit(
                edits.delete_notes(self.roll.score, self.roll.track_index, self._selected()),
                "Delete notes",
            )

    def copy(self) -> None:
        if self.roll.selection:
            self.clipboard = edits.copy_notes(self._selected())

    def cut(self) -> None:
        if self.roll.selection:
            self.copy()
            self._edit(
                edits.delete_notes(self.roll.score, self.roll.track_index, self._selected()),
                "Cut notes",
            )

    def paste(self) -> None:
        """Paste at the cursor (snapped to the grid); the pasted notes become selected."""
        if self.clipboard is None or not self.clipboard.notes:
            return
        roll = self.roll
        at = snap_tick_down(roll.cursor_tick, roll.grid_ticks)
        self._edit(edits.paste(roll.score, roll.track_index, self.clipboard, at), "Paste")

    def nudge(self, grid_steps: int = 0, semitones: int = 0) -> None:
        """Move the selection by whole grid steps and/or semitones (arrow keys)."""
        if not self.roll.selection:
            return
        roll = self.roll
        notes = self._selected()
        label = "Transpose" if semitones and not grid_steps else "Move notes"
        self._edit(
            edits.move_notes(
                roll.score, roll.track_index, notes, grid_steps * roll.grid_ticks, semitones
            ),
            label,
        )
        if semitones:
            first = min(roll.selection)
            self._preview(first)

    def quantize(self) -> None:
        """Quantize the selection (or the whole track) to the grid, starts only."""
        roll = self.roll
        notes = self._selected() or roll.track.notes
        if notes:
            self._edit(
                edits.quantize(roll.score, roll.track_index, notes, roll.grid_ticks), "Quantize"
            )

    def undo(self) -> None:
        self.document.undo()

    def redo(self) -> None:
        self.document.redo()
