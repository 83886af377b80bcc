"""What the scheduler knows of notes: where they start, and which it has sent (engine
scheduler thread; plain values, built outside the scheduler's lock where they can be).

``NoteStarts`` merges every note start of a score's tracks, so one bisection tells the
scheduler that a window holds nothing to send.  ``SentNote`` is one note whose events went
to the backend: the scheduler keeps each until it ends, so it can always release it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter

from engine.core.note import Note


@dataclass(frozen=True, slots=True)
class SentNote:
    """A note whose on/off events went to the backend; the key identifies it for edits."""

    on_frame: int
    off_frame: int
    channel: int
    track_index: int
    note: Note
    pass_index: int
    tag: int  # groups the note's two events for withdrawal (backend.cancel_tag)


_START_TICK = attrgetter("start_tick")
_TICK = attrgetter("tick")


@dataclass(frozen=True, slots=True)
class NoteStarts:
    """Every note start of some tracks, merged: one bisect tells whether any of them
    starts in a window, so the scheduler's frequent empty windows skip the per-track scan.
    ``notes`` (each track's notes tuple) says which tracks it was made from."""

    notes: tuple
    ticks: list[int]
    controllers: tuple = ()  # each track's controller events (their ticks are in ``ticks``)

    @classmethod
    def of(cls, tracks) -> NoteStarts:
        notes = tuple(t.notes for t in tracks)
        controllers = tuple(t.controllers for t in tracks)
        # each track's starts are sorted runs: sorting their concatenation is C-fast
        starts = chain.from_iterable(map(_START_TICK, n) for n in notes)
        changes = chain.from_iterable(map(_TICK, c) for c in controllers)
        return cls(notes, sorted(chain(starts, changes)), controllers)

    def matches(self, tracks) -> bool:
        """Made from these tracks' notes (a mix change keeps a track's notes tuple)."""
        return (
            len(tracks) == len(self.notes) == len(self.controllers)
            and all(t.notes is n for t, n in zip(tracks, self.notes))
            and all(t.controllers is c for t, c in zip(tracks, self.controllers))
        )

    def any_in(self, start_tick: int, end_tick: int) -> bool:
        i = bisect.bisect_left(self.ticks, start_tick)
        return i < len(self.ticks) and self.ticks[i] < end_tick
