"""Other musicians' selections and edit cursors drawn in the piano roll (GUI thread).

One persistent canvas item per marked note and per cursor, kept in an ``ItemPool``: a
peer moving its selection moves or hides items, nothing is redrawn from scratch.
"""

from __future__ import annotations

from sequencer_gui.canvas_pool import ItemPool


class PeerMarks:
    """A roll overlay (``roll.overlays``): ``marks`` is set by the session."""

    def __init__(self, roll):
        self.roll = roll
        c = roll.canvas
        self.boxes = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0), "peer-selection")
        self.cursors = ItemPool(c, lambda: c.create_line(0, 0, 0, 0), "peer-cursor")
        # (peer id, colour, notes of the roll's track selected, cursor (tick, key) or None)
        self.marks: list[tuple[int, str, tuple, tuple | None]] = []

    def show(self, marks) -> None:
        self.marks = list(marks)
        self.redraw(0, 1 << 31, 0, 127)

    def redraw(self, start: int, end: int, low: int, high: int) -> None:
        g = self.roll.geometry
        kh = g.key_height_px
        boxes, cursors = {}, {}
        for peer, colour, notes, cursor in self.marks:
            for note in notes:
                if note.end_tick > start and note.start_tick < end and low <= note.pitch <= high:
                    x0, y0 = g.tick_to_x(note.start_tick), g.pitch_to_y(note.pitch)
                    x1 = max(x0 + 2.0, g.tick_to_x(note.end_tick))
                    box = (x0 - 2, y0 - 2, x1 + 2, y0 + kh + 2)
                    boxes[(peer, note)] = (
                        box,
                        (("outline", colour), ("width", 2), ("dash", (3, 2))),
                    )
            if cursor is not None:
                tick, key = cursor
                x, y = g.tick_to_x(tick), g.pitch_to_y(key)
                cursors[peer] = ((x, y - 2, x, y + kh + 2), (("fill", colour), ("width", 3)))
        if self.boxes.sync(boxes) | self.cursors.sync(cursors):
            self.roll.canvas.tag_raise("peer-selection")
            self.roll.canvas.tag_raise("peer-cursor")
