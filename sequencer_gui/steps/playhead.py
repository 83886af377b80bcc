"""Which step of each lane sounds: the step grid's lit cells (pure).

The engine's position counter says which pattern plays, its pass and the step (slot) of
the pass; the expansion's own rule (``lane_position``) turns that into each lane's step,
so with polymeter each lane lights the step it really plays.  ``step_of_note`` goes the
other way, from a pattern note (as the piano roll shows it) back to its step.
"""

from __future__ import annotations

from engine.core.pattern import Pattern
from engine.core.pattern_expand import lane_position, slot_at_tick


def lit_steps(pattern: Pattern, pass_index: int, slot: int) -> dict[int, int]:
    """Lane index -> the lane's step sounding in ``slot`` of pass ``pass_index``."""
    return {
        i: lane_position(lane, pattern, pass_index, slot)[0] for i, lane in enumerate(pattern.lanes)
    }


def step_of_note(
    pattern: Pattern, pass_index: int, tick_in_pass: int, pitch: int, ppq: int
) -> tuple[int, int] | None:
    """(lane index, lane step) of the step playing a note of ``pitch`` that starts
    ``tick_in_pass`` ticks into pass ``pass_index``; None when no step that is on fits.

    The note's slot is the step column it starts in; swing and a step's offset move a
    note by up to half a step, so the neighbouring slots are tried next.
    """
    slot = slot_at_tick(pattern, tick_in_pass, ppq)
    playing = pattern.playing_lanes()
    for candidate in (slot, slot - 1, slot + 1):
        if not 0 <= candidate < pattern.length_steps:
            continue
        for i, lane in enumerate(pattern.lanes):
            if lane.key != pitch or lane not in playing:
                continue
            step = lane_position(lane, pattern, pass_index, candidate)[0]
            if lane.steps[step].on:
                return i, step
    return None
