"""The ruler's lanes: markers, tempo and meter changes as flags to add, drag and delete (GUI thread).

Each lane is a row of the ruler's canvas.  A change shows as a flag: a line at its tick
and its value beside it ("Verse", "♩ 116", "3/4").  In a lane:
- drag a flag to move the change (tempo snaps to the grid, meter to bar lines; the
  first tempo and meter stay at the start of the song);
- double-click a flag to edit its value (the cursor goes there and the transport's box
  takes the keyboard, text selected: type the value and Enter);
- double-click empty space to add a change there (the value in force, to edit as above);
- right-click a flag to delete the change.
Markers are named places: a double-click on empty space adds "Marker N" there, one on a
marker renames it; they move anywhere on the grid, the first one too.
A whole drag is one undo step.  Flags come from pools keyed by tick, like the bar numbers.
"""

from __future__ import annotations

import tkinter.font as tkfont
from dataclasses import dataclass

from engine.core import edits
from engine.core.score import Score
from sequencer_gui import palette, timeline_edits
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.fonts import SMALL
from sequencer_gui.roll.geometry import snap_tick

GRAB_SLACK_PX = 4


def tempo_label(bpm: float) -> str:
    # integer microseconds per quarter make 116 BPM read back as 116.00008
    return "♩ " + f"{bpm:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class LaneKind:
    """What one lane shows and how its changes are edited."""

    name: str  # "tempo" | "meter"
    title: str  # the lane's name on the keyboard side


TEMPO = LaneKind("tempo", "Tempo")
METER = LaneKind("meter", "Meter")


class ChangeLanes:
    """The tempo and meter lanes drawn on the ruler's canvas, with their gestures."""

    def __init__(self, ruler, rows: dict[str, tuple[int, int]]):
        self.ruler = ruler
        self.roll = ruler.roll
        self.rows = rows  # lane name -> (top y, bottom y) on the ruler canvas
        c = self.canvas = ruler.canvas
        self.lines = {
            kind: ItemPool(c, lambda: c.create_line(0, 0, 0, 0, width=2), f"{kind}_line")
            for kind in rows
        }
        self.labels = {
            kind: ItemPool(c, lambda: c.create_text(0, 0, anchor="w", font=SMALL), f"{kind}_text")
            for kind in rows
        }
        self.bands = {
            kind: c.create_rectangle(0, top, 0, bottom, width=0, tags=("lane_band",))
            for kind, (top, bottom) in rows.items()
        }
        self._font = tkfont.nametofont(SMALL, root=c)
        self._widths: dict[str, int] = {}
        self.drag: tuple[str, int, Score] | None = None  # (lane, tick, score before)
        self.apply_palette(palette.current())

    # ------------------------------------------------------------------ what is shown
    def changes(self, kind: str) -> list[tuple[int, str]]:
        """(tick, label) of every change of one lane."""
        score = self.roll.score
        if kind == "marker":
            return [(m.tick, m.name) for m in score.markers]
        if kind == "tempo":
            return [(c.tick, tempo_label(c.bpm)) for c in score.tempo_map.changes]
        return [
            (s.tick, f"{s.numerator}/{s.denominator}") for s in score.time_signatures.signatures
        ]

    def redraw(self) -> None:
        roll = self.roll
        g = roll.geometry
        start, end = g.visible_ticks()
        colours = palette.current()
        left = g.scroll_x_px
        right = g.scroll_x_px + g.width_px
        for kind, (top, bottom) in self.rows.items():
            colour = getattr(colours, kind)
            shown = self.changes(kind)
            lines, labels = {}, {}
            for i, (tick, text) in enumerate(shown):
                following = shown[i + 1][0] if i + 1 < len(shown) else None
                # a change left of the view still names the value in force at its edge
                if tick >= end or (following is not None and following <= start):
                    continue
                x = g.tick_to_x(tick)
                lines[tick] = ((x, top + 1, x, bottom - 1), (("fill", colour),))
                labels[tick] = (
                    (max(x + 4, left + 2) if tick < start else x + 4, (top + bottom) / 2),
                    (("text", text), ("fill", colour)),
                )
            self.lines[kind].sync(lines)
            self.labels[kind].sync(labels)
            self.canvas.coords(self.bands[kind], left, top, right, bottom)

    def apply_palette(self, colours) -> None:
        for band in self.bands.values():
            self.canvas.itemconfigure(band, fill=palette.mix(colours.canvas, colours.window, 0.5))
        for pool in list(self.lines.values()) + list(self.labels.values()):
            pool.forget_looks()

    # ------------------------------------------------------------------ hit-testing
    def lane_at(self, y: float) -> str | None:
        for kind, (top, bottom) in self.rows.items():
            if top <= y < bottom:
                return kind
        return None

    def _width(self, text: str) -> int:
        if text not in self._widths:
            self._widths[text] = self._font.measure(text)
        return self._widths[text]

    def change_at(self, kind: str, x_view: float) -> int | None:
        """The tick of the change whose flag (line and label) is under viewport x."""
        g = self.roll.geometry
        x = self.canvas.canvasx(x_view)
        best = None
        for tick, text in self.changes(kind):
            x0 = g.tick_to_x(tick)
            if x0 - GRAB_SLACK_PX <= x <= x0 + 4 + self._width(text):
                best = tick  # later flags are drawn on top of earlier ones
        return best

    def _tick_at(self, x_view: float) -> int:
        g = self.roll.geometry
        return snap_tick(g.x_to_tick(self.canvas.canvasx(x_view)), self.roll.grid_ticks)

    # ------------------------------------------------------------------ gestures
    def press(self, kind: str, event) -> None:
        tick = self.change_at(kind, event.x)
        if tick is None or (tick == 0 and kind != "marker"):
            self.drag = None
            return
        self.drag = (kind, tick, self.roll.score)

    def motion(self, event) -> None:
        if self.drag is None:
            return
        kind, from_tick, before = self.drag
        to_tick = self._tick_at(event.x)
        if kind == "marker":
            score = edits.move_marker(before, from_tick, to_tick)
        elif kind == "tempo":
            score = timeline_edits.move_tempo(before, from_tick, to_tick)
        else:
            score = timeline_edits.move_meter(before, from_tick, to_tick)
        document = self.roll.document
        if score is not self.roll.score and score != self.roll.score:
            if not document.history.in_gesture:
                document.begin("Move marker" if kind == "marker" else f"Move {kind} change")
            document.update(score)

    def release(self, event) -> bool:
        """End a drag; True if there was one (the ruler then does nothing else)."""
        if self.drag is None:
            return False
        _, tick, _ = self.drag
        self.drag = None
        roll = self.roll
        if roll.document.history.in_gesture:
            roll.document.commit()
        else:  # a click on a flag: the cursor goes to the change
            roll.set_cursor(tick)
            roll.audition.locate(tick)
        return True

    def double_click(self, kind: str, event) -> None:
        """Edit the change under the pointer, or add one there with the value in force."""
        roll = self.roll
        tick = self.change_at(kind, event.x)
        score = roll.score
        if kind == "marker":
            if tick is None:
                add_marker(roll.document, self._tick_at(event.x))
            else:
                self.rename_marker(tick)
            return
        if tick is None:
            tick = self._tick_at(event.x)
            if kind == "tempo":
                new = edits.set_tempo(score, tick, score.tempo_map.bpm_at(tick))
            else:
                tick = timeline_edits.nearest_bar(score, tick)
                sig = score.time_signatures.at(tick)
                new = edits.set_time_signature(score, tick, sig.numerator, sig.denominator)
            if new != score:
                roll.document.apply(new, f"Add {kind} change")
        roll.set_cursor(tick)
        roll.audition.locate(tick)
        for listener in list(self.ruler.edit_listeners):
            listener(kind)

    def rename_marker(self, tick: int) -> None:
        from tkinter import simpledialog

        roll = self.roll
        old = next(m.name for m in roll.score.markers if m.tick == tick)
        name = simpledialog.askstring(
            "Marker", "Name of the marker:", initialvalue=old, parent=roll.winfo_toplevel()
        )
        if name and name.strip() and name.strip() != old:
            roll.document.apply(edits.set_marker(roll.score, tick, name.strip()), "Rename marker")

    def delete(self, kind: str, event) -> None:
        tick = self.change_at(kind, event.x)
        if tick is None or (tick == 0 and kind != "marker"):
            return
        score = self.roll.score
        if kind == "marker":
            new = edits.remove_marker(score, tick)
        elif kind == "tempo":
            new = edits.remove_tempo(score, tick)
        else:
            new = edits.remove_time_signature(score, tick)
        self.roll.document.apply(
            new, "Delete marker" if kind == "marker" else f"Delete {kind} change"
        )


def add_marker(document, tick: int) -> None:
    """A marker at ``tick`` named "Marker N" (one undo step); none if one is there."""
    score = document.score
    if any(m.tick == tick for m in score.markers):
        return
    document.apply(edits.set_marker(score, tick, f"Marker {len(score.markers) + 1}"), "Add marker")


def marker_near(score, tick: int, direction: int) -> int | None:
    """The tick of the marker before (direction < 0) or after ``tick``, or None."""
    ticks = [m.tick for m in score.markers]
    if direction < 0:
        before = [t for t in ticks if t < tick]
        return before[-1] if before else None
    after = [t for t in ticks if t > tick]
    return after[0] if after else None
