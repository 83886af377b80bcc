"""What the step grid shows for a lane, a step and the lit steps, apart from where (pure).

The view (``grid_view``) asks this module what a lane's header says, what a cell's mark
reads, its background, and which runs of lanes share a lit step; where things go is
``grid_geometry``'s.  Nothing here imports Tk.
"""

from __future__ import annotations

from engine.core.gm_drums import key_label
from engine.core.pattern import Lane, Pattern, Step, step_ticks
from sequencer_gui.steps import colours
from sequencer_gui.steps.grid_geometry import GridGeometry, steps_per_group


def lane_label(lane: Lane, is_drum: bool) -> str:
    """What a lane's header says: its own name, else its drum or note name."""
    return lane.name or key_label(lane.key, is_drum)


def step_mark(step: Step) -> str:
    """The short text a cell shows for a step's less common settings ("" for none).

    The condition wins (it decides whether the step plays at all), then ratchet, then
    probability; the parameter lane shows each of them in full.
    """
    if step.condition.kind != "always":
        return step.condition.label()
    if step.ratchet > 1:
        return f"x{step.ratchet}"
    if step.probability < 100:
        return f"{step.probability}"
    return ""


def grid_geometry_for(pattern: Pattern | None, score, width_px: int) -> GridGeometry:
    """The geometry that shows ``pattern`` in a canvas ``width_px`` wide."""
    if pattern is None:
        return GridGeometry(columns=16, lane_count=0, width_px=max(1, width_px))
    ppq = score.ppq
    sig = score.time_signatures.at(0)
    st = step_ticks(pattern.step_size, ppq)
    per_beat = steps_per_group(st, sig.beat_ticks(ppq))
    per_bar = max(per_beat, steps_per_group(st, sig.bar_ticks(ppq)))
    per_bar -= per_bar % per_beat
    columns = max([pattern.length_steps] + [lane.length_steps for lane in pattern.lanes])
    return GridGeometry(
        columns=columns,
        lane_count=len(pattern.lanes),
        steps_per_beat=per_beat,
        steps_per_bar=per_bar,
        width_px=max(1, width_px),
    )


def cell_fill(step: int, length: int, steps_per_beat: int) -> str:
    """A cell's background: past its lane's end, or shaded by beat."""
    if step >= length:
        return colours.current().cell_beyond
    return (
        colours.current().cell_on_beat
        if (step // steps_per_beat) % 2 == 0
        else colours.current().cell_off_beat
    )


def lit_runs(steps: dict[int, int], lane_count: int, columns: int) -> list[tuple[int, int, int]]:
    """(first lane, last lane, step) of each run of neighbouring lanes lit at one step.

    Lanes as long as the pattern all light the same step: one run for the whole column.
    Lanes or steps outside the grid are left out.
    """
    runs: list[tuple[int, int, int]] = []
    for lane in sorted(k for k, v in steps.items() if 0 <= k < lane_count and 0 <= v < columns):
        step = steps[lane]
        if runs and runs[-1][2] == step and runs[-1][1] == lane - 1:
            runs[-1] = (runs[-1][0], lane, step)
        else:
            runs.append((lane, lane, step))
    return runs
