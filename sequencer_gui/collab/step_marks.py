"""Where other musicians are editing in the step grid: a frame in each one's colour around
the step their own grid's cursor is on, their name just after it (GUI thread).

Persistent canvas items per peer (its frame, its name), kept in ``ItemPool``s on the
grid's canvas: a peer moving its cursor moves them; a peer on another pattern (or gone)
hides them.
"""

from __future__ import annotations

from sequencer_gui.canvas_pool import ItemPool


class StepPeerMarks:
    """Peers' step cursors drawn over a ``StepGrid``; ``show`` is given
    (peer id, colour, lane id, step, name) for the pattern the grid shows."""

    def __init__(self, grid):
        self.grid_view = grid
        c = grid.canvas
        self.frames = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0), "peer-step")
        self.names = ItemPool(c, lambda: c.create_text(0, 0, anchor="w"), "peer-step-name")

    def show(self, marks) -> None:
        pattern = self.grid_view.pattern
        lanes = {lane.id: i for i, lane in enumerate(pattern.lanes)} if pattern else {}
        g = self.grid_view.geometry
        frames, names = {}, {}
        for peer, colour, lane_id, step, name in marks:
            lane = lanes.get(lane_id)
            if lane is None or not 0 <= step < g.columns or lane >= g.lane_count:
                continue
            x0, y0, x1, y1 = g.cell_box(lane, step)
            frames[peer] = ((x0 - 2, y0 - 2, x1 + 2, y1 + 2), (("outline", colour), ("width", 2)))
            names[peer] = ((x1 + 4, (y0 + y1) / 2), (("text", name), ("fill", colour)))
        # the grid restacks its own items when it redraws: keep the frames on top
        if (self.frames.sync(frames) | self.names.sync(names)) or frames:
            self.grid_view.canvas.tag_raise("peer-step")
            self.grid_view.canvas.tag_raise("peer-step-name")
