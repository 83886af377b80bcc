"""Pattern notes of the edited track, shown read-only in the piano roll (GUI thread).

The notes come from ``pattern_expand.arrangement_notes``, the function the engine and
MIDI export use, so the roll shows exactly what the placements play.  They are drawn in
their own colour under the track's own notes and are not hit by the roll's editing (it
tests the track's notes only).  The expansion is kept until the patterns, placements,
seed or track change, so scrolling costs a bisection, not an expansion.
"""

from __future__ import annotations

import bisect

from engine.core.pattern_expand import arrangement_notes
from sequencer_gui.canvas_pool import ItemPool
from sequencer_gui.steps import colours

LOOK = (("fill", colours.PATTERN_NOTE), ("outline", colours.PATTERN_NOTE_OUTLINE), ("width", 1))


class PatternNotes:
    """The overlay's pool on the roll's canvas and its cache of expanded notes."""

    def __init__(self, roll):
        self.roll = roll
        c = roll.canvas
        self.pool = ItemPool(c, lambda: c.create_rectangle(0, 0, 0, 0), "pattern")
        self._key: tuple = ()
        self._notes: tuple = ()
        self._starts: list[int] = []
        self._max_length = 0

    def notes(self) -> tuple:
        """The pattern notes of the roll's track (expanded once per change of the song's
        patterns, placements, seed or the track)."""
        score = self.roll.score
        track = self.roll.track_index
        key = (score.patterns, score.placements, score.seed, score.ppq, track)
        same = len(key) == len(self._key) and all(a is b for a, b in zip(key[:2], self._key[:2]))
        if not (same and key[2:] == self._key[2:]):
            self._key = key
            self._notes = arrangement_notes(score, track) if score.placements else ()
            self._starts = [n.start_tick for n in self._notes]
            self._max_length = max((n.length_ticks for n in self._notes), default=0)
        return self._notes

    def redraw(self, start: int, end: int, low: int, high: int) -> None:
        """Show the pattern notes in ticks [start, end) and pitches low..high."""
        notes = self.notes()
        g = self.roll.geometry
        lo = bisect.bisect_left(self._starts, start - self._max_length)
        hi = bisect.bisect_left(self._starts, end)
        wanted = {}
        for note in notes[lo:hi]:
            if note.end_tick > start and low <= note.pitch <= high:
                wanted[note] = (g.note_box(note), LOOK)
        if self.pool.sync(wanted):
            self.roll._restack()
