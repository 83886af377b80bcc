"""Patterns, lanes, steps and placements in the shared document (runs on the document's
owner thread, inside the song document's transactions).

Keyed by stable ids like the notes: a pattern is a Map of its settings and a Map of lanes
by id; a lane holds its key, flags, length and a Map of steps by index, each step one
list value ``[on, velocity, length_steps, offset_pct, probability, ratchet, condition
kind, a, b]`` written whole, so two musicians editing different steps both keep their
edits.  Placements are a Map by id naming their pattern and their track by ids.
"""

from __future__ import annotations

from pycrdt import Map

from engine.core.errors import ScoreError
from engine.core.pattern import OFF, Condition, Lane, Pattern, Placement, Step

PATTERN_FIELDS = ("name", "length_steps", "step_size", "swing")
LANE_FIELDS = ("key", "name", "mute", "solo")


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
    order = data.get("order", 0.0)
    return float(order) if isinstance(order, (int, float)) else 0.0, lane


def read_pattern(pattern_id: str, value) -> Pattern:
    """The Pattern a document entry holds (ScoreError/TypeError/ValueError if it is not one)."""
    data = value.to_py() if isinstance(value, Map) else None
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


def _lane_map(lane: Lane, order: float) -> Map:
    steps = {str(i): step_value(s) for i, s in enumerate(lane.steps) if s != OFF}
    return Map(
        {name: getattr(lane, name) for name in LANE_FIELDS}
        | {"order": order, "length": lane.length_steps, "steps": Map(steps)}
    )


def _write_lane(entry: Map, old: Lane, new: Lane) -> None:
    for name in LANE_FIELDS:
        if getattr(old, name) != getattr(new, name):
            entry[name] = getattr(new, name)
    if old.length_steps != new.length_steps:
        entry["length"] = new.length_steps
    steps = entry["steps"]
    for i, step in enumerate(new.steps):
        before = old.steps[i] if i < old.length_steps else OFF
        if step != before or (i >= old.length_steps and str(i) in steps):
            if step == OFF:
                steps.pop(str(i), None)
            else:
                steps[str(i)] = step_value(step)


def write_patterns(patterns: Map, old, new, at=None) -> list[str]:
    """Write what differs between two pattern lists (by id) into the ``patterns`` map; a
    pattern created or changed carries ``at``.  Returns the ids of the removed ones."""
    before = {p.id: p for p in old}
    after = {p.id: p for p in new}
    removed = sorted(before.keys() - after.keys())
    for pattern_id in removed:
        patterns.pop(pattern_id, None)
    renumber = [p.id for p in old] != [p.id for p in new]
    for position, (pattern_id, pattern) in enumerate(after.items()):
        previous = before.get(pattern_id)
        if previous is None or pattern_id not in patterns:
            lanes = {lane.id: _lane_map(lane, float(i)) for i, lane in enumerate(pattern.lanes)}
            patterns[pattern_id] = Map(
                {name: getattr(pattern, name) for name in PATTERN_FIELDS}
                | {"lanes": Map(lanes), "order": float(position)}
                | ({"at": list(at)} if at is not None else {})
            )
            continue
        if renumber:  # the song's list of patterns is shown in this order
            patterns[pattern_id]["order"] = float(position)
        if previous == pattern:
            continue
        entry = patterns[pattern_id]
        if at is not None:
            entry["at"] = list(at)
        for name in PATTERN_FIELDS:
            if getattr(previous, name) != getattr(pattern, name):
                entry[name] = getattr(pattern, name)
        lanes = entry["lanes"]
        old_lanes = {lane.id: lane for lane in previous.lanes}
        new_ids = [lane.id for lane in pattern.lanes]
        for lane_id in old_lanes.keys() - set(new_ids):
            lanes.pop(lane_id, None)
        reordered = [lane.id for lane in previous.lanes if lane.id in new_ids] != [
            i for i in new_ids if i in old_lanes
        ]
        for order, lane in enumerate(pattern.lanes):
            if lane.id not in old_lanes or lane.id not in lanes:
                lanes[lane.id] = _lane_map(lane, float(order))
                continue
            _write_lane(lanes[lane.id], old_lanes[lane.id], lane)
            if reordered:
                lanes[lane.id]["order"] = float(order)
    return removed


def write_placements(
    placements: Map,
    old: tuple[Placement, ...],
    new: tuple[Placement, ...],
    old_track_ids: list[str | None],
    new_track_ids: list[str | None],
    set_fields,
    at=None,
) -> list[str]:
    """Write what differs between two placement lists (by id); tracks named by id.  A
    placement made carries ``at``; a change of one is a stamped write
    (``set_fields(entry, values)``, ``engine.collab.field_log``), so two musicians moving
    one placement at once are heard alike everywhere.  Returns the ids of the removed ones."""
    before = {p.id: p for p in old}
    after = {p.id: p for p in new}
    removed = sorted(before.keys() - after.keys())
    for placement_id in removed:
        placements.pop(placement_id, None)
    for placement_id, placement in after.items():
        previous = before.get(placement_id)
        track_id = new_track_ids[placement.track]
        if previous is not None and placement_id in placements:
            values = {
                name: now
                for name, was, now in (
                    ("track", old_track_ids[previous.track], track_id),
                    ("pattern", previous.pattern_id, placement.pattern_id),
                    ("start", previous.start_tick, placement.start_tick),
                    ("repeats", previous.repeats, placement.repeats),
                )
                if was != now
            }
            if values:
                set_fields(placements[placement_id], values)
        else:
            placements[placement_id] = Map(
                {
                    "pattern": placement.pattern_id,
                    "track": track_id,
                    "start": placement.start_tick,
                    "repeats": placement.repeats,
                }
                | ({"at": list(at)} if at is not None else {})
            )
    return removed
