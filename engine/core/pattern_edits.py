"""Edits of patterns and their placements as pure functions (pure: returns new Scores).

Like the note edits of ``engine.core.edits``, each takes a ``Score`` and returns a new
one (some also return the value they made), so undo/redo is the same list of old scores
for steps as for notes.  Patterns, lanes and placements are named by their stable ids.
"""

from __future__ import annotations

from dataclasses import fields, replace

from engine.core.checks import check_score_int
from engine.core.errors import ScoreError
from engine.core.pattern import (
    MAX_STEPS,
    OFF,
    Condition,
    Lane,
    Pattern,
    Placement,
    Step,
    new_id,
)
from engine.core.score import Score

__all__ = [
    "DEFAULT_DRUM_KEYS",
    "add_lane",
    "add_pattern",
    "clear_pattern",
    "duplicate_pattern",
    "move_lane",
    "move_placement",
    "new_id",
    "new_pattern",
    "place_pattern",
    "remove_lane",
    "remove_pattern",
    "remove_placement",
    "rename_pattern",
    "set_lane_length",
    "set_lane_steps",
    "set_pattern_settings",
    "set_placement_repeats",
    "set_seed",
    "set_step",
    "toggle_step",
    "update_lane",
]

# Kick, snare, closed hat, open hat, clap, rim, low tom, crash: the rows a new drum
# pattern starts with (General MIDI keys).
DEFAULT_DRUM_KEYS = (36, 38, 42, 46, 39, 37, 45, 49)
_STEP_FIELDS = frozenset(f.name for f in fields(Step))
_LANE_FIELDS = frozenset(("key", "name", "mute", "solo", "steps"))


# --- making patterns ------------------------------------------------------------------


def new_pattern(
    name: str = "Pattern",
    keys=DEFAULT_DRUM_KEYS,
    *,
    length_steps: int = 16,
    step_size: str = "1/16",
    swing: int = 50,
) -> Pattern:
    """An empty pattern with one lane per key, every lane as long as the pattern."""
    check_score_int("pattern length in steps", length_steps, 1, MAX_STEPS)
    lanes = tuple(Lane(new_id("l"), key, (OFF,) * length_steps) for key in keys)
    return Pattern(new_id("p"), name, length_steps, step_size, swing, lanes)


def _pattern_index(score: Score, pattern_id: str) -> int:
    for i, pattern in enumerate(score.patterns):
        if pattern.id == pattern_id:
            return i
    raise ScoreError(f"the song has no pattern {pattern_id!r}")


def _with_pattern(score: Score, pattern: Pattern) -> Score:
    patterns = list(score.patterns)
    patterns[_pattern_index(score, pattern.id)] = pattern
    return replace(score, patterns=tuple(patterns))


def add_pattern(score: Score, pattern: Pattern, index: int | None = None) -> Score:
    """The song with ``pattern`` added (at the end, or before ``index``)."""
    if not isinstance(pattern, Pattern):
        raise ScoreError("only a pattern can be added to the song's patterns")
    patterns = list(score.patterns)
    patterns.insert(len(patterns) if index is None else index, pattern)
    return replace(score, patterns=tuple(patterns))


def remove_pattern(score: Score, pattern_id: str) -> Score:
    """The song without the pattern and without its placements."""
    _pattern_index(score, pattern_id)
    return replace(
        score,
        patterns=tuple(p for p in score.patterns if p.id != pattern_id),
        placements=tuple(p for p in score.placements if p.pattern_id != pattern_id),
    )


def duplicate_pattern(
    score: Score, pattern_id: str, name: str | None = None
) -> tuple[Score, Pattern]:
    """A copy right after the original, with new ids (so its probabilities roll afresh)."""
    original = score.pattern(pattern_id)
    copy = replace(
        original,
        id=new_id("p"),
        name=f"{original.name} copy" if name is None else name,
        lanes=tuple(replace(lane, id=new_id("l")) for lane in original.lanes),
    )
    return add_pattern(score, copy, _pattern_index(score, pattern_id) + 1), copy


def rename_pattern(score: Score, pattern_id: str, name: str) -> Score:
    return _with_pattern(score, replace(score.pattern(pattern_id), name=name))


def set_pattern_settings(
    score: Score,
    pattern_id: str,
    *,
    length_steps: int | None = None,
    step_size: str | None = None,
    swing: int | None = None,
) -> Score:
    """Change a pattern's length, step size or swing.

    Lanes as long as the pattern follow a new length (cut, or lengthened with rests);
    lanes of a length of their own (polymeter) keep it.
    """
    pattern = score.pattern(pattern_id)
    changed: dict[str, object] = {}
    if length_steps is not None:
        check_score_int("pattern length in steps", length_steps, 1, MAX_STEPS)
        old = pattern.length_steps
        changed["length_steps"] = length_steps
        changed["lanes"] = tuple(
            replace(lane, steps=_resized(lane.steps, length_steps))
            if lane.length_steps == old
            else lane
            for lane in pattern.lanes
        )
    if step_size is not None:
        changed["step_size"] = step_size
    if swing is not None:
        changed["swing"] = swing
    return _with_pattern(score, replace(pattern, **changed))  # type: ignore[arg-type]


def clear_pattern(score: Score, pattern_id: str) -> Score:
    """Every step of every lane off; lanes, lengths and settings stay."""
    pattern = score.pattern(pattern_id)
    lanes = tuple(replace(lane, steps=(OFF,) * lane.length_steps) for lane in pattern.lanes)
    return _with_pattern(score, replace(pattern, lanes=lanes))


# --- lanes ----------------------------------------------------------------------------


def _resized(steps: tuple[Step, ...], length_steps: int) -> tuple[Step, ...]:
    check_score_int("lane length in steps", length_steps, 1, MAX_STEPS)
    return (steps + (OFF,) * length_steps)[:length_steps]


def _with_lane(score: Score, pattern_id: str, lane: Lane) -> Score:
    pattern = score.pattern(pattern_id)
    lanes = list(pattern.lanes)
    lanes[pattern.lane_index(lane.id)] = lane
    return _with_pattern(score, replace(pattern, lanes=tuple(lanes)))


def add_lane(
    score: Score,
    pattern_id: str,
    key: int,
    name: str = "",
    index: int | None = None,
    length_steps: int | None = None,
) -> tuple[Score, Lane]:
    """A new empty lane playing ``key`` (as long as the pattern unless told otherwise)."""
    pattern = score.pattern(pattern_id)
    length = pattern.length_steps if length_steps is None else length_steps
    check_score_int("lane length in steps", length, 1, MAX_STEPS)
    lane = Lane(new_id("l"), key, (OFF,) * length, name)
    lanes = list(pattern.lanes)
    lanes.insert(len(lanes) if index is None else index, lane)
    return _with_pattern(score, replace(pattern, lanes=tuple(lanes))), lane


def remove_lane(score: Score, pattern_id: str, lane_id: str) -> Score:
    pattern = score.pattern(pattern_id)
    pattern.lane(lane_id)
    lanes = tuple(lane for lane in pattern.lanes if lane.id != lane_id)
    return _with_pattern(score, replace(pattern, lanes=lanes))


def move_lane(score: Score, pattern_id: str, lane_id: str, to_index: int) -> Score:
    """Move a lane so it ends up at row ``to_index``."""
    pattern = score.pattern(pattern_id)
    lanes = list(pattern.lanes)
    check_score_int("lane row", to_index, 0, max(0, len(lanes) - 1))
    lane = lanes.pop(pattern.lane_index(lane_id))
    lanes.insert(to_index, lane)
    return _with_pattern(score, replace(pattern, lanes=tuple(lanes)))


def update_lane(score: Score, pattern_id: str, lane_id: str, **changes) -> Score:
    """Change a lane's key, name, mute, solo or steps."""
    unknown = sorted(set(changes) - _LANE_FIELDS)
    if unknown:
        raise ScoreError(f"a lane has no setting called {unknown[0]!r}")
    lane = score.pattern(pattern_id).lane(lane_id)
    return _with_lane(score, pattern_id, replace(lane, **changes))


def set_lane_length(score: Score, pattern_id: str, lane_id: str, length_steps: int) -> Score:
    """A lane's own length (polymeter): cut, or lengthened with rests."""
    lane = score.pattern(pattern_id).lane(lane_id)
    return _with_lane(score, pattern_id, replace(lane, steps=_resized(lane.steps, length_steps)))


def set_lane_steps(score: Score, pattern_id: str, lane_id: str, steps) -> Score:
    """Replace all of a lane's steps (what generators produce); the count sets its length."""
    lane = score.pattern(pattern_id).lane(lane_id)
    return _with_lane(score, pattern_id, replace(lane, steps=tuple(steps)))


# --- steps ----------------------------------------------------------------------------


def _step_index(lane: Lane, index: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise ScoreError(f"step number must be a whole number, not {index!r}")
    if not 0 <= index < lane.length_steps:
        raise ScoreError(f"lane has steps 1 to {lane.length_steps}, not {index + 1}")
    return index


def set_step(score: Score, pattern_id: str, lane_id: str, index: int, **changes) -> Score:
    """Change one step's fields (on, velocity, length_steps, offset_pct, probability,
    ratchet, condition); ``condition`` may be a Condition or a (kind, a, b) tuple."""
    unknown = sorted(set(changes) - _STEP_FIELDS)
    if unknown:
        raise ScoreError(f"a step has no setting called {unknown[0]!r}")
    if isinstance(changes.get("condition"), tuple):
        changes["condition"] = Condition(*changes["condition"])
    lane = score.pattern(pattern_id).lane(lane_id)
    i = _step_index(lane, index)
    steps = list(lane.steps)
    steps[i] = replace(steps[i], **changes)
    return _with_lane(score, pattern_id, replace(lane, steps=tuple(steps)))


def toggle_step(score: Score, pattern_id: str, lane_id: str, index: int) -> Score:
    """Switch a step on or off (its other settings are kept for when it comes back)."""
    lane = score.pattern(pattern_id).lane(lane_id)
    step = lane.steps[_step_index(lane, index)]
    return set_step(score, pattern_id, lane_id, index, on=not step.on)


def swap_steps(
    score: Score, pattern_id: str, first: tuple[str, int], second: tuple[str, int]
) -> Score:
    """Two steps, each (lane id, index), trade places with all their settings: moving a
    step onto another never loses either."""
    (lane_a, i), (lane_b, j) = first, second
    pattern = score.pattern(pattern_id)
    step_a = pattern.lane(lane_a).steps[_step_index(pattern.lane(lane_a), i)]
    step_b = pattern.lane(lane_b).steps[_step_index(pattern.lane(lane_b), j)]
    score = _replace_step(score, pattern_id, lane_a, i, step_b)
    return _replace_step(score, pattern_id, lane_b, j, step_a)


def _replace_step(score: Score, pattern_id: str, lane_id: str, index: int, step: Step) -> Score:
    lane = score.pattern(pattern_id).lane(lane_id)
    steps = list(lane.steps)
    steps[index] = step
    return _with_lane(score, pattern_id, replace(lane, steps=tuple(steps)))


# --- placements -----------------------------------------------------------------------


def _placement(score: Score, placement_id: str) -> Placement:
    for placement in score.placements:
        if placement.id == placement_id:
            return placement
    raise ScoreError(f"the song has no pattern placement {placement_id!r}")


def _check_free(score: Score, placement: Placement, pattern: Pattern) -> None:
    """Refuse a placement that would overlap another on the same track."""
    start, end = placement.start_tick, placement.end_tick(pattern, score.ppq)
    for other in score.placements:
        if other.id == placement.id or other.track != placement.track:
            continue
        if other.start_tick < end and score.placement_end_tick(other) > start:
            name = score.pattern(other.pattern_id).name
            raise ScoreError(
                f"pattern {name!r} is already placed there on track {placement.track + 1}"
            )


def _with_placement(score: Score, placement: Placement) -> Score:
    pattern = score.pattern(placement.pattern_id)
    _check_free(score, placement, pattern)
    placements = [p for p in score.placements if p.id != placement.id] + [placement]
    return replace(score, placements=tuple(placements))


def place_pattern(
    score: Score, pattern_id: str, track: int, start_tick: int, repeats: int = 1
) -> tuple[Score, Placement]:
    """Place a pattern on a track (start on a bar line, as the song view snaps it)."""
    score.pattern(pattern_id)
    placement = Placement(new_id("a"), pattern_id, track, start_tick, repeats)
    return _with_placement(score, placement), placement


def move_placement(
    score: Score, placement_id: str, *, track: int | None = None, start_tick: int | None = None
) -> Score:
    placement = _placement(score, placement_id)
    moved = replace(
        placement,
        track=placement.track if track is None else track,
        start_tick=placement.start_tick if start_tick is None else start_tick,
    )
    return _with_placement(score, moved)


def set_placement_repeats(score: Score, placement_id: str, repeats: int) -> Score:
    """Extend a placement into more passes of its pattern, or fewer."""
    return _with_placement(score, replace(_placement(score, placement_id), repeats=repeats))


def remove_placement(score: Score, placement_id: str) -> Score:
    _placement(score, placement_id)
    return replace(score, placements=tuple(p for p in score.placements if p.id != placement_id))


def set_seed(score: Score, seed: int) -> Score:
    """A new probability seed: every step with a probability rolls new dice."""
    return replace(score, seed=seed)
