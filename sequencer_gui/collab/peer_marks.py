"""Other musicians' selections and edit cursors drawn in the piano roll, each cursor with
its musician's name beside it (GUI thread).

One persistent canvas item per marked note, per cursor and per name, kept in an
``ItemPool``: a peer moving its selection moves or hides items, nothing is redrawn from
scratch.
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
        self.names = ItemPool(c, lambda: c.create_text(0, 0, anchor="sw"), "peer-name")
        # (peer id, colour, notes of the roll's track selected, cursor (tick, key) or None,
        # name)
        self.marks: list[tuple[int, str, tuple, tuple | None, str]] = []

    def show(self, marks) -> None:
        self.marks = list(marks)
        self.redraw(0, 1 << 31, 0, 127)

    def redraw(self, start: int, end: int, low: int, high: int) -> None:
        g = self.roll.geometry
        kh = g.key_height_px
        boxes, cursors, names = {}, {}, {}
        for peer, colour, notes, cursor, name in self.marks:
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
                # whose cursor it is, just above its top end
                names[peer] = ((x + 3, y - 2), (("text", name), ("fill", colour)))
        grew = self.boxes.sync(boxes) | self.cursors.sync(cursors) | self.names.sync(names)
        if grew:
            for tag in ("peer-selection", "peer-cursor", "peer-name"):
                self.roll.canvas.tag_raise(tag)
