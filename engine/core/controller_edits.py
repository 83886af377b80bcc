"""Edits of one controller lane of a track: a controller number, or the pitch wheel (pure).

A lane is the track's controller events of one kind and number.  Drawing puts points in
and replaces what the lane held over the stretch drawn; a point is moved or erased on
its own.  The events of other lanes, and the order of events at one tick, are kept.
"""

from __future__ import annotations

from dataclasses import replace

from engine.core.controllers import (
    CONTROL,
    PITCH_BEND,
    PITCH_BEND_MAX,
    PITCH_BEND_MIN,
    ControlEvent,
    sorted_events,
)
from engine.core.errors import ScoreError
from engine.core.score import Score


def value_range(kind: str) -> tuple[int, int]:
    return (PITCH_BEND_MIN, PITCH_BEND_MAX) if kind == PITCH_BEND else (0, 127)


def in_lane(event: ControlEvent, kind: str, number: int) -> bool:
    return event.kind == kind and (kind != CONTROL or event.number == number)


def lane_events(score: Score, track_index: int, kind: str, number: int) -> list[ControlEvent]:
    """The lane's events in tick order."""
    return [e for e in _track(score, track_index).controllers if in_lane(e, kind, number)]


def draw(score: Score, track_index: int, kind: str, number: int, points: dict[int, int]) -> Score:
    """The lane with ``points`` (tick -> value) in place of what it held from the first
    to the last tick drawn."""
    if not points:
        return score
    lo, hi = min(points), max(points)
    track = _track(score, track_index)
    low, high = value_range(kind)
    kept = [e for e in track.controllers if not (in_lane(e, kind, number) and lo <= e.tick <= hi)]
    number = number if kind == CONTROL else 0
    new = [
        ControlEvent(tick, kind, number, max(low, min(high, value)))
        for tick, value in sorted(points.items())
    ]
    return _with_events(score, track_index, kept + new)


def move(score: Score, track_index: int, event: ControlEvent, tick: int, value: int) -> Score:
    """``event`` moved to ``tick`` and set to ``value`` (kept within its range)."""
    low, high = value_range(event.kind)
    moved = replace(event, tick=max(0, tick), value=max(low, min(high, value)))
    return _replace_events(score, track_index, [event], [moved])


def erase(score: Score, track_index: int, events) -> Score:
    return _replace_events(score, track_index, list(events), [])


def _replace_events(score: Score, track_index: int, old: list, new: list) -> Score:
    events = list(_track(score, track_index).controllers)
    for event in old:
        try:
            events.remove(event)
        except ValueError:
            raise ScoreError(f"the track has no controller event {event}") from None
    return _with_events(score, track_index, events + new)


def _track(score: Score, track_index: int):
    if not 0 <= track_index < len(score.tracks):
        raise ScoreError(f"there is no track {track_index + 1}")
    return score.tracks[track_index]


def _with_events(score: Score, track_index: int, events: list) -> Score:
    tracks = list(score.tracks)
    tracks[track_index] = replace(tracks[track_index], controllers=sorted_events(events))
    return replace(score, tracks=tuple(tracks))
