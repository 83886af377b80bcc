"""Writing patterns, lanes, steps and placements into the shared document: what an edit
changed, as stamped writes (runs on the document's owner thread, inside the song
document's transactions; the layout is in ``engine.collab.pattern_doc``).

A pattern or placement is made whole; every later change of it is one write of the
fields the edit changed, compared between the Score the edit was made from and the new
one, so an edit begun before others' edits arrived writes only what it changed.
"""

from __future__ import annotations

from pycrdt import Map

from engine.collab.pattern_doc import (
    LANE_KEY,
    PATTERN_FIELDS,
    STEP_KEY,
    pattern_order,
    pattern_state,
    step_value,
)
from engine.core.pattern import OFF, Lane, Pattern, Placement


def lane_state(lane: Lane, order: float) -> dict:
    """A lane as the document holds it (``engine.collab.pattern_doc``)."""
    return {
        "key": lane.key,
        "name": lane.name,
        "mute": lane.mute,
        "solo": lane.solo,
        "order": order,
        "length": lane.length_steps,
        "steps": {str(i): step_value(s) for i, s in enumerate(lane.steps) if s != OFF},
    }


def _pattern_map(pattern: Pattern, order: float, at) -> Map:
    lanes = {}
    for i, lane in enumerate(pattern.lanes):
        state = lane_state(lane, float(i))
        lanes[lane.id] = Map(state | {"steps": Map(state["steps"])})
    return Map(
        {name: getattr(pattern, name) for name in PATTERN_FIELDS if name != "order"}
        | {"lanes": Map(lanes), "order": order}
        | ({"at": list(at)} if at is not None else {})
    )


def changed_fields(was: dict, now: dict, grown: bool = False) -> dict:
    """The fields of a write that take a pattern's state ``was`` to ``now`` (both as
    ``pattern_state`` has them).  ``grown``: the steps a lane gains are written even
    where both say off (the document may hold steps from when it was longer)."""
    values = {n: now.get(n) for n in PATTERN_FIELDS if n in now and was.get(n) != now[n]}
    old_lanes, new_lanes = was["lanes"], now["lanes"]
    for lane_id in sorted(old_lanes.keys() - new_lanes.keys()):
        values[LANE_KEY + lane_id] = None
    for lane_id, lane in new_lanes.items():
        old = old_lanes.get(lane_id)
        if old is None:
            values[LANE_KEY + lane_id] = lane
            continue
        for name, value in lane.items():
            if name != "steps" and old.get(name) != value:
                values[f"{LANE_KEY}{lane_id}:{name}"] = value
        indices = old["steps"].keys() | lane["steps"].keys()
        forced: set[str] = set()
        if grown and isinstance(old.get("length"), int) and isinstance(lane.get("length"), int):
            forced = {str(i) for i in range(old["length"], lane["length"])}
        for index in sorted(indices | forced):
            value = lane["steps"].get(index)
            if index in forced or old["steps"].get(index) != value:
                values[f"{STEP_KEY}{lane_id}:{index}"] = value
    return values


def _state(pattern: Pattern, order: float, lane_orders: dict[str, float]) -> dict:
    settings = {name: getattr(pattern, name) for name in PATTERN_FIELDS if name != "order"}
    lanes = {
        lane.id: lane_state(lane, lane_orders.get(lane.id, float(i)))
        for i, lane in enumerate(pattern.lanes)
    }
    return settings | {"order": order, "lanes": lanes}


def write_patterns(patterns: Map, old, new, set_fields, at=None) -> list[str]:
    """Write what differs between two pattern lists (by id) into the ``patterns`` map: a
    pattern made carries ``at``; a change of one is a stamped write
    (``set_fields(entry, values)``).  Returns the ids of the removed ones."""
    before = {p.id: p for p in old}
    after = {p.id: p for p in new}
    removed = sorted(before.keys() - after.keys())
    for pattern_id in removed:
        patterns.pop(pattern_id, None)
    renumber = [p.id for p in old] != [p.id for p in new]
    for position, (pattern_id, pattern) in enumerate(after.items()):
        previous = before.get(pattern_id)
        if previous is None or pattern_id not in patterns:
            patterns[pattern_id] = _pattern_map(pattern, float(position), at)
            continue
        if previous == pattern and not renumber:
            continue
        entry = patterns[pattern_id]
        # where the document has the pattern and its lanes among the others
        current = pattern_state(entry.to_py() or {})
        order = pattern_order(current)
        orders = {i: pattern_order(lane) for i, lane in current["lanes"].items()}
        was = _state(previous, order, orders)
        old_ids = [lane.id for lane in previous.lanes]
        new_ids = [lane.id for lane in pattern.lanes]
        if [i for i in old_ids if i in new_ids] != [i for i in new_ids if i in old_ids]:
            orders = {}  # lanes moved: every lane takes its row as its order
        now = _state(pattern, float(position) if renumber else order, orders)
        values = changed_fields(was, now, grown=True)
        if values:
            set_fields(entry, values)
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
