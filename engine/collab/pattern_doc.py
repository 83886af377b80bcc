"""Patterns, lanes, steps and placements in the shared document, as read (pure, over the
plain dicts of the song's maps; called on the document's owner thread).

Keyed by stable ids like the notes: a pattern is a Map of its settings and a Map of lanes
by id; a lane holds its key, flags, length and a Map of steps by index, each step one
list value ``[on, velocity, length_steps, offset_pct, probability, ratchet, condition
kind, a, b]``.  That is the pattern as made; every later change is a stamped write in
the pattern's own map (``engine.collab.field_log``) whose fields name what they set:
a setting (``name``, ``length_steps``, ``step_size``, ``swing``, ``order``), a lane's
field (``lane:ID:mute``), a whole lane (``lane:ID``: its map, or None when removed) or
one step (``step:LANE:INDEX``: its value, or None when off).  Two musicians editing
different steps write different fields and both edits hold; one step edited twice holds
the write with the greater stamp on every peer, and what plays from a session tick on is
the fold of the writes stamped up to it.  Placements are a Map by id naming their
pattern and their track by ids, their changes writes too.
"""

from __future__ import annotations

from engine.collab.field_log import is_write, writes_of
from engine.core.errors import ScoreError
from engine.core.pattern import OFF, Condition, Lane, Pattern, Placement, Step

PATTERN_FIELDS = ("name", "length_steps", "step_size", "swing", "order")
LANE_FIELDS = ("key", "name", "mute", "solo", "order", "length")
LANE_KEY = "lane:"  # a write's field: lane:ID (the whole lane) or lane:ID:FIELD
STEP_KEY = "step:"  # a write's field: step:LANE:INDEX


def step_value(step: Step) -> list:
    c = step.condition
    return [
        step.on,
        step.velocity,
        step.length_steps,
        step.offset_pct,
        step.probability,
        step.ratchet,
        c.kind,
        c.a,
        c.b,
    ]


def _whole(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ScoreError(f"{value!r} is not a whole number")
    return int(value)


def _step(value) -> Step:
    if not isinstance(value, list) or len(value) != 9 or not isinstance(value[0], bool):
        raise ScoreError("a step is not a list of nine values")
    on, vel, length, offset, prob, ratchet, kind, a, b = value
    return Step(
        on,
        _whole(vel),
        _whole(length),
        _whole(offset),
        _whole(prob),
        _whole(ratchet),
        Condition(kind, _whole(a), _whole(b)),
    )


def _lane(lane_id: str, data: dict) -> tuple[float, Lane]:
    length = _whole(data.get("length", 16))
    if not 1 <= length <= 64:
        raise ScoreError(f"a lane has 1 to 64 steps, not {length}")
    steps = [OFF] * length
    for index, value in (data.get("steps") or {}).items():
        i = int(index)
        if 0 <= i < length:
            steps[i] = _step(value)
    lane = Lane(
        lane_id,
        _whole(data.get("key")),
        tuple(steps),
        data.get("name", ""),
        data.get("mute", False),
        data.get("solo", False),
    )
    return pattern_order(data), lane


def pattern_state(data: dict, upto=None, intended: bool = False) -> dict:
    """A pattern's settings and lanes (``lanes``: lane id -> its fields and ``steps``) as
    made, with its writes stamped at or before ``upto`` (all: None) applied in order.
    ``intended``: without the writes that restate an undo (``field_log.folded``)."""
    state = {k: v for k, v in data.items() if not is_write(k)}
    lanes = state.get("lanes")
    state["lanes"] = {
        lane_id: _lane_copy(lane)
        for lane_id, lane in (lanes.items() if isinstance(lanes, dict) else ())
        if isinstance(lane, dict)
    }
    for write in writes_of(data):
        if upto is not None and write.stamp > upto:
            break
        if intended and write.undo:
            continue
        # a whole lane first: the write's other fields change it
        for name in sorted(write.values, key=lambda n: not is_whole_lane(n)):
            _apply(state, name, write.values[name])
    return state


def is_whole_lane(name: str) -> bool:
    """Whether a write's field is a whole lane (``lane:ID``)."""
    return name.startswith(LANE_KEY) and ":" not in name[len(LANE_KEY) :]


def _lane_copy(lane: dict) -> dict:
    steps = lane.get("steps")
    return {**lane, "steps": dict(steps) if isinstance(steps, dict) else {}}


def _apply(state: dict, name: str, value) -> None:
    """One field of a write laid over a pattern's state.  A field of a lane that is not
    there, of no known kind, or whose value would not make a pattern changes nothing: a
    malformed write is ignored, not the pattern left out."""
    lanes = state["lanes"]
    if name.startswith(LANE_KEY):
        lane_id, _, field = name[len(LANE_KEY) :].partition(":")
        if not field:
            if value is None:
                lanes.pop(lane_id, None)
            elif isinstance(value, dict) and _reads(lambda: _lane(lane_id, _lane_copy(value))):
                lanes[lane_id] = _lane_copy(value)
        elif lane_id in lanes and field in LANE_FIELDS:
            lane = {**lanes[lane_id], field: value}
            if field == "order" or _reads(lambda: _lane(lane_id, lane)):
                lanes[lane_id] = lane
    elif name.startswith(STEP_KEY):
        lane_id, _, index = name[len(STEP_KEY) :].rpartition(":")
        if lane_id in lanes and index.isdigit():
            if value is None:
                lanes[lane_id]["steps"].pop(index, None)
            elif _reads(lambda: _step(value)):
                lanes[lane_id]["steps"][index] = value
    elif name == "order" or (
        name in PATTERN_FIELDS
        and _reads(lambda: read_pattern("p", {**state, name: value, "lanes": {}}))
    ):
        state[name] = value


def _reads(read) -> bool:
    """Whether ``read()`` makes a value of the model (it raises if not)."""
    try:
        read()
    except (ScoreError, TypeError, ValueError, AttributeError):
        return False
    return True


def pattern_order(state: dict) -> float:
    """Where a pattern comes in the song's list of patterns (by this, then its id)."""
    order = state.get("order", 0.0)
    return float(order) if isinstance(order, (int, float)) and not isinstance(order, bool) else 0.0


def read_pattern(pattern_id: str, data: dict) -> Pattern:
    """The Pattern of a pattern's state (``pattern_state``); ScoreError/TypeError/
    ValueError if it does not make one."""
    if not isinstance(data, dict):
        raise ScoreError("a pattern is not a map")
    lanes = sorted(
        (_lane(lane_id, lane) for lane_id, lane in (data.get("lanes") or {}).items()),
        key=lambda ol: (ol[0], ol[1].id),
    )
    return Pattern(
        pattern_id,
        data.get("name", "Pattern"),
        _whole(data.get("length_steps", 16)),
        data.get("step_size", "1/16"),
        _whole(data.get("swing", 50)),
        tuple(lane for _, lane in lanes),
    )


def read_placement(placement_id: str, data: dict, track_index: dict[str, int]) -> Placement:
    """The Placement of a placement's fields (as folded: ``engine.collab.field_log``);
    ScoreError/TypeError/ValueError if they do not make one."""
    if not isinstance(data, dict):
        raise ScoreError("a placement is not a map")
    track_id = data.get("track")
    track = track_index.get(track_id) if isinstance(track_id, str) else None
    if track is None:
        raise ScoreError("a placement's track is not in the song")
    return Placement(
        placement_id,
        str(data.get("pattern")),
        track,
        _whole(data.get("start")),
        _whole(data.get("repeats", 1)),
    )
