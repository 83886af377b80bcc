"""What the engine plays in song mode and in pattern mode, as a plain Score (pure).

The scheduler plays scores: its sample-clock path, its withdrawal of sent notes and its
note-off bookkeeping are the same whatever made the notes.  So patterns reach it as
notes written into a *played score*, built from the document by the functions here:

- **Song mode**: every track's free notes plus the notes of the placements on it (pass =
  repeat of the placement), with the fill switch as it is now.  What plays is what MIDI
  export and render write.
- **Pattern mode**: one pattern looped on one track.  The played score holds a window of
  passes laid end to end from tick 0 (no loop region), each expanded for its own pass
  number, so conditions and probability know the pass; the engine moves the window on as
  playback goes (``LoopPlan``).  A pattern switch is a new *run* starting on a pass
  boundary: the passes after it come from the new pattern, so the switch is a change of
  notes like any edit, withdrawn and sent on the same sample clock with no gap.

A live edit rebuilds the played score; the scheduler then withdraws only the notes that
changed (see ``engine.realtime.scheduler``).  ``PassCache`` keeps the expansion of each
(pattern value, pass, fill) so an edit of one pattern re-expands only that pattern.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace

from engine.core.note import Note
from engine.core.pattern import Pattern
from engine.core.pattern_expand import pass_notes, slot_at_tick
from engine.core.score import Score, track_with_sorted_notes
from engine.core.timing import TempoChange, TempoMap, TimeSignature, TimeSignatureMap


@dataclass(frozen=True, slots=True)
class ExpandedPass:
    """One pass's notes in order, their start ticks and their longest length."""

    notes: tuple[Note, ...]
    starts: tuple[int, ...]
    longest: int

    @classmethod
    def of(cls, notes: tuple[Note, ...]) -> ExpandedPass:
        starts = tuple(n.start_tick for n in notes)
        return cls(notes, starts, max((n.length_ticks for n in notes), default=0))


class PassCache:
    """Expansions of passes, keyed by the pattern value itself (patterns are immutable:
    an edit makes a new one), so unchanged patterns are never expanded again."""

    def __init__(self, limit: int = 4096):
        self._limit = limit
        self._entries: dict[tuple, ExpandedPass] = {}
        self._keep: dict[int, Pattern] = {}  # holds each keyed pattern alive: its id() is stable

    def pass_notes(
        self, pattern: Pattern, pass_index: int, start_tick: int, ppq: int, seed: int, fill: bool
    ) -> tuple[Note, ...]:
        return self.expanded(pattern, pass_index, start_tick, ppq, seed, fill).notes

    def expanded(
        self, pattern: Pattern, pass_index: int, start_tick: int, ppq: int, seed: int, fill: bool
    ) -> ExpandedPass:
        key = (id(pattern), pass_index, start_tick, ppq, seed, fill)
        entry = self._entries.get(key)
        if entry is None or self._keep.get(id(pattern)) is not pattern:
            if len(self._entries) >= self._limit:
                self._entries.clear()
                self._keep.clear()
            notes = pass_notes(pattern, pass_index, start_tick, ppq, seed, fill=fill)
            entry = self._entries[key] = ExpandedPass.of(notes)
            self._keep[id(pattern)] = pattern
        return entry

    def forget_before(self, tick: int) -> None:
        """Drop the passes that start before ``tick`` (pattern mode's passes behind its
        window: each is played once)."""
        old = [key for key in self._entries if key[2] < tick]
        for key in old:
            del self._entries[key]
        if old:
            alive = {key[0] for key in self._entries}
            self._keep = {k: p for k, p in self._keep.items() if k in alive}


# --- song mode ------------------------------------------------------------------------


def song_play_score(doc: Score, fill: bool = False, cache: PassCache | None = None) -> Score:
    """The document with every placement written out as notes on its track."""
    if not doc.placements:
        return replace(doc, patterns=(), placements=()) if doc.patterns else doc
    cache = cache or PassCache()
    extra: dict[int, list[Note]] = {}
    for placement in doc.placements:
        pattern = doc.pattern(placement.pattern_id)
        pass_ticks = pattern.pass_ticks(doc.ppq)
        notes = extra.setdefault(placement.track, [])
        for r in range(placement.repeats):
            start = placement.start_tick + r * pass_ticks
            notes.extend(cache.pass_notes(pattern, r, start, doc.ppq, doc.seed, fill))
    tracks = tuple(
        track.with_notes(track.notes + tuple(extra[i])) if extra.get(i) else track
        for i, track in enumerate(doc.tracks)
    )
    return replace(doc, tracks=tracks, patterns=(), placements=())


def song_pattern_position(doc: Score, track: int, tick: int) -> tuple[int, int, int]:
    """(pattern index in ``doc.patterns``, pass, step) of the placement on ``track``
    sounding at ``tick``; (-1, 0, -1) where none is."""
    for placement in doc.placements:
        if placement.track != track or placement.start_tick > tick:
            continue
        pattern = doc.pattern(placement.pattern_id)
        pass_ticks = pattern.pass_ticks(doc.ppq)
        offset = tick - placement.start_tick
        if offset < placement.repeats * pass_ticks:
            index = doc.patterns.index(pattern)
            pass_index, in_pass = divmod(offset, pass_ticks)
            return index, pass_index, slot_at_tick(pattern, in_pass, doc.ppq)
    return -1, 0, -1


# --- pattern mode ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatternRun:
    """From ``start_tick`` on, ``pattern_id`` repeats in passes of ``pass_ticks``, the
    first of them numbered ``first_pass``."""

    start_tick: int
    pattern_id: str
    pass_ticks: int
    first_pass: int = 0


@dataclass(frozen=True, slots=True)
class PassSlot:
    """One pass of pattern mode: which pattern, its number, where it starts and ends."""

    pattern_id: str
    pass_index: int
    start_tick: int
    end_tick: int


def pass_ticks_of(doc: Score, pattern_id: str) -> int:
    """A pattern's pass length; a bar for a pattern the song no longer has (it plays
    silence, and the loop keeps its pulse)."""
    if doc.has_pattern(pattern_id):
        return doc.pattern(pattern_id).pass_ticks(doc.ppq)
    return doc.time_signatures.signatures[0].bar_ticks(doc.ppq)


@dataclass(frozen=True, slots=True)
class LoopPlan:
    """Pattern mode's runs of patterns on ``track``, in start order, the first at tick 0."""

    track: int
    runs: tuple[PatternRun, ...]

    @classmethod
    def start(cls, doc: Score, pattern_id: str, track: int) -> LoopPlan:
        return cls(track, (PatternRun(0, pattern_id, pass_ticks_of(doc, pattern_id)),))

    def _run_index(self, tick: int) -> int:
        i = 0
        for j, run in enumerate(self.runs):
            if run.start_tick <= tick:
                i = j
        return i

    def pass_at(self, tick: int) -> PassSlot:
        """The pass sounding at ``tick``."""
        i = self._run_index(tick)
        run = self.runs[i]
        k = max(0, tick - run.start_tick) // run.pass_ticks
        start = run.start_tick + k * run.pass_ticks
        end = start + run.pass_ticks
        if i + 1 < len(self.runs):
            end = min(end, self.runs[i + 1].start_tick)
        return PassSlot(run.pattern_id, run.first_pass + k, start, end)

    def passes(self, lo_tick: int, hi_tick: int):
        """Every pass overlapping [lo_tick, hi_tick), in order."""
        tick = self.pass_at(lo_tick).start_tick
        while tick < hi_tick:
            slot = self.pass_at(tick)
            yield slot
            tick = slot.end_tick

    def switched(self, pattern_id: str, boundary_tick: int, pass_ticks: int) -> LoopPlan:
        """The plan with ``pattern_id`` from ``boundary_tick`` on (a pass boundary), its
        passes counted from 0; a switch queued earlier for later is replaced."""
        kept = tuple(r for r in self.runs if r.start_tick < boundary_tick)
        return LoopPlan(self.track, kept + (PatternRun(boundary_tick, pattern_id, pass_ticks),))

    def relaid(self, doc: Score, from_tick: int) -> LoopPlan:
        """The plan after an edit of the document, from ``from_tick`` (the first tick not yet
        heard) on.  A run whose pattern changed length goes on from the start of the pass
        at ``from_tick`` in the new length (its pass count continues); a switch queued
        behind it moves to the new boundary."""
        i = self._run_index(from_tick)
        run = self.runs[i]
        queued = self.runs[i + 1 :]
        new_ticks = pass_ticks_of(doc, run.pattern_id)
        if new_ticks == run.pass_ticks and all(
            r.pass_ticks == pass_ticks_of(doc, r.pattern_id) for r in queued
        ):
            return self
        slot = self.pass_at(from_tick)
        head = list(self.runs[:i])
        if new_ticks == run.pass_ticks or slot.start_tick > run.start_tick:
            head.append(run)
        if new_ticks != run.pass_ticks:
            head.append(PatternRun(slot.start_tick, run.pattern_id, new_ticks, slot.pass_index))
        plan = LoopPlan(self.track, tuple(head))
        if queued:
            pattern_id = queued[0].pattern_id
            plan = plan.switched(
                pattern_id, plan.next_boundary(from_tick), pass_ticks_of(doc, pattern_id)
            )
        return plan

    def next_boundary(self, tick: int) -> int:
        """The first pass boundary after ``tick`` (where a queued switch lands)."""
        return self.pass_at(tick).end_tick

    def pending_switch(self, tick: int) -> str | None:
        """The pattern queued to start after ``tick``, if any."""
        later = [r for r in self.runs if r.start_tick > tick]
        return later[0].pattern_id if later else None


def loop_play_score(
    doc: Score,
    plan: LoopPlan,
    lo_tick: int,
    hi_tick: int,
    tempo_map: TempoMap,
    fill: bool = False,
    cache: PassCache | None = None,
    meter: TimeSignatureMap | None = None,
) -> Score:
    """The played score of pattern mode: the notes of the plan's passes that sound in
    [lo_tick, hi_tick) on the plan's track (heard whatever its mute), every other track
    silent, no loop region; bars of ``meter`` (default: the song's)."""
    cache = cache or PassCache()
    notes: list[Note] = []
    starts: list[int] = []
    longest = 0
    for slot in plan.passes(lo_tick, hi_tick):
        if not doc.has_pattern(slot.pattern_id):
            continue
        expanded = cache.expanded(
            doc.pattern(slot.pattern_id), slot.pass_index, slot.start_tick, doc.ppq, doc.seed, fill
        )
        pass_starts = expanded.starts
        end = bisect.bisect_left(pass_starts, min(slot.end_tick, hi_tick))
        inside = bisect.bisect_left(pass_starts, lo_tick)  # from here on: all in
        # before lo_tick, only notes that may still sound then (none end later than this)
        first = bisect.bisect_left(pass_starts, lo_tick - expanded.longest + 1, 0, inside)
        for n in expanded.notes[first:inside]:
            if n.end_tick > lo_tick:
                notes.append(n)
                starts.append(n.start_tick)
        notes.extend(expanded.notes[inside:end])
        starts.extend(pass_starts[inside:end])
        longest = max(longest, expanded.longest)
    played = tuple(notes)  # passes follow each other: already in order
    tracks = tuple(
        track_with_sorted_notes(track, played, tuple(starts), longest, mute=False, solo=False)
        if i == plan.track
        else track.with_notes(())
        for i, track in enumerate(doc.tracks)
    )
    return replace(
        doc,
        tracks=tracks,
        patterns=(),
        placements=(),
        loop=None,
        loop_enabled=False,
        tempo_map=tempo_map,
        time_signatures=meter or doc.time_signatures,
    )


def silent_score(doc: Score, tempo_map: TempoMap) -> Score:
    """The song's tracks and mix with nothing to play (pattern mode before it starts)."""
    return replace(
        doc,
        tracks=tuple(track.with_notes(()) for track in doc.tracks),
        patterns=(),
        placements=(),
        loop=None,
        loop_enabled=False,
        tempo_map=tempo_map,
    )


def loop_pattern_position(doc: Score, plan: LoopPlan, tick: int) -> tuple[int, int, int]:
    """(pattern index in ``doc.patterns``, pass, step) of pattern mode at ``tick``."""
    slot = plan.pass_at(tick)
    if not doc.has_pattern(slot.pattern_id):
        return -1, slot.pass_index, -1
    pattern = doc.pattern(slot.pattern_id)
    return (
        doc.patterns.index(pattern),
        slot.pass_index,
        slot_at_tick(pattern, tick - slot.start_tick, doc.ppq),
    )


def constant_tempo(tempo_map: TempoMap, tick: int) -> TempoMap:
    """One tempo: the one in force at ``tick`` (pattern mode's tempo)."""
    return TempoMap((TempoChange(0, tempo_map.change_at(tick).us_per_quarter),))


def next_bar_tick(doc: Score, tick: int) -> int:
    """The first bar line strictly after ``tick`` (where a change "at the next bar" lands)."""
    return next_bar_line(doc.time_signatures, doc.ppq, tick)


def next_bar_line(signatures: TimeSignatureMap, ppq: int, tick: int) -> int:
    """The first bar line of ``signatures`` strictly after ``tick``."""
    return signatures.bar_to_tick(signatures.tick_to_bar_beat(tick, ppq).bar + 1, ppq)


def constant_meter(signatures: TimeSignatureMap, tick: int) -> TimeSignatureMap:
    """One time signature from tick 0: the one in force at ``tick`` (pattern mode's bars)."""
    sig = signatures.at(tick)
    return TimeSignatureMap((TimeSignature(0, sig.numerator, sig.denominator),))


def with_meter(
    signatures: TimeSignatureMap,
    ppq: int,
    tick: int,
    numerator: int,
    denominator: int,
    at_next_bar: bool,
    keep_later: bool = True,
) -> tuple[TimeSignatureMap, int]:
    """``signatures`` with ``numerator``/``denominator`` from the first bar line at or
    after ``tick`` (``at_next_bar``) or in place of the signature in force at ``tick``,
    and that signature's tick.  Later signatures stay when ``keep_later``."""
    at = next_bar_line(signatures, ppq, tick - 1) if at_next_bar else signatures.at(tick).tick
    kept = (
        signatures
        if keep_later
        else TimeSignatureMap(
            tuple(s for s in signatures.signatures if s.tick < at) or signatures.signatures[:1]
        )
    )
    return kept.with_signature(TimeSignature(at, numerator, denominator)), at
