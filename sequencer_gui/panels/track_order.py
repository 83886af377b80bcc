"""Moving tracks in the list by dragging their coloured strip (GUI thread).

Press on a strip, drag up or down: a line shows where the track will land; release moves
it there (one undo step) and it stays the edited track if it was.  A double-click on a
strip chooses the track's colour instead.
"""

from __future__ import annotations

import tkinter as tk

from engine.core import edits
from sequencer_gui import palette


def pin_colours(score):
    """The score with every track's colour written down, so tracks that move or whose
    neighbours go away keep the colour they showed (the automatic one is by position)."""
    for index, track in enumerate(score.tracks):
        if not track.colour:
            score = edits.update_track(score, index, colour=palette.track_colour(track, index))
    return score


class TrackOrder:
    """The strip gestures of one track list."""

    def __init__(self, tracks):
        self.tracks = tracks
        self.dragging: int | None = None  # index of the track being dragged
        self.target: int | None = None
        self.line = tk.Frame(tracks.body, height=3, background=palette.current().accent)

    def watch(self, row) -> None:
        strip = row.strip
        strip.configure(cursor="sb_v_double_arrow")
        strip.bind("<ButtonPress-1>", lambda e, r=row: self._press(r))
        strip.bind("<B1-Motion>", self._motion)
        strip.bind("<ButtonRelease-1>", self._release)
        strip.bind("<Double-Button-1>", lambda e, r=row: self.tracks.choose_colour(r.index))

    def index_at(self, y_root: int) -> int:
        """The list position a drop at screen y lands on."""
        rows = self.tracks.rows
        for row in rows:
            frame = row.frame
            if y_root < frame.winfo_rooty() + frame.winfo_height() / 2:
                return row.index
        return len(rows)

    def _press(self, row) -> None:
        self.dragging, self.target = row.index, None

    def _motion(self, event) -> None:
        if self.dragging is None:
            return
        slot = self.index_at(event.y_root)
        self.target = slot
        rows = self.tracks.rows
        y = rows[slot].frame.winfo_y() if slot < len(rows) else self.tracks.body.winfo_height() - 3
        self.line.configure(background=palette.current().accent)
        self.line.place(x=0, y=max(0, y - 1), relwidth=1.0)
        self.line.lift()

    def _release(self, event) -> None:
        if self.dragging is None:
            return
        from_index, slot = self.dragging, self.target
        self.dragging = self.target = None
        self.line.place_forget()
        if slot is None:
            return
        # a slot below the track itself counts without the track: it moves one less
        self.move(from_index, slot - 1 if slot > from_index else slot)

    def move(self, from_index: int, to_index: int) -> None:
        doc = self.tracks.window.document
        count = len(doc.score.tracks)
        to_index = max(0, min(count - 1, to_index))
        if to_index == from_index or not 0 <= from_index < count:
            return
        edited = doc.track_index
        score = pin_colours(doc.score)
        doc.apply(edits.move_track(score, from_index, to_index), "Move track")
        # the edited track stays edited wherever it went
        if edited == from_index:
            doc.set_track_index(to_index)
        elif from_index < edited <= to_index:
            doc.set_track_index(edited - 1)
        elif to_index <= edited < from_index:
            doc.set_track_index(edited + 1)
        self.tracks.refresh()
