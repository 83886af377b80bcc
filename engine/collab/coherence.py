"""Which score takes over at which session tick on this peer's engine (pure bookkeeping,
called from the session's owner thread).

Every edit made while the session plays carries the session tick from which it sounds.
For each note with an edit still ahead, the peer keeps the note's value before it and
the value from each pending stamp on; the score at stamp ``u`` is the document's score
with every such note as it is at ``u``.  When an edit arrives, the scores of every
pending stamp from its own on are sent to the engine again (a score for the same place
replaces the one queued there), so the order in which edits arrive does not matter:
only their stamps do.  Once playback has passed a stamp, its values are simply the
notes' values and the bookkeeping forgets them.
"""

from __future__ import annotations

import bisect


class Coherence:
    """The pending stamped values of notes (module doc)."""

    def __init__(self):
        # a note's entry, or a pattern's, placement's, track's or song setting's value
        # (None: absent)
        self.before: dict[str, object] = {}  # value before the first pending stamp
        self.pending: dict[str, list[tuple[int, object]]] = {}  # (stamp, value)
        # gone before the stamp of its going arrived: heard as before until it does
        self.held: set[str] = set()

    def clear(self) -> None:
        self.before.clear()
        self.pending.clear()
        self.held.clear()

    def hold(self, note_id: str, before: object) -> None:
        """A note is gone from the document but where it goes is not known yet (its stamp
        comes in a message still on its way): it keeps sounding as ``before``."""
        if note_id not in self.pending:
            self.before[note_id] = before
            self.pending[note_id] = []
        self.held.add(note_id)

    def add(self, note_id: str, before: object, stamp: int, value) -> None:
        """A note took ``value`` from session tick ``stamp`` on (``before``: its value
        just before this change arrived)."""
        if note_id not in self.pending:
            self.before[note_id] = before
            self.pending[note_id] = []
        entries = self.pending[note_id]
        entries[:] = [e for e in entries if e[0] != stamp]
        bisect.insort(entries, (stamp, value), key=lambda e: e[0])

    def restate_from(self, note_id: str, session_tick: int, value_of) -> None:
        """Take the values of a note's pending stamps after ``session_tick`` again from
        ``value_of(stamp)``: a write stamped earlier that arrived later may change what
        holds at later stamps too (another field of the same note)."""
        entries = self.pending.get(note_id, [])
        entries[:] = [(s, value_of(s) if s > session_tick else v) for s, v in entries]

    def value_at(self, note_id: str, session_tick: int):
        entries = self.pending[note_id]
        i = bisect.bisect_right(entries, session_tick, key=lambda e: e[0])
        return entries[i - 1][1] if i else self.before[note_id]

    def stamps_from(self, session_tick: int) -> list[int]:
        """Every pending stamp at or after ``session_tick``, in order."""
        return sorted(
            {s for entries in self.pending.values() for s, _ in entries if s >= session_tick}
        )

    def overrides_at(self, session_tick: int, current) -> dict[str, object]:
        """Notes whose value at ``session_tick`` differs from their value now (``current``:
        note id -> the document's entry)."""
        overrides = {}
        for note_id in self.pending:
            value = self.value_at(note_id, session_tick)
            if value != current(note_id):
                overrides[note_id] = value
        return overrides

    def forget_before(self, session_tick: int) -> None:
        """Playback is at ``session_tick``: stamps before it are history."""
        for note_id in list(self.pending):
            entries = self.pending[note_id]
            i = bisect.bisect_right(entries, session_tick, key=lambda e: e[0])
            if i:
                self.before[note_id] = entries[i - 1][1]
                del entries[:i]
            if not entries and note_id not in self.held:
                del self.pending[note_id]
                del self.before[note_id]
