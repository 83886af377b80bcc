"""What the mouse and keys do in the song view (GUI thread).

Click an empty cell to place the selected pattern there (on the bar line) and drag on to
move it; drag an item -- a placement or a block of notes -- to move it with everything
selected (to other bars, other tracks); drag a placement's end to extend it into repeats;
Ctrl+drag copies it (and the rest of the selection) there instead; Shift+click adds an
item to the selection or takes it out; Shift- or Ctrl-drag on empty space draws a rubber
band (Shift adds to the selection).  Right-click removes the placement under the mouse (a
block of notes it only selects), Delete the selection; Ctrl+C / Ctrl+X / Ctrl+V copy,
cut and paste (at the song's cursor, from the edited track down), Ctrl+D duplicates the
selection after itself, Ctrl+A selects everything, Esc nothing (during a drag: cancels
it).  The arrow keys move the selection a bar earlier or later, a track up or down (the
window's shortcut table binds them and sends them here while the song view shows).  Each
gesture is one undo step, recomputed from the song before it on every motion (like the
roll's drags), so a drag never accumulates.  Clicking a placement picks its pattern;
double-clicking it opens it in the Steps tab; double-clicking a block of notes opens the
piano roll on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.score import Score
from sequencer_gui.roll import navigation
from sequencer_gui.steps import song_items as si
from sequencer_gui.steps.song_geometry import nearest_bar, repeats_for_end, snap_to_bar
from sequencer_gui.steps.song_items import NoteKey

SHIFT, CONTROL = 0x0001, 0x0004


@dataclass
class SongDrag:
    mode: str  # "move" | "copy" | "end" | "band"
    keys: frozenset  # what moves (for "end": the one placement)
    press_tick: int
    press_track: int
    start_tick: int  # the grabbed item's start before the drag
    base: Score  # the score before the drag
    last: tuple = ()
    press_x: float = 0.0
    press_y: float = 0.0
    kept: frozenset = frozenset()  # a band's selection before it (Shift adds to it)


class SongGestures:
    """The song view's one set of canvas bindings."""

    def __init__(self, view):
        self.view = view
        self.drag: SongDrag | None = None
        self.clipboard = si.SongClip()
        c = view.canvas
        c.bind("<ButtonPress-1>", self.on_press)
        c.bind("<B1-Motion>", self.on_motion)
        c.bind("<ButtonRelease-1>", self.on_release)
        c.bind("<Double-Button-1>", self.on_double_click)
        c.bind("<ButtonPress-3>", self.on_right_press)
        c.bind("<Motion>", self.on_hover)
        c.bind("<MouseWheel>", self.on_wheel)
        c.bind("<Button-4>", lambda e: self.on_wheel(e, 120))
        c.bind("<Button-5>", lambda e: self.on_wheel(e, -120))
        # the song view's own meaning of the editing keys: "break" keeps the window's
        # (the piano roll's) from running too
        for sequence, action in (
            ("<Delete>", self.delete_selection),
            ("<BackSpace>", self.delete_selection),
            ("<Control-c>", self.copy),
            ("<Control-x>", self.cut),
            ("<Control-v>", self.paste),
            ("<Control-d>", self.duplicate),
            ("<Control-a>", self.select_all),
            ("<Escape>", self.escape),
        ):
            c.bind(sequence, lambda e, a=action: (a(), "break")[1])

    # ------------------------------------------------------------------ helpers
    @property
    def document(self):
        return self.view.document

    def _status(self, text: str) -> None:
        self.view.window.set_status(text)

    def _world(self, event) -> tuple[float, float]:
        c = self.view.canvas
        return c.canvasx(event.x), c.canvasy(event.y)

    def surviving(self, keys) -> set:
        """The keys still in the song (an undo may have taken some away).  Runs on every
        edit, a roll drag's motions too: the blocks come from the view's cache."""
        keys = set(keys)
        if not keys:
            return keys
        score = self.document.score
        there = {b.key for b in self.view.blocks.blocks(score)} | {p.id for p in score.placements}
        return keys & there

    # ------------------------------------------------------------------ mouse
    def on_hover(self, event) -> None:
        if self.drag is not None:
            return
        x, y = self._world(event)
        hit = self.view.geometry.hit(x, y, self.view.boxes())
        part = hit.part if hit else ""
        if part == "end" and isinstance(hit.key, NoteKey):
            part = "body"
        cursor = {"end": "sb_h_double_arrow", "body": "fleur"}.get(part, "")
        self.view.canvas.configure(cursor=cursor)

    def on_press(self, event) -> None:
        view = self.view
        view.canvas.focus_set()
        x, y = self._world(event)
        g = view.geometry
        score = self.document.score
        if y < g.ruler_px:
            if x >= view.canvas.canvasx(0) + g.header_px:
                tick = snap_to_bar(g.x_to_tick(x), score.time_signatures, score.ppq)
                view.move_cursor(tick)
                view.window.roll.set_cursor(tick)
                view.window.link.locate(tick)
            return
        if x < view.canvas.canvasx(0) + g.header_px:
            track = g.y_to_track(y)
            if track is not None:
                self.document.set_track_index(track)
                view.redraw()
            return
        hit = g.hit(x, y, view.boxes())
        if hit is None:
            return
        if hit.part == "empty":
            if event.state & (SHIFT | CONTROL):
                kept = frozenset(view.selection) if event.state & SHIFT else frozenset()
                self.drag = SongDrag("band", kept, 0, 0, 0, score, press_x=x, press_y=y, kept=kept)
                view.canvas.coords(view.band_item, x, y, x, y)
                view.canvas.itemconfigure(view.band_item, state="normal")
                return
            self._place(hit, score)
            return
        key = hit.key
        if event.state & SHIFT:
            view.select(view.selection ^ {key})
            return
        if key not in view.selection:
            view.select({key})
        start = si.item_span(score, key)[1]
        if not isinstance(key, NoteKey):
            pattern_id = si.placement(score, key).pattern_id
            if view.session.pattern_id != pattern_id:
                view.session.select(pattern_id)
        if hit.part == "end" and not isinstance(key, NoteKey):
            self.drag = SongDrag("end", frozenset({key}), hit.tick, hit.track, start, score)
            self.document.begin("Repeat pattern")
            return
        keys = frozenset(view.selection)
        if event.state & CONTROL:  # Ctrl+drag: a copy goes where the selection is dragged
            self.drag = SongDrag("copy", keys, hit.tick, hit.track, start, score)
            self.document.begin("Copy in the song")
            return
        self.drag = SongDrag("move", keys, hit.tick, hit.track, start, score)
        single = len(keys) == 1 and not isinstance(key, NoteKey)
        self.document.begin("Move pattern" if single else "Move in the song")

    def _place(self, hit, score) -> None:
        view = self.view
        pattern = view.session.pattern
        if pattern is None:
            self._status("Make a pattern in the Steps tab first.")
            return
        start = snap_to_bar(hit.tick, score.time_signatures, score.ppq)
        try:
            new, placement = pe.place_pattern(score, pattern.id, hit.track, start)
        except ScoreError as exc:
            self._status(str(exc))
            return
        self.document.begin("Place pattern")
        view.selection = {placement.id}
        self.document.update(new)
        self.drag = SongDrag("move", frozenset({placement.id}), hit.tick, hit.track, start, new)

    def on_motion(self, event) -> None:
        d = self.drag
        if d is None:
            return
        x, y = self._world(event)
        g = self.view.geometry
        if d.mode == "band":
            self.view.canvas.coords(self.view.band_item, d.press_x, d.press_y, x, y)
            touched = g.in_band((d.press_x, d.press_y, x, y), self.view.boxes())
            self.view.select(d.kept | set(touched))
            return
        score = d.base
        tick = g.x_to_tick(x)
        try:
            if d.mode == "end":
                (placement_id,) = d.keys
                placement = si.placement(score, placement_id)
                pass_ticks = score.pattern(placement.pattern_id).pass_ticks(score.ppq)
                repeats = repeats_for_end(placement.start_tick, tick, pass_ticks)
                if (repeats,) == d.last:
                    return
                d.last = (repeats,)
                self.document.update(pe.set_placement_repeats(score, placement_id, repeats))
                return
            start = nearest_bar(
                max(0, d.start_tick + tick - d.press_tick), score.time_signatures, score.ppq
            )
            d_ticks = start - d.start_tick
            d_tracks = g.y_to_track_clamped(y) - d.press_track
            if (d_ticks, d_tracks) == d.last:
                return
            if d.mode == "copy":
                new, keys = self._copied(score, d.keys, d_ticks, d_tracks)
            else:
                new = si.move_items(score, d.keys, d_ticks, d_tracks)
                keys = si.moved_keys(new, d.keys, d_ticks, d_tracks)
        except ScoreError:
            return  # onto another placement or off the song: stay where it last fitted
        d.last = (d_ticks, d_tracks)
        self.view.selection = keys
        self.document.update(new)

    @staticmethod
    def _copied(score, keys, d_ticks: int, d_tracks: int) -> tuple:
        """The song with a copy of ``keys`` moved by the deltas (none while not moved:
        a copy on the original would only double its notes)."""
        if (d_ticks, d_tracks) == (0, 0):
            return score, set(keys)
        top, first = si.selection_start(score, keys)
        if top + d_tracks < 0:
            raise ScoreError("the song has no track there")
        clip = si.copy_items(score, _ordered(keys))
        return si.paste_clip(score, clip, first + d_ticks, top + d_tracks)

    def on_release(self, event) -> None:
        d, self.drag = self.drag, None
        if d is None:
            return
        if d.mode == "band":
            self.view.canvas.itemconfigure(self.view.band_item, state="hidden")
            return
        self.document.commit()

    def on_double_click(self, event) -> None:
        view = self.view
        x, y = self._world(event)
        hit = view.geometry.hit(x, y, view.boxes())
        if hit is None or hit.key is None:
            return
        score = self.document.score
        if isinstance(hit.key, NoteKey):
            self.open_in_roll(hit.key)
            return
        placement = si.placement(score, hit.key)
        view.session.select(placement.pattern_id)
        view.show_steps()

    def open_in_roll(self, key: NoteKey) -> None:
        """Show the piano roll on a block's notes, selected."""
        window = self.view.window
        notes = si.block_notes(self.document.score, key)
        self.document.set_track_index(key.track)
        window.views.select(0)
        window.root.update_idletasks()
        window.roll.set_selection(set(notes))
        navigation.fit(window.roll)

    def on_right_press(self, event) -> None:
        view = self.view
        x, y = self._world(event)
        hit = view.geometry.hit(x, y, view.boxes())
        if hit is None or hit.key is None:
            return
        if isinstance(hit.key, NoteKey):
            # a block can hold hundreds of notes: a stray right-click must not take them
            view.select({hit.key})
            count = len(si.block_notes(self.document.score, hit.key))
            self._status(f"Delete removes these {count} notes (one undo step).")
            return
        view.selection.discard(hit.key)
        self._delete({hit.key})

    def on_wheel(self, event, delta: int | None = None) -> str:
        delta = event.delta if delta is None else delta
        steps = 1 if delta > 0 else -1
        if event.state & CONTROL:
            self.view.zoom(1.25 if steps > 0 else 0.8)
        else:
            self.view.canvas.xview_scroll(-steps * 60, "units")
            self.view.redraw()
        return "break"

    # ------------------------------------------------------------------ commands
    def _delete(self, keys, label: str | None = None) -> None:
        keys = self.surviving(keys)
        if not keys:
            return
        if label is None:
            only = next(iter(keys))
            single = len(keys) == 1 and not isinstance(only, NoteKey)
            label = "Remove pattern placement" if single else "Delete from the song"
        score = si.delete_items(self.document.score, keys)
        self.view.selection -= keys
        self.document.apply(score, label)

    def escape(self) -> None:
        """Cancel the drag under way (the song as before it), else select nothing."""
        d, self.drag = self.drag, None
        if d is None:
            self.view.select(())
        elif d.mode == "band":
            self.view.canvas.itemconfigure(self.view.band_item, state="hidden")
            self.view.select(d.kept)
        else:
            self.view.selection = set(d.keys)
            self.document.cancel()

    def nudge(self, bars: int, tracks: int) -> None:
        """Move the selection a bar later or earlier, a track down or up (the arrow keys,
        from the window's shortcut table): one undo step; at an edge nothing moves."""
        keys = _ordered(self.surviving(self.view.selection))
        if not keys:
            self._status("Select placements or notes in the song view to move them.")
            return
        try:
            score, moved = si.nudge_items(self.document.score, keys, bars, tracks)
        except ScoreError as exc:
            self._status(f"Nothing moved: {exc}.")
            return
        single = len(keys) == 1 and not isinstance(keys[0], NoteKey)
        self.view.selection = moved
        self.document.apply(score, "Move pattern" if single else "Move in the song")

    def delete_selection(self) -> None:
        self._delete(self.view.selection)

    def select_all(self) -> None:
        self.view.select(box.key for box in self.view.boxes())

    def copy(self) -> bool:
        keys = self.surviving(self.view.selection)
        if not keys:
            self._status("Select placements or notes in the song view to copy them.")
            return False
        self.clipboard = si.copy_items(self.document.score, _ordered(keys))
        return True

    def cut(self) -> None:
        if self.copy():
            self._delete(self.view.selection, "Cut")

    def paste(self) -> None:
        if not self.clipboard:
            self._status("Nothing copied in the song view yet.")
            return
        score = self.document.score
        tick = snap_to_bar(self.view.cursor_tick, score.time_signatures, score.ppq)
        self._lay(self.clipboard, tick, self.document.track_index, "Paste")

    def duplicate(self) -> None:
        """A copy of the selection right after it (from the bar line after its end)."""
        keys = _ordered(self.surviving(self.view.selection))
        if not keys:
            self._status("Select placements or notes in the song view to duplicate them.")
            return
        score = self.document.score
        top, _start = si.selection_start(score, keys)
        clip = si.copy_items(score, keys)
        self._lay(clip, si.selection_end(score, keys), top, "Duplicate")

    def _lay(self, clip, tick: int, track: int, label: str) -> None:
        try:
            score, keys = si.paste_clip(self.document.score, clip, tick, track)
        except ScoreError as exc:
            self._status(f"Nothing {label.lower()}d: {exc}.")
            return
        self.view.selection = keys
        self.document.apply(score, label)


def _ordered(keys) -> list:
    """Keys in a stable order (copies must not depend on set order)."""
    return sorted(keys, key=lambda k: (isinstance(k, NoteKey), str(k)))
