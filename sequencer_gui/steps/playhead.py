"""Which step of each lane sounds at a position: the step grid's lit cells (pure).

Uses the expansion's own rules (``lane_position``, ``slot_at_tick``), so the lit cell is
the step the engine plays: with polymeter each lane lights its own step.
"""

from __future__ import annotations

from engine.core.pattern import Pattern
from engine.core.pattern_expand import lane_position, slot_at_tick


def lit_steps(pattern: Pattern, pass_index: int, slot: int) -> dict[int, int]:
    """Lane index -> the lane's step sounding in ``slot`` of pass ``pass_index``."""
    return {
        i: lane_position(lane, pattern, pass_index, slot)[0] for i, lane in enumerate(pattern.lanes)
    }


def song_pass_and_slot(score, track: int, pattern_id: str, tick: int) -> tuple[int, int] | None:
    """(pass, slot) of ``pattern_id`` at ``tick`` in the arrangement on ``track``, or None
    when no placement of that pattern on that track plays there."""
    for placement in score.placements:
        if placement.track != track or placement.pattern_id != pattern_id:
            continue
        if placement.start_tick > tick:
            break  # placements are sorted by start
        pattern = score.pattern(pattern_id)
        pass_ticks = pattern.pass_ticks(score.ppq)
        offset = tick - placement.start_tick
        if offset < placement.repeats * pass_ticks:
            pass_index, in_pass = divmod(offset, pass_ticks)
            return pass_index, slot_at_tick(pattern, in_pass, score.ppq)
    return None


def pattern_pass_and_slot(
    pattern: Pattern, tick: int, start_tick: int, ppq: int
) -> tuple[int, int]:
    """(pass, slot) of a pattern looping from ``start_tick`` (pattern mode) at ``tick``."""
    pass_index, in_pass = divmod(max(0, tick - start_tick), pattern.pass_ticks(ppq))
    return pass_index, slot_at_tick(pattern, in_pass, ppq)
