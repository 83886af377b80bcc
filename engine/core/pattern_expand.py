"""Patterns into notes: the one expansion every view and every output uses (pure).

``pass_notes`` turns one pass of a pattern into notes; the engine calls it per pass while
it schedules (the pass number drives conditions, probability and the phase of lanes of
another length), and the piano roll, MIDI export and offline render call the same
functions, so every view and every output agrees on what a pattern plays.

Rules, in the order they apply to step ``s`` of a pass of ``N`` steps (slot ``s``):

- Polymeter: a lane of ``L`` steps plays its step ``(pass * N + s) % L`` in slot ``s``;
  its own pass (the *lane pass*) is ``(pass * N + s) // L``.  Conditions and the dice of
  probability count lane passes, so a 3-step lane's 1:2 means every other round of its 3
  steps.  With ``L == N`` the lane pass is the pattern pass.
- Condition, then probability: a step with probability ``p`` plays when
  ``chance(seed, lane id, lane step, lane pass) * 100 < p``: the dice are a pure function
  of those four, so a render is reproducible and editing one step changes no other dice.
- Timing: slot ``s`` starts at ``floor(s * step)`` ticks into the pass (``step`` the exact
  step length, see ``engine.core.pattern``).  Swing (step sizes 1/8, 1/16, 1/32) delays
  every odd slot by ``(swing - 50) * 2 * step / 100``; the offset moves the step by
  ``offset_pct * step / 100``; both rounded to the nearest tick.
- Ratchet ``r``: ``r`` notes, the ``j``-th at ``floor(j * step / r)`` after the step's
  start; each lasts until the next, the last until the end of the step's length.
- Length: ``floor(length_steps * step)`` ticks from the step's start.  A note never leaves
  its pass: starts are kept inside it and ends cut at its end, so nothing of one pass
  hangs over into a pattern that follows it.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import itertools
import math
from fractions import Fraction

import numpy as np

from engine.core.note import MAX_TICK, Note
from engine.core.pattern import SWUNG_STEP_SIZES, Lane, Pattern, Placement, step_fraction
from engine.core.pattern_table import pass_rows, step_table

_TWO_64 = float(2**64)


def chance(seed: int, lane_id: str, step_index: int, pass_index: int, repeat: int = 0) -> float:
    """A number in [0, 1) that depends only on its arguments (counter-based dice).

    No random state is shared or advanced: the same arguments give the same number in
    every process, on every machine, in every render.  The lane's key is a BLAKE2 hash of
    (seed, lane id); the counters are mixed into it with SplitMix64's finaliser, cheap
    enough to roll every step of a big pattern on every pass.
    """
    x = _lane_key(seed, lane_id)
    x ^= (step_index * 0x9E3779B97F4A7C15 + pass_index * 0xC2B2AE3D27D4EB4F + repeat) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return (x ^ (x >> 31)) / _TWO_64


_MASK = 2**64 - 1


@functools.lru_cache(maxsize=4096)
def _lane_key(seed: int, lane_id: str) -> int:
    digest = hashlib.blake2b(f"{seed}:{lane_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _round(x: Fraction) -> int:
    """Nearest integer, halves rounded up (the same on both sides of zero offsets)."""
    return math.floor(x + Fraction(1, 2))


def swing_ticks(pattern: Pattern, slot: int, step: Fraction) -> int:
    """How late swing puts slot ``slot`` of a pass (0 for even slots and straight sizes)."""
    if slot % 2 == 0 or pattern.swing == 50 or pattern.step_size not in SWUNG_STEP_SIZES:
        return 0
    return _round((pattern.swing - 50) * 2 * step / 100)


def lane_position(lane: Lane, pattern: Pattern, pass_index: int, slot: int) -> tuple[int, int]:
    """(lane step, lane pass) that lane ``lane`` plays in slot ``slot`` of pass ``pass_index``."""
    return divmod(pass_index * pattern.length_steps + slot, lane.length_steps)[::-1]


def slot_at_tick(pattern: Pattern, tick_in_pass: int, ppq: int) -> int:
    """The slot (step column) of the pass sounding at ``tick_in_pass`` (no swing)."""
    step = step_fraction(pattern.step_size, ppq)
    slot = max(0, tick_in_pass) * step.denominator // step.numerator
    return min(slot, pattern.length_steps - 1)


def pass_notes(
    pattern: Pattern, pass_index: int, start_tick: int, ppq: int, seed: int, *, fill: bool = False
) -> tuple[Note, ...]:
    """The notes of pass ``pass_index`` (from 0) of ``pattern`` starting at ``start_tick``."""
    # The rules of the module docstring in integer arithmetic: the step is num/den ticks,
    # so floor(x * step) is x * num // den and nearest-tick rounding adds half a tick;
    # all the steps of the pass at once (engine.core.pattern_table).
    table = step_table(pattern)
    if not table.lanes:
        return ()
    step = step_fraction(pattern.step_size, ppq)
    lane_keys = np.array([_lane_key(seed, lane.id) for lane in table.lanes], dtype=np.uint64)
    columns = pass_rows(
        pattern,
        pass_index,
        start_tick,
        step.numerator,
        step.denominator,
        swing_ticks(pattern, 1, step),
        lane_keys,
        fill,
    )
    return _notes(*columns)


# Note's slot descriptors: setting through them skips the frozen __setattr__ and the
# per-note checks, which the rows passed already (a pass of a big pattern is thousands of
# notes, expanded on the engine's scheduler thread).
_NOTE_SLOTS = tuple(
    getattr(Note, name) for name in ("start_tick", "length_ticks", "pitch", "velocity")
)


def _notes(on, length, key, velocity) -> tuple[Note, ...]:
    """Notes from (start, length, key, velocity) columns whose key and velocity come from
    validated lanes and steps and whose lengths are at least 1."""
    if len(on) and int(on[-1]) + int(length.max()) > MAX_TICK:
        # beyond the last tick: Note says so
        return tuple(Note(*r) for r in zip(on.tolist(), length.tolist(), key, velocity))
    notes = list(map(object.__new__, itertools.repeat(Note, len(on))))
    for slot, values in zip(_NOTE_SLOTS, (on, length, key, velocity)):
        collections.deque(map(slot.__set__, notes, values.tolist()), maxlen=0)
    return tuple(notes)


def placement_notes(
    pattern: Pattern, placement: Placement, ppq: int, seed: int, *, fill: bool = False
) -> tuple[Note, ...]:
    """Every pass of a placement, laid end to end (passes count from 0 at its start)."""
    pass_ticks = pattern.pass_ticks(ppq)
    notes: list[Note] = []
    for r in range(placement.repeats):
        notes.extend(
            pass_notes(pattern, r, placement.start_tick + r * pass_ticks, ppq, seed, fill=fill)
        )
    return tuple(notes)


def arrangement_notes(score, track_index: int, *, fill: bool = False) -> tuple[Note, ...]:
    """The notes every placement on track ``track_index`` plays, sorted."""
    notes: list[Note] = []
    for placement in score.placements:
        if placement.track == track_index:
            pattern = score.pattern(placement.pattern_id)
            notes.extend(placement_notes(pattern, placement, score.ppq, score.seed, fill=fill))
    notes.sort()
    return tuple(notes)


def score_with_arrangement(score, *, fill: bool = False):
    """The score with every placement written out as notes on its track, placements and
    patterns removed: what MIDI export writes and what a player without patterns plays."""
    from dataclasses import replace

    tracks = tuple(
        track.with_notes(track.notes + arrangement_notes(score, i, fill=fill))
        if any(p.track == i for p in score.placements)
        else track
        for i, track in enumerate(score.tracks)
    )
    return replace(score, tracks=tracks, patterns=(), placements=())
