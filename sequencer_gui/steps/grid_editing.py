"""Editing in the step grid: mouse gestures and keys on its one canvas (GUI thread).

One set of canvas-level bindings; every press hit-tests through the pure geometry.  A
gesture is ``Document.begin`` on press, ``update`` with the live result as it goes and
``commit`` on release: one undo step, like a drag in the piano roll.

Mouse: click a step toggles it and a drag paints the same state over every cell the
pointer crosses; right-drag erases; Shift-drag up/down sets the step's velocity, and so
does the wheel; double-click opens the step's compact editor; the lane header's M and S
mute and solo the lane, a click on its name sounds it, a right-click opens its menu;
the bar at a lane's end drags its length (polymeter).  Keys (when the grid has the
focus): arrows move the step cursor, Enter or Space toggles the step under it (Space
plays elsewhere), Shift+Up/Down its velocity, Ctrl+arrows move the step itself (a step
along, a lane across, trading places with the step there), 1-9 pick a pattern.

Every step turned on sounds at once: the preview goes to the engine before the edited
score, so a click never waits for its own edit on the pipe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.score import Score

SHIFT = 0x0001
WHEEL_STEP = 4  # velocity change per wheel notch
WHEEL_COMMIT_MS = 700  # wheel notches this close together are one undo step
PIXELS_PER_VELOCITY = 1.0


@dataclass
class GridDrag:
    """A mouse gesture under way on the grid."""

    mode: str  # "paint" | "erase" | "velocity" | "length"
    lane: int
    step: int
    press_y: float = 0.0
    state_on: bool = True  # what "paint" writes
    base_velocity: int = 100
    visited: set = field(default_factory=set)
    last: tuple = (-1, -1)
    changed: bool = False


class GridEditor:
    """Turns input on the step grid into document edits and previews."""

    def __init__(self, panel):
        self.panel = panel
        self.grid_view = panel.grid_view
        self.drag: GridDrag | None = None
        self.last_click: tuple | None = None  # (lane, step, turned_on) of the last toggle
        self._wheel_id = None
        self._wheel_cell = None
        c = self.grid_view.canvas
        c.bind("<ButtonPress-1>", self.on_press)
        c.bind("<B1-Motion>", self.on_motion)
        c.bind("<ButtonRelease-1>", self.on_release)
        c.bind("<ButtonPress-3>", self.on_right_press)
        c.bind("<B3-Motion>", self.on_motion)
        c.bind("<ButtonRelease-3>", self.on_release)
        c.bind("<Double-Button-1>", self.on_double_click)
        c.bind("<MouseWheel>", self.on_wheel)
        c.bind("<Button-4>", lambda e: self.on_wheel(e, 120))
        c.bind("<Button-5>", lambda e: self.on_wheel(e, -120))
        c.bind("<Motion>", self.on_hover)
        for key, action in (
            ("<Left>", lambda: self.grid_view.move_cursor(d_step=-1)),
            ("<Right>", lambda: self.grid_view.move_cursor(d_step=1)),
            ("<Up>", lambda: self.grid_view.move_cursor(d_lane=-1)),
            ("<Down>", lambda: self.grid_view.move_cursor(d_lane=1)),
            ("<Return>", self.toggle_at_cursor),
            ("<KP_Enter>", self.toggle_at_cursor),
            ("<Shift-Up>", lambda: self.velocity_at_cursor(WHEEL_STEP * 2)),
            ("<Shift-Down>", lambda: self.velocity_at_cursor(-WHEEL_STEP * 2)),
            ("<Control-Left>", lambda: self.move_at_cursor(0, -1)),
            ("<Control-Right>", lambda: self.move_at_cursor(0, 1)),
            ("<Control-Up>", lambda: self.move_at_cursor(-1, 0)),
            ("<Control-Down>", lambda: self.move_at_cursor(1, 0)),
        ):
            c.bind(key, lambda e, a=action: (a(), "break")[1])
        for digit in range(1, 10):
            c.bind(str(digit), lambda e, n=digit: (panel.pick_pattern_number(n), "break")[1])

    # ------------------------------------------------------------------ helpers
    @property
    def document(self):
        return self.panel.document

    def _world(self, event) -> tuple[float, float]:
        c = self.grid_view.canvas
        return c.canvasx(event.x), c.canvasy(event.y)

    def _hit(self, event):
        x, y = self._world(event)
        return self.grid_view.geometry.hit(x, y, self.grid_view.lane_lengths())

    def _lane(self, index: int):
        return self.panel.pattern.lanes[index]

    def _set(self, score: Score, lane: int, step: int, **changes) -> Score:
        pattern = self.panel.pattern
        return pe.set_step(score, pattern.id, pattern.lanes[lane].id, step, **changes)

    # ------------------------------------------------------------------ mouse
    def on_hover(self, event) -> None:
        if self.drag is not None:
            return
        hit = self._hit(event)
        cursor = {"length": "sb_h_double_arrow", "cell": "hand2"}.get(hit.part if hit else "", "")
        self.grid_view.canvas.configure(cursor=cursor)

    def on_press(self, event) -> None:
        self.grid_view.canvas.focus_set()
        self.last_click = None
        if self.panel.pattern is None:
            return
        hit = self._hit(event)
        if hit is None:
            return
        lane = self._lane(hit.lane)
        if hit.part in ("mute", "solo"):
            score = pe.update_lane(
                self.document.score,
                self.panel.pattern.id,
                lane.id,
                **{hit.part: not getattr(lane, hit.part)},
            )
            self.document.apply(score, "Mute lane" if hit.part == "mute" else "Solo lane")
            return
        if hit.part == "name":
            self.panel.preview_lane(lane)
            self.grid_view.cursor = (hit.lane, self.grid_view.cursor[1])
            self.grid_view.show_cursor()
            return
        if hit.part == "length":
            self.drag = GridDrag("length", hit.lane, lane.length_steps)
            self.document.begin("Change lane length")
            return
        step = lane.steps[hit.step]
        self.grid_view.cursor = (hit.lane, hit.step)
        self.grid_view.show_cursor()
        if event.state & SHIFT:
            x, y = self._world(event)
            self.drag = GridDrag(
                "velocity", hit.lane, hit.step, press_y=y, base_velocity=step.velocity
            )
            self.document.begin("Change step velocity")
            if not step.on:
                self._update(self._set(self.document.score, hit.lane, hit.step, on=True))
            self.panel.preview_step(lane, step.velocity)
            return
        self.drag = GridDrag("paint", hit.lane, hit.step, state_on=not step.on)
        self.document.begin("Add steps" if not step.on else "Remove steps")
        self._paint(hit.lane, hit.step)

    def on_right_press(self, event) -> None:
        self.grid_view.canvas.focus_set()
        self.last_click = None
        if self.panel.pattern is None:
            return
        hit = self._hit(event)
        if hit is None:
            return
        if hit.part in ("name", "mute", "solo"):
            self.panel.lane_menu(hit.lane, event.x_root, event.y_root)
            return
        if hit.part != "cell":
            return
        self.drag = GridDrag("erase", hit.lane, hit.step, state_on=False)
        self.document.begin("Erase steps")
        self._paint(hit.lane, hit.step)

    def _update(self, score: Score) -> None:
        if self.drag is not None:
            self.drag.changed = True
        self.document.update(score)

    def _paint(self, lane: int, step: int) -> None:
        """Give one cell the drag's state (each cell once per drag), sounding a new step."""
        d = self.drag
        if d is None:
            return
        lengths = self.grid_view.lane_lengths()
        if (lane, step) in d.visited or lane >= len(lengths) or step >= lengths[lane]:
            return
        d.visited.add((lane, step))
        current = self._lane(lane).steps[step]
        if current.on == d.state_on:
            return
        if d.state_on:
            self.panel.preview_step(self._lane(lane), current.velocity)
        self._update(self._set(self.document.score, lane, step, on=d.state_on))

    def on_motion(self, event) -> None:
        d = self.drag
        if d is None:
            return
        x, y = self._world(event)
        g = self.grid_view.geometry
        if d.mode == "length":
            length = g.x_to_length(x)
            if length != d.last[0]:
                d.last = (length, 0)
                pattern = self.panel.pattern
                self._update(
                    pe.set_lane_length(
                        self.document.score, pattern.id, pattern.lanes[d.lane].id, length
                    )
                )
            return
        if d.mode == "velocity":
            velocity = max(
                1, min(127, round(d.base_velocity + (d.press_y - y) / PIXELS_PER_VELOCITY))
            )
            if velocity != d.last[0]:
                d.last = (velocity, 0)
                self._update(self._set(self.document.score, d.lane, d.step, velocity=velocity))
            return
        lane = g.y_to_lane_clamped(y)
        step = g.x_to_step_clamped(x)
        if (lane, step) == d.last:
            return
        # a fast drag skips cells: paint every step between the last one and this one
        last_lane, last_step = d.last if d.last != (-1, -1) else (d.lane, d.step)
        if lane == last_lane:
            lo, hi = sorted((last_step, step))
            for s in range(lo, hi + 1):
                self._paint(lane, s)
        else:
            self._paint(lane, step)
        d.last = (lane, step)

    def on_release(self, event) -> None:
        d, self.drag = self.drag, None
        if d is None:
            return
        if not d.changed:
            self.document.cancel()
            return
        self.document.commit()
        if d.mode == "paint" and len(d.visited) == 1:
            self.last_click = (d.lane, d.step, d.state_on)
        if d.mode == "velocity":
            lane = self._lane(d.lane)
            self.panel.preview_step(lane, lane.steps[d.step].velocity)

    def on_double_click(self, event) -> None:
        """Open the step's editor.  The double-click's first click toggled the step; a
        musician double-clicking a lit step wants to edit it, not to lose it, so a
        first click that turned it off is undone."""
        hit = self._hit(event)
        clicked, self.last_click = self.last_click, None
        if hit is None or hit.part != "cell":
            return
        if clicked == (hit.lane, hit.step, False):
            self.document.undo()
        self.panel.edit_step(hit.lane, hit.step)

    def on_wheel(self, event, delta: int | None = None) -> str:
        delta = event.delta if delta is None else delta
        hit = self._hit(event)
        if hit is None or hit.part != "cell" or self.drag is not None:
            # not over a step: scroll the lanes
            self.grid_view.canvas.yview_scroll(-3 * (1 if delta > 0 else -1) * 8, "units")
            return "break"
        self.change_velocity(hit.lane, hit.step, WHEEL_STEP if delta > 0 else -WHEEL_STEP)
        return "break"

    def change_velocity(self, lane: int, step: int, delta: int) -> None:
        """Velocity +-delta; notches in quick succession on one step are one undo step."""
        doc = self.document
        if self._wheel_cell != (lane, step) or not doc.history.in_gesture:
            self._end_wheel()
            doc.begin("Change step velocity")
            self._wheel_cell = (lane, step)
        current = self._lane(lane).steps[step]
        velocity = max(1, min(127, current.velocity + delta))
        if velocity != current.velocity:
            doc.update(self._set(doc.score, lane, step, velocity=velocity))
            if current.on:
                self.panel.preview_step(self._lane(lane), velocity)
        if self._wheel_id is not None:
            self.grid_view.after_cancel(self._wheel_id)
        self._wheel_id = self.grid_view.after(WHEEL_COMMIT_MS, self._end_wheel)

    def _end_wheel(self) -> None:
        if self._wheel_id is not None:
            self.grid_view.after_cancel(self._wheel_id)
            self._wheel_id = None
        if self._wheel_cell is not None:
            self._wheel_cell = None
            if self.document.history.in_gesture:
                self.document.commit()

    # ------------------------------------------------------------------ keys
    def toggle_at_cursor(self) -> None:
        pattern = self.panel.pattern
        if pattern is None or not pattern.lanes:
            return
        lane_i, step_i = self.grid_view.cursor
        lane = pattern.lanes[lane_i]
        if step_i >= lane.length_steps:
            return
        step = lane.steps[step_i]
        if not step.on:
            self.panel.preview_step(lane, step.velocity)
        try:
            score = pe.toggle_step(self.document.score, pattern.id, lane.id, step_i)
        except ScoreError as exc:
            self.panel.set_status(str(exc))
            return
        self.document.apply(score, "Remove step" if step.on else "Add step")

    def velocity_at_cursor(self, delta: int) -> None:
        pattern = self.panel.pattern
        if pattern is None or not pattern.lanes:
            return
        lane_i, step_i = self.grid_view.cursor
        if step_i < pattern.lanes[lane_i].length_steps:
            self.change_velocity(lane_i, step_i, delta)

    def move_at_cursor(self, d_lane: int, d_step: int) -> None:
        """Move the step under the cursor a step along or a lane across (Ctrl+arrows),
        trading places with the step there: one undo step, the cursor goes with it and a
        step that plays is heard at once.  Nothing moves past a lane's ends."""
        pattern = self.panel.pattern
        if pattern is None or not pattern.lanes:
            return
        lane_i, step_i = self.grid_view.cursor
        to_lane, to_step = lane_i + d_lane, step_i + d_step
        if not (0 <= to_lane < len(pattern.lanes) and step_i < pattern.lanes[lane_i].length_steps):
            return
        lane, target = pattern.lanes[lane_i], pattern.lanes[to_lane]
        if not 0 <= to_step < target.length_steps:
            return
        step = lane.steps[step_i]
        score = pe.swap_steps(
            self.document.score, pattern.id, (lane.id, step_i), (target.id, to_step)
        )
        if step.on:
            self.panel.preview_step(target, step.velocity)
        self.grid_view.cursor = (to_lane, to_step)
        self.document.apply(score, "Move step")
        self.grid_view.show_cursor()
