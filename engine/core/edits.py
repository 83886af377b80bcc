"""Edits of a score as pure functions (pure: runs anywhere, imports no I/O).

Every edit takes a ``Score`` and returns a new one; nothing is changed in place, so the
undo history (``engine.core.history``) is simply a list of old scores and the engine can be
handed any of them whole.

Note edits take the notes to change as values (a note is identified by its fields; if a
track holds two identical notes, naming it twice changes both) and return
``(new_score, new_notes)``: the notes as they are after the edit, in the order given, so
a view can keep its selection.  Deltas that would push a note out of range are clamped for
the whole group, so a dragged chord keeps its shape at the edge of the grid.
"""

from __future__ import annotations

import bisect
import operator
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from engine.core.checks import VELOCITY, check_score_int
from engine.core.errors import ScoreError
from engine.core.score import MAX_TICK, LoopRegion, Marker, Note, Score, Track
from engine.core.timing import TimeSignature, bpm_to_us_per_quarter

_NOTE_KEY = operator.attrgetter("start_tick", "length_ticks", "pitch", "velocity")


@dataclass(frozen=True, slots=True)
class Clip:
    """Notes on the clipboard, shifted so the earliest starts at tick 0."""

    notes: tuple[Note, ...] = ()

    @property
    def length_ticks(self) -> int:
        return max((n.end_tick for n in self.notes), default=0)


# --- helpers ------------------------------------------------------------------------


def _track(score: Score, track_index: int) -> Track:
    if (
        isinstance(track_index, bool)
        or not isinstance(track_index, int)
        or not 0 <= track_index < len(score.tracks)
    ):
        raise ScoreError(f"there is no track number {track_index!r}")
    return score.tracks[track_index]


def _with_track(score: Score, track_index: int, track: Track) -> Score:
    tracks = list(score.tracks)
    tracks[track_index] = track
    return replace(score, tracks=tuple(tracks))


def _replace_notes(
    score: Score, track_index: int, old: Iterable[Note], new: Iterable[Note]
) -> Score:
    """The score with ``old`` notes taken out of the track and ``new`` ones put in.

    Edits run on every mouse move of a drag, so a few notes in a big track are found by
    bisection and spliced in, rather than re-sorting the whole track.
    """
    track = _track(score, track_index)
    notes = list(track.notes)
    drop: list[int] = []
    for note, count in Counter(old).items():
        if not isinstance(note, Note) or not track.contains(note):
            raise ScoreError(f"{note} is not in track {track.name!r}")
        first = track.index_of(note)
        if notes[first : first + count].count(note) != count:
            raise ScoreError(f"{note} is not in track {track.name!r} {count} times")
        drop.extend(range(first, first + count))
    new = list(new)
    if len(drop) + len(new) > 64:
        dropped = set(drop)
        notes = [n for i, n in enumerate(notes) if i not in dropped] + new
        notes.sort(key=_NOTE_KEY)
    else:
        for i in sorted(drop, reverse=True):
            del notes[i]
        for note in new:
            bisect.insort(notes, note, key=_NOTE_KEY)
    return _with_track(score, track_index, track.with_notes(notes))


def _clamp_deltas(notes: tuple[Note, ...], delta_ticks: int, delta_pitch: int) -> tuple[int, int]:
    """Shrink the deltas so every note stays in range (start >= 0, pitch 0..127)."""
    check_score_int("tick offset", delta_ticks, -MAX_TICK, MAX_TICK)
    check_score_int("pitch offset", delta_pitch, -MAX_TICK, MAX_TICK)
    if not notes:
        return 0, 0
    lo_start = min(n.start_tick for n in notes)
    hi_end = max(n.end_tick for n in notes)
    delta_ticks = max(-lo_start, min(delta_ticks, MAX_TICK - hi_end))
    lo_pitch = min(n.pitch for n in notes)
    hi_pitch = max(n.pitch for n in notes)
    delta_pitch = max(-lo_pitch, min(delta_pitch, 127 - hi_pitch))
    return delta_ticks, delta_pitch


def _apply_map(
    score: Score, track_index: int, notes: Iterable[Note], change: Callable[[Note], Note]
) -> tuple[Score, tuple[Note, ...]]:
    notes = tuple(notes)
    new = tuple(change(n) for n in notes)
    return _replace_notes(score, track_index, notes, new), new


# --- note edits ---------------------------------------------------------------------


def add_notes(
    score: Score, track_index: int, notes: Iterable[Note]
) -> tuple[Score, tuple[Note, ...]]:
    notes = tuple(notes)
    if not all(isinstance(n, Note) for n in notes):
        raise ScoreError("only notes can be added to a track")
    return _replace_notes(score, track_index, (), notes), notes


def delete_notes(
    score: Score, track_index: int, notes: Iterable[Note]
) -> tuple[Score, tuple[Note, ...]]:
    return _replace_notes(score, track_index, tuple(notes), ()), ()


def move_notes(
    score: Score, track_index: int, notes: Iterable[Note], delta_ticks: int, delta_pitch: int
) -> tuple[Score, tuple[Note, ...]]:
    notes = tuple(notes)
    dt, dp = _clamp_deltas(notes, delta_ticks, delta_pitch)
    return _apply_map(
        score,
        track_index,
        notes,
        lambda n: replace(n, start_tick=n.start_tick + dt, pitch=n.pitch + dp),
    )


def transpose(
    score: Score, track_index: int, notes: Iterable[Note], semitones: int
) -> tuple[Score, tuple[Note, ...]]:
    return move_notes(score, track_index, notes, 0, semitones)


def resize_notes(
    score: Score,
    track_index: int,
    notes: Iterable[Note],
    delta_ticks: int,
    edge: str = "end",
    min_length: int = 1,
) -> tuple[Score, tuple[Note, ...]]:
    """Move the end (or the start, keeping the end) of each note by ``delta_ticks``.

    Each note is clamped on its own: it keeps at least ``min_length`` ticks (or its
    current length if already shorter) and never starts before tick 0.
    """
    check_score_int("tick offset", delta_ticks, -MAX_TICK, MAX_TICK)
    check_score_int("minimum length", min_length, 1, MAX_TICK)
    if edge not in ("end", "start"):
        raise ScoreError(f"the edge to resize must be 'start' or 'end', not {edge!r}")

    def change(n: Note) -> Note:
        floor = min(min_length, n.length_ticks)
        if edge == "end":
            length = max(floor, min(n.length_ticks + delta_ticks, MAX_TICK - n.start_tick))
            return replace(n, length_ticks=length)
        start = max(0, min(n.start_tick + delta_ticks, n.end_tick - floor))
        return replace(n, start_tick=start, length_ticks=n.end_tick - start)

    return _apply_map(score, track_index, notes, change)


def set_velocity(
    score: Score,
    track_index: int,
    notes: Iterable[Note],
    velocity: int | None = None,
    delta: int | None = None,
) -> tuple[Score, tuple[Note, ...]]:
    """Set every note's velocity to ``velocity``, or change it by ``delta`` (kept 1..127)."""
    if (velocity is None) == (delta is None):
        raise ScoreError("give either a velocity or a velocity change, not both or neither")
    if velocity is not None:
        check_score_int("velocity", velocity, *VELOCITY)
        return _apply_map(score, track_index, notes, lambda n: replace(n, velocity=velocity))
    check_score_int("velocity change", delta, -127, 127)
    step = int(delta or 0)  # checked just above: a whole number
    return _apply_map(
        score,
        track_index,
        notes,
        lambda n: replace(n, velocity=max(1, min(127, n.velocity + step))),
    )


def _nearest_line(tick: int, grid_ticks: int) -> int:
    """The grid line nearest ``tick`` (halfway rounds later)."""
    return (tick + grid_ticks // 2) // grid_ticks * grid_ticks


def quantize(
    score: Score,
    track_index: int,
    notes: Iterable[Note],
    grid_ticks: int,
    strength: float = 1.0,
    ends: bool = False,
) -> tuple[Score, tuple[Note, ...]]:
    """Pull note starts towards the nearest grid line by ``strength`` (0..1).

    With ``ends`` the note ends are pulled too (to the nearest line after the start's
    target, so no note collapses); otherwise each note keeps its length.
    """
    check_score_int("grid", grid_ticks, 1, MAX_TICK)
    if (
        isinstance(strength, bool)
        or not isinstance(strength, (int, float))
        or not 0.0 <= strength <= 1.0
    ):
        raise ScoreError(f"quantize strength must be from 0 to 1, not {strength!r}")

    def change(n: Note) -> Note:
        target = _nearest_line(n.start_tick, grid_ticks)
        start = n.start_tick + round((target - n.start_tick) * strength)
        if not ends:
            return replace(n, start_tick=min(start, MAX_TICK - n.length_ticks))
        target_end = max(_nearest_line(n.end_tick, grid_ticks), target + grid_ticks)
        end = n.end_tick + round((target_end - n.end_tick) * strength)
        end = min(max(end, start + 1), MAX_TICK)
        return replace(n, start_tick=start, length_ticks=end - start)

    return _apply_map(score, track_index, notes, change)


def duplicate_notes(
    score: Score, track_index: int, notes: Iterable[Note], delta_ticks: int
) -> tuple[Score, tuple[Note, ...]]:
    """Add copies of ``notes`` shifted by ``delta_ticks``; returns the copies."""
    notes = tuple(notes)
    track = _track(score, track_index)
    for n in notes:
        if not track.contains(n):
            raise ScoreError(f"{n} is not in track {track.name!r}")
    dt, _ = _clamp_deltas(notes, delta_ticks, 0)
    copies = tuple(replace(n, start_tick=n.start_tick + dt) for n in notes)
    return _replace_notes(score, track_index, (), copies), copies


def copy_notes(notes: Iterable[Note]) -> Clip:
    notes = tuple(notes)
    first = min((n.start_tick for n in notes), default=0)
    return Clip(tuple(replace(n, start_tick=n.start_tick - first) for n in notes))


def paste(
    score: Score, track_index: int, clip: Clip, at_tick: int
) -> tuple[Score, tuple[Note, ...]]:
    """Add the clip's notes with its start at ``at_tick``; returns the pasted notes."""
    check_score_int("paste position", at_tick, 0, MAX_TICK)
    pasted = tuple(replace(n, start_tick=n.start_tick + at_tick) for n in clip.notes)
    return _replace_notes(score, track_index, (), pasted), pasted


# --- tracks -------------------------------------------------------------------------


def add_track(score: Score, track: Track, index: int | None = None) -> Score:
    """Insert a track (at the end by default, a negative index as a list takes it);
    pattern placements stay with their tracks."""
    if not isinstance(track, Track):
        raise ScoreError("only a track can be added to a score")
    count = len(score.tracks)
    at = count if index is None else index
    at = min(max(at + count if at < 0 else at, 0), count)
    placements = tuple(
        p if p.track < at else replace(p, track=p.track + 1) for p in score.placements
    )
    tracks = score.tracks[:at] + (track,) + score.tracks[at:]
    return replace(score, tracks=tracks, placements=placements)


def remove_track(score: Score, index: int) -> Score:
    """Remove a track with the pattern placements on it (later tracks' placements follow)."""
    _track(score, index)
    placements = tuple(
        p if p.track < index else replace(p, track=p.track - 1)
        for p in score.placements
        if p.track != index
    )
    return replace(
        score, tracks=score.tracks[:index] + score.tracks[index + 1 :], placements=placements
    )


def move_track(score: Score, from_index: int, to_index: int) -> Score:
    """Move a track so it ends up at ``to_index``."""
    track = _track(score, from_index)
    _track(score, to_index)
    tracks = list(score.tracks)
    del tracks[from_index]
    tracks.insert(to_index, track)
    # pattern placements stay with their tracks
    order = list(range(len(score.tracks)))
    del order[from_index]
    order.insert(to_index, from_index)
    new_index = {old: new for new, old in enumerate(order)}
    placements = tuple(replace(p, track=new_index[p.track]) for p in score.placements)
    return replace(score, tracks=tuple(tracks), placements=placements)


def update_track(score: Score, index: int, **fields: Any) -> Score:
    """Change a track's settings (name, channel, program, volume, mute, ...)."""
    track = _track(score, index)
    settings = {f for f in Track.__dataclass_fields__ if not f.startswith("_")}
    unknown = sorted(set(fields) - settings)
    if unknown:
        raise ScoreError(f"a track has no setting called {unknown[0]!r}")
    return _with_track(score, index, replace(track, **fields))


# --- tempo, meter, loop -------------------------------------------------------------


def set_tempo(score: Score, tick: int, bpm: float) -> Score:
    check_score_int("tempo change tick", tick, 0, MAX_TICK)
    us = bpm_to_us_per_quarter(bpm)
    return replace(score, tempo_map=score.tempo_map.with_change(tick, us))


def remove_tempo(score: Score, tick: int) -> Score:
    if all(c.tick != tick for c in score.tempo_map.changes):
        raise ScoreError(f"there is no tempo change at tick {tick}")
    return replace(score, tempo_map=score.tempo_map.without_change(tick))


def set_time_signature(score: Score, tick: int, numerator: int, denominator: int) -> Score:
    check_score_int("time signature tick", tick, 0, MAX_TICK)
    sig = TimeSignature(tick, numerator, denominator)
    return replace(score, time_signatures=score.time_signatures.with_signature(sig))


def remove_time_signature(score: Score, tick: int) -> Score:
    if all(s.tick != tick for s in score.time_signatures.signatures):
        raise ScoreError(f"there is no time signature at tick {tick}")
    return replace(score, time_signatures=score.time_signatures.without_signature(tick))


def set_loop(score: Score, start: int | None, end: int | None, enabled: bool) -> Score:
    """Set the loop region and switch looping on or off; ``None`` bounds clear it."""
    if start is None and end is None:
        return replace(score, loop=None, loop_enabled=enabled)
    # one bound without the other is refused by LoopRegion's own check, in its words
    return replace(score, loop=LoopRegion(start, end), loop_enabled=enabled)  # type: ignore[arg-type]


# --- markers --------------------------------------------------------------------------


def set_marker(score: Score, tick: int, name: str) -> Score:
    """A marker called ``name`` at ``tick`` (replacing one already there)."""
    kept = tuple(m for m in score.markers if m.tick != tick)
    return replace(score, markers=kept + (Marker(tick, name),))


def remove_marker(score: Score, tick: int) -> Score:
    if all(m.tick != tick for m in score.markers):
        raise ScoreError(f"there is no marker at tick {tick}")
    return replace(score, markers=tuple(m for m in score.markers if m.tick != tick))


def move_marker(score: Score, from_tick: int, to_tick: int) -> Score:
    """The marker at ``from_tick`` moved to ``to_tick``; unchanged onto another marker."""
    names = {m.tick: m.name for m in score.markers}
    if from_tick not in names:
        raise ScoreError(f"there is no marker at tick {from_tick}")
    if to_tick != from_tick and to_tick in names:
        return score
    return set_marker(remove_marker(score, from_tick), to_tick, names[from_tick])
