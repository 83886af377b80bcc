"""Step-grid geometry: step <-> x, lane <-> y, beat grouping, hit-testing (pure).

The grid shows the whole pattern at once, as drum machines do: the cell width is chosen
so every column fits the canvas width (between ``MIN_CELL_PX`` and ``MAX_CELL_PX``), so
there is no sideways scrolling and the grid, the step ruler above it and the parameter
lane under it share one x for each step.  Columns are grouped by beat: a wider gap
between beats lets the eye count "1 e + a" without reading numbers.

World x: the lane header (name, mute, solo) takes ``header_px``, then the columns.
World y: lane ``i`` occupies ``[i * lane_height_px, (i + 1) * lane_height_px)``.
Nothing here imports Tk, so every rule the mouse follows is tested without a display.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

MAX_STEPS = 64
MIN_CELL_PX = 10
MAX_CELL_PX = 44
LENGTH_GRAB_PX = 4  # how close to a lane's end counts as grabbing its length handle
RIGHT_MARGIN_PX = 12  # room right of the last column for the length handle

# Header parts, left to right: the name, then the mute and solo buttons.
BUTTON_PX = 20
BUTTON_GAP_PX = 3


def steps_per_group(step_ticks: int, group_ticks: int) -> int:
    """How many steps of ``step_ticks`` make one group (a beat or a bar), at least 1.

    A group that is not a whole number of steps (a triplet step under a dotted beat)
    falls back to the largest whole count, so groups never split a step.
    """
    if step_ticks <= 0 or group_ticks <= 0:
        raise ValueError(
            f"step and group lengths must be positive, not {step_ticks}, {group_ticks}"
        )
    return max(1, group_ticks // step_ticks)


@dataclass(frozen=True, slots=True)
class GridHit:
    """What the pointer is over: a part of a lane and, for a cell, its step."""

    part: str  # "cell" | "name" | "mute" | "solo" | "length"
    lane: int
    step: int = -1


@dataclass(frozen=True, slots=True)
class GridGeometry:
    """Where each lane and step of one pattern is drawn, for one canvas width."""

    columns: int = 16  # steps shown: the longest of the pattern and its lanes
    lane_count: int = 0
    steps_per_beat: int = 4
    steps_per_bar: int = 16
    width_px: int = 800
    header_px: int = 190
    lane_height_px: int = 24
    beat_gap_px: int = 5
    cell_gap_px: int = 2

    def __post_init__(self):
        if not (1 <= self.columns <= MAX_STEPS):
            raise ValueError(f"columns must be from 1 to {MAX_STEPS}, not {self.columns}")
        if self.lane_count < 0:
            raise ValueError(f"lane count must not be negative, not {self.lane_count}")
        if self.steps_per_beat < 1 or self.steps_per_bar < self.steps_per_beat:
            raise ValueError(
                f"steps per beat ({self.steps_per_beat}) must be at least 1 and at most "
                f"the steps per bar ({self.steps_per_bar})"
            )
        if self.width_px < 1:
            raise ValueError(f"width must be positive, not {self.width_px}")
        if not (12 <= self.lane_height_px <= 64):
            raise ValueError(f"lane height must be from 12 to 64 pixels, not {self.lane_height_px}")

    # ------------------------------------------------------------------ columns
    @property
    def groups(self) -> int:
        """Beat groups the shown columns span (the last may be partial)."""
        return -(-self.columns // self.steps_per_beat)

    @property
    def cell_px(self) -> int:
        """Width of one step: the columns fill the canvas, within the allowed range."""
        room = (
            self.width_px - self.header_px - RIGHT_MARGIN_PX - (self.groups - 1) * self.beat_gap_px
        )
        return max(MIN_CELL_PX, min(MAX_CELL_PX, room // self.columns))

    def step_x(self, step: int) -> int:
        """World x of the left edge of ``step``'s column (any step 0..64, even unshown)."""
        return (
            self.header_px + step * self.cell_px + (step // self.steps_per_beat) * self.beat_gap_px
        )

    def step_end_x(self, step: int) -> int:
        """World x of the right edge of ``step``'s column (before any beat gap)."""
        return self.step_x(step) + self.cell_px

    def boundary_x(self, steps: int) -> int:
        """World x of the end of a lane ``steps`` long: where its length handle sits."""
        return self.step_end_x(steps - 1) if steps > 0 else self.header_px

    def step_centre_x(self, step: int) -> float:
        return self.step_x(step) + self.cell_px / 2

    def x_to_step(self, x: float) -> int | None:
        """The column under world x, or None left of the columns or right of the last.

        A beat gap belongs to the step before it, so painting across it misses nothing.
        """
        if x < self.header_px:
            return None
        group_px = self.steps_per_beat * self.cell_px + self.beat_gap_px
        group, within = divmod(int(x - self.header_px), group_px)
        step = group * self.steps_per_beat + min(self.steps_per_beat - 1, within // self.cell_px)
        return step if step < self.columns else None

    def x_to_step_clamped(self, x: float) -> int:
        """The column nearest world x (a drag that leaves the grid keeps its edge column)."""
        if x < self.header_px:
            return 0
        step = self.x_to_step(x)
        return self.columns - 1 if step is None else step

    def x_to_length(self, x: float) -> int:
        """The lane length whose end is nearest world x, 1..64 (for the length handle)."""
        return min(range(1, MAX_STEPS + 1), key=lambda n: abs(self.boundary_x(n) - x))

    # ------------------------------------------------------------------ lanes
    def lane_y(self, lane: int) -> int:
        """World y of the top of ``lane``'s row."""
        return lane * self.lane_height_px

    def y_to_lane(self, y: float) -> int | None:
        if y < 0:
            return None
        lane = int(y // self.lane_height_px)
        return lane if lane < self.lane_count else None

    def y_to_lane_clamped(self, y: float) -> int:
        return max(0, min(self.lane_count - 1, int(y // self.lane_height_px)))

    @property
    def world_width_px(self) -> int:
        return self.step_end_x(self.columns - 1) + RIGHT_MARGIN_PX

    @property
    def world_height_px(self) -> int:
        return self.lane_count * self.lane_height_px

    # ------------------------------------------------------------------ boxes
    def cell_box(self, lane: int, step: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of a step's cell, inset by the gap so cells read as buttons."""
        gap = self.cell_gap_px
        x0 = self.step_x(step)
        y0 = self.lane_y(lane)
        return (
            x0 + gap // 2,
            y0 + gap // 2,
            x0 + self.cell_px - (gap - gap // 2),
            y0 + (self.lane_height_px - (gap - gap // 2)),
        )

    def level_box(self, lane: int, step: int, level: float) -> tuple[int, int, int, int]:
        """The part of a cell filled to ``level`` (0..1) from its bottom: a step's velocity."""
        x0, y0, x1, y1 = self.cell_box(lane, step)
        level = max(0.0, min(1.0, level))
        top = y1 - max(2, round((y1 - y0) * level))
        return x0, top, x1, y1

    def button_box(self, lane: int, which: str) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of a lane's "mute" or "solo" button in the header."""
        index = {"mute": 0, "solo": 1}[which]
        right = self.header_px - BUTTON_GAP_PX - (1 - index) * (BUTTON_PX + BUTTON_GAP_PX)
        y0 = self.lane_y(lane) + (self.lane_height_px - BUTTON_PX) // 2
        return right - BUTTON_PX, y0, right, y0 + BUTTON_PX

    def name_right_x(self) -> int:
        """Where the name column ends (the names are clipped before the buttons)."""
        return self.button_box(0, "mute")[0] - BUTTON_GAP_PX

    def beat_starts(self) -> list[tuple[int, str]]:
        """(step, kind) of each shown group start, kind "bar" or "beat"."""
        return [
            (step, "bar" if step % self.steps_per_bar == 0 else "beat")
            for step in range(0, self.columns, self.steps_per_beat)
        ]

    # ------------------------------------------------------------------ hit-testing
    def hit(self, x: float, y: float, lane_lengths) -> GridHit | None:
        """The part of the grid under world (x, y), or None.

        ``lane_lengths`` gives each lane's own length in steps (polymeter): a lane's
        length handle is grabbed within ``LENGTH_GRAB_PX`` of its end, and a cell beyond
        its length is not a step of that lane.
        """
        lane = self.y_to_lane(y)
        if lane is None:
            return None
        length = lane_lengths[lane]
        if abs(x - self.boundary_x(length)) <= LENGTH_GRAB_PX:
            return GridHit("length", lane)
        if x < self.header_px:
            for which in ("mute", "solo"):
                x0, y0, x1, y1 = self.button_box(lane, which)
                if x0 <= x < x1 and y0 <= y < y1:
                    return GridHit(which, lane)
            return GridHit("name", lane)
        step = self.x_to_step(x)
        if step is None or step >= length:
            return None
        return GridHit("cell", lane, step)

    def resized(self, width_px: int) -> GridGeometry:
        return replace(self, width_px=max(1, width_px))
