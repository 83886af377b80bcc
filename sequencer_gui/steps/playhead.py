"""Which step of each lane sounds: the step grid's lit cells (pure).

The engine's position counter says which pattern plays, its pass and the step (slot) of
the pass; the expansion's own rule (``lane_position``) turns that into each lane's step,
so with polymeter each lane lights the step it really plays.
"""

from __future__ import annotations

from engine.core.pattern import Pattern
from engine.core.pattern_expand import lane_position


def lit_steps(pattern: Pattern, pass_index: int, slot: int) -> dict[int, int]:
    """Lane index -> the lane's step sounding in ``slot`` of pass ``pass_index``."""
    return {
        i: lane_position(lane, pattern, pass_index, slot)[0] for i, lane in enumerate(pattern.lanes)
    }
