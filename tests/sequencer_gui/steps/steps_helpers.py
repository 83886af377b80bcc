"""Helpers for driving the step grid and the song view of the real window in tests."""

from __future__ import annotations

from engine.core import edits
from engine.core import pattern_edits as pe
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Track

BUTTON1, BUTTON3 = 0x100, 0x400
SHIFT = 0x0001


def drum_window(window, tab: int = 1):
    """Give ``window`` a drum track (edited) with one new pattern, shown in tab ``tab``."""
    doc = window.document
    doc.apply(
        edits.add_track(
            doc.score,
            Track(name="Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True),
        ),
        "Add track",
    )
    doc.set_track_index(1)
    window.steps.panel.bar.new_pattern()
    window.views.select(tab)
    window.root.update()
    return window


class CanvasDriver:
    """Mouse events on one canvas, in its world coordinates."""

    def __init__(self, root, canvas):
        self.root = root
        self.canvas = canvas
        self.time_ms = 10_000  # event times a second apart: Tk must not see double clicks

    def _time(self, gap_ms: int = 1000) -> int:
        self.time_ms += gap_ms
        return self.time_ms

    def view(self, x: float, y: float) -> tuple[int, int]:
        return round(x - self.canvas.canvasx(0)), round(y - self.canvas.canvasy(0))

    def press(self, x, y, state=0, button=1):
        vx, vy = self.view(x, y)
        self.canvas.event_generate(
            f"<ButtonPress-{button}>", x=vx, y=vy, state=state, time=self._time()
        )
        self.root.update()

    def move(self, x, y, state=0, button=1):
        vx, vy = self.view(x, y)
        held = BUTTON1 if button == 1 else BUTTON3
        self.canvas.event_generate("<Motion>", x=vx, y=vy, state=state | held, time=self._time(10))
        self.root.update()

    def release(self, x, y, state=0, button=1):
        vx, vy = self.view(x, y)
        held = BUTTON1 if button == 1 else BUTTON3
        self.canvas.event_generate(
            f"<ButtonRelease-{button}>", x=vx, y=vy, state=state | held, time=self._time(10)
        )
        self.root.update()

    def click(self, x, y, state=0, button=1):
        self.press(x, y, state, button)
        self.release(x, y, state, button)

    def drag(self, start, end, state=0, button=1, steps=6):
        (x0, y0), (x1, y1) = start, end
        self.press(x0, y0, state, button)
        for i in range(1, steps + 1):
            self.move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps, state, button)
        self.release(x1, y1, state, button)

    def wheel(self, x, y, up: bool = True):
        vx, vy = self.view(x, y)
        self.canvas.event_generate("<Button-4>" if up else "<Button-5>", x=vx, y=vy)
        self.root.update()

    def key(self, sequence: str):
        self.canvas.focus_force()
        self.root.update()
        self.canvas.event_generate(sequence)
        self.root.update()


class GridDriver(CanvasDriver):
    """The step grid of a window: points of cells and what the canvas shows for them."""

    def __init__(self, window):
        super().__init__(window.root, window.steps.panel.grid_view.canvas)
        self.window = window
        self.grid_view = window.steps.panel.grid_view

    @property
    def pattern(self):
        return self.window.steps.session.pattern

    def lane(self, index: int):
        return self.pattern.lanes[index]

    def step(self, lane: int, step: int):
        return self.pattern.lanes[lane].steps[step]

    def cell(self, lane: int, step: int) -> tuple[float, float]:
        g = self.grid_view.geometry
        return g.step_centre_x(step), g.lane_y(lane) + g.lane_height_px / 2

    def on_steps(self, lane: int) -> list[int]:
        return [i for i, s in enumerate(self.lane(lane).steps) if s.on]

    def level_item(self, lane: int, step: int):
        item = self.grid_view.level_pool.item((lane, step))
        if item is None or self.canvas.itemcget(item, "state") == "hidden":
            return None
        return item

    def cell_fill(self, lane: int, step: int) -> str:
        """The colour the cell shows: a lit-step highlight over it, else its own."""
        x0, y0, x1, y1 = self.grid_view.geometry.cell_box(lane, step)
        for item in self.canvas.find_overlapping(x0 + 2, y0 + 2, x1 - 2, y1 - 2):
            lit = "lit" in self.canvas.gettags(item)
            if lit and self.canvas.itemcget(item, "state") != "hidden":
                return self.canvas.itemcget(item, "fill")
        return self.canvas.itemcget(self.grid_view.cell_pool.item((lane, step)), "fill")


def set_steps(window, lane: int, on_steps, **fields):
    """Turn ``on_steps`` of a lane of the selected pattern on (one undo step)."""
    doc = window.document
    pattern = window.steps.session.pattern
    score = doc.score
    for i in on_steps:
        score = pe.set_step(score, pattern.id, pattern.lanes[lane].id, i, on=True, **fields)
    doc.apply(score, "set up")
    window.root.update()
