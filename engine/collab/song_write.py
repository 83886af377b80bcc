"""Writing a Score into the shared song: what an edit changed, as one transaction (runs
on the thread that owns the document; a mixin of ``engine.collab.song_doc.SongDoc``).

An edit arrives as a whole new Score (the pure edit functions make those); what differs
from the Score it was made from is written by id: a note moved keeps its id (the i-th
removed note becomes the i-th added one), so a concurrent edit of the same note by
someone else lands on it rather than on a deleted copy.
"""

from __future__ import annotations

from collections import Counter

from pycrdt import Map

from engine.collab.field_log import add_write, settled_before
from engine.collab.pattern_write import write_patterns, write_placements
from engine.collab.song_schema import (
    LOADED,
    LOCAL,
    NOTE_FIELDS,
    PATTERN_KEY,
    PLACEMENT_KEY,
    SCHEMA_VERSION,
    SONG_FIELDS,
    TRACK_FIELDS,
    TRACK_KEY,
    NoteEntry,
    SongMaps,
    new_id,
)
from engine.collab.transport import TransportState
from engine.core.score import Note, Score, Track


class SongWriting(SongMaps):
    """The writing half of ``SongDoc`` (it holds the document, its maps and caches)."""

    # made by SongDoc.__init__
    _note_cache: dict[str, NoteEntry]

    def track_ids(self) -> list[str]:  # SongDoc's: track ids in the Score's order
        raise NotImplementedError

    # --- writing: Score -> document (one local transaction) ---------------------------
    def write_stamp(self, at, ppq: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """The stamp a field write carries (``at``; while stopped, tick 0 of the
        transport's epoch, after every stamp of its runs before) and the last stamp
        surely played everywhere by then (see ``engine.collab.field_log``)."""
        if at is not None:
            return (int(at[0]), int(at[1])), settled_before(at, True, ppq)
        state = TransportState.from_doc(self.transport.get("state"))
        stamp = (state.epoch if state is not None else 0, 0)
        return stamp, settled_before(stamp, False, ppq)

    def _set_fields(self, target: Map, values: dict, at, ppq: int, undo: bool = False) -> None:
        """Change fields of a note's or track's Map (stamped writes: module doc of
        ``engine.collab.field_log``)."""
        stamp, settled = self.write_stamp(at, ppq)
        add_write(target, stamp, self.doc.client_id, values, settled, undo)

    def _set_arranged(self, target: Map, values: dict, at, ppq: int) -> None:
        """Change fields of a pattern's or placement's Map: a stamped write, as a note's,
        which a song of an older schema did not hold."""
        self._set_fields(target, values, at, ppq)
        self._mark_schema()

    def _mark_schema(self) -> None:
        """The song now holds writes an older schema's readers do not know of."""
        schema = self.song.get("schema")
        if not isinstance(schema, (int, float)) or schema < SCHEMA_VERSION:
            self.song["schema"] = SCHEMA_VERSION

    def load_score(self, score: Score) -> None:
        """Put a whole song into an empty document (the peer that shares it); not an undo
        step, so an undo right after sharing never takes the song away."""
        self.apply_score(score, origin=LOADED)

    def apply_score(
        self,
        new: Score,
        at: tuple[int, int] | None = None,
        base: Score | None = None,
        origin: str = LOCAL,
    ) -> None:
        """Write what differs between ``base`` (default: the document's Score) and ``new``
        (an edit made with the pure edit functions) as one undoable transaction; changed
        notes carry ``at``.  With a ``base`` older than the document (an edit begun before
        others' edits arrived) only what the edit itself changed is written."""
        old = self.score() if base is None else base
        old_ids: list[str | None] = list(self._track_order)
        with self.doc.transaction(origin=origin):
            self._write_song(old, new, at)
            ids, created = self._write_tracks(old, new, at)
            for index, track_id in enumerate(ids):
                if track_id in created:
                    continue
                old_entries = self._entries_of(track_id)
                old_index = old_ids.index(track_id) if track_id in old_ids else None
                before = (
                    old.tracks[old_index].notes
                    if old_index is not None and old_index < len(old.tracks)
                    else ()
                )
                self._write_notes(
                    track_id, old_entries, before, new.tracks[index].notes, at, new.ppq
                )

            def set_arranged(target: Map, values: dict) -> None:
                self._set_arranged(target, values, at, new.ppq)

            removed: list[str] = []  # keys among the stamps
            if old.patterns != new.patterns:
                gone = write_patterns(self.patterns, old.patterns, new.patterns, set_arranged, at)
                removed += [PATTERN_KEY + pattern_id for pattern_id in gone]
            if old.placements != new.placements or old_ids != ids:
                gone = write_placements(
                    self.placements, old.placements, new.placements, old_ids, ids, set_arranged, at
                )
                removed += [PLACEMENT_KEY + placement_id for placement_id in gone]
            if at is not None:
                for key in removed:
                    self.gone[key] = list(at)

    def _entries_of(self, track_id: str) -> list[NoteEntry]:
        return [e for e in self._note_cache.values() if e.track_id == track_id]

    def _write_song(self, old: Score, new: Score, at=None) -> None:
        """The song's own settings that differ between ``old`` and ``new``."""
        if not self.song.get("schema"):
            self.song["schema"] = SCHEMA_VERSION
        if old.ppq != new.ppq or "ppq" not in self.song:
            self.song["ppq"] = new.ppq
        if old.title != new.title:
            self.song["title"] = new.title
        if old.seed != new.seed:
            self.song["seed"] = new.seed
        # tempo, meter and loop: made once, then every change a stamped write, so two
        # musicians changing one at once are heard alike (``engine.collab.field_log``)
        before, after = song_doc_values(old), song_doc_values(new)
        changed: dict = {}
        for names in SONG_FIELDS.values():
            if not all(name in self.song for name in names):
                for name in names:
                    self.song[name] = after[name]
            elif any(before[name] != after[name] for name in names):
                changed.update({name: after[name] for name in names})
        if changed:
            self._set_fields(self.song, changed, at, new.ppq)
            self._mark_schema()

    def _write_tracks(self, old: Score, new: Score, at=None) -> tuple[list, set]:
        """Track ids for ``new``'s tracks (new ones created); removed ones deleted."""
        old_ids = list(self._track_order)
        pairs = _pair_tracks(old.tracks, new.tracks)
        ids: list[str | None] = []
        orders = [self._track_cache[t]["order"] for t in old_ids]
        order_of_old = orders
        used = set()
        for new_index, old_index in enumerate(pairs):
            if old_index is None:
                ids.append(None)
                continue
            track_id = old_ids[old_index]
            used.add(track_id)
            ids.append(track_id)
            before, after = old.tracks[old_index], new.tracks[new_index]
            values = {
                name: _doc_value(getattr(after, name))
                for name in TRACK_FIELDS
                if getattr(before, name) != getattr(after, name)
            }
            if values:  # every peer hears the new mix from the stamp
                self._set_fields(self.tracks[track_id], values, at, new.ppq)
        for track_id in old_ids:
            if track_id not in used:
                # heard until the stamp, notes and all, on every peer
                for entry in self._entries_of(track_id):
                    del self.notes[entry.id]
                    if at is not None:
                        self.gone[entry.id] = list(at)
                del self.tracks[track_id]
                if at is not None:
                    self.gone[TRACK_KEY + track_id] = list(at)
        if pairs != sorted(p for p in pairs if p is not None) and None not in pairs:
            # a reordering: the tracks keep their ids and content, only the moved ones get
            # a new place (so a move touches no other track a peer may be changing)
            for kept_id, order in _new_orders(
                ids, [order_of_old[i] for i in pairs if i is not None]
            ).items():
                self._set_fields(self.tracks[kept_id], {"order": order}, at, new.ppq)
        created: set[str] = set()
        # the cache keeps what was there before (what a stamp recalls): new ones apart
        order_of = {t: self._track_cache[t]["order"] for t in old_ids}
        for new_index, slot in enumerate(ids):
            if slot is not None:
                continue
            prev = next((ids[i] for i in range(new_index - 1, -1, -1) if ids[i]), None)
            nxt = next((ids[i] for i in range(new_index + 1, len(ids)) if ids[i]), None)
            lo = order_of[prev] if prev else (min(orders, default=1.0) - 1)
            hi = order_of[nxt] if nxt else lo + 2
            track_id = new_id()
            track = new.tracks[new_index]
            order = (lo + hi) / 2
            self.tracks[track_id] = Map(
                {name: _doc_value(getattr(track, name)) for name in TRACK_FIELDS}
                | {"order": order}
                | ({"at": list(at)} if at is not None else {})  # heard from there on
            )
            order_of[track_id] = order
            ids[new_index] = track_id
            created.add(track_id)
            for note in track.notes:
                self._add_note(track_id, note, at)
        return ids, created

    def _add_note(self, track_id: str, note: Note, at) -> str:
        note_id = new_id()
        data = {
            "track": track_id,
            "start": note.start_tick,
            "length": note.length_ticks,
            "key": note.pitch,
            "velocity": note.velocity,
        }
        if at is not None:
            data["at"] = list(at)
        self.notes[note_id] = Map(data)
        return note_id

    def _write_notes(
        self, track_id: str, entries: list[NoteEntry], before, notes, at, ppq: int
    ) -> None:
        have = Counter(before)
        want = Counter(notes)
        removed_notes = have - want
        added = sorted((want - have).elements())
        removed: list[NoteEntry] = []
        for e in sorted(entries, key=lambda e: (e.note, e.id)):
            if removed_notes[e.note] > 0:
                removed_notes[e.note] -= 1
                removed.append(e)
        # An edit of n notes (move, resize, velocity) keeps their ids: the i-th removed
        # note becomes the i-th added one, so a concurrent edit of the same note by
        # someone else lands on it rather than on a deleted copy.
        for entry, note in zip(removed, added):
            old = entry.note
            values = {
                name: new
                for name, was, new in (
                    ("start", old.start_tick, note.start_tick),
                    ("length", old.length_ticks, note.length_ticks),
                    ("key", old.pitch, note.pitch),
                    ("velocity", old.velocity, note.velocity),
                )
                if was != new
            }
            self._set_fields(self.notes[entry.id], values, at, ppq)
        for entry in removed[len(added) :]:
            del self.notes[entry.id]
            if at is not None:
                self.gone[entry.id] = list(at)
        for note in added[len(removed) :]:
            self._add_note(track_id, note, at)

    def set_note_fields(self, note_id: str, at=None, **values) -> None:
        """Change fields of one note by id (what a remote tool or a test does)."""
        for name in values:
            if name not in NOTE_FIELDS:
                raise ValueError(f"a note has no field {name!r}")
        ppq = self.score().ppq
        with self.doc.transaction(origin=LOCAL):
            self._set_fields(self.notes[note_id], values, at, ppq)

    def delete_note(self, note_id: str, at=None) -> None:
        with self.doc.transaction(origin=LOCAL):
            del self.notes[note_id]
            if at is not None:
                self.gone[note_id] = list(at)

    def add_note(self, track_index: int, note: Note, at=None) -> str:
        with self.doc.transaction(origin=LOCAL):
            return self._add_note(self.track_ids()[track_index], note, at)


def song_doc_values(score: Score) -> dict:
    """The song's tempo, meter and loop fields as the document holds them."""
    return {
        "tempo": {str(c.tick): c.us_per_quarter for c in score.tempo_map.changes},
        "meter": {
            str(s.tick): [s.numerator, s.denominator] for s in score.time_signatures.signatures
        },
        "loop_start": score.loop.start_tick if score.loop else 0,
        "loop_end": score.loop.end_tick if score.loop else None,
        "loop_enabled": score.loop_enabled,
    }


def _doc_value(value):
    """A track field as the document holds it: controller events as [tick, kind, number, value]."""
    if isinstance(value, tuple):
        return [[e.tick, e.kind, e.number, e.value] for e in value]
    return value


def _new_orders(ids: list, orders: list[float]) -> dict:
    """New orders for the tracks ``ids`` (in their new order, ``orders`` their orders now)
    that are out of place: the most that keep their order stay, the others go between
    their new neighbours; when floats run out there, every track is numbered again."""
    count = len(ids)
    # the longest run of tracks whose orders already rise (they stay where they are)
    best = [1] * count
    back = [-1] * count
    for i in range(count):
        for j in range(i):
            if orders[j] < orders[i] and best[j] + 1 > best[i]:
                best[i], back[i] = best[j] + 1, j
    stay: set[int] = set()
    i = max(range(count), key=lambda k: best[k]) if count else -1
    while i >= 0:
        stay.add(i)
        i = back[i]
    placed = list(orders)
    changed = {}
    position = 0
    while position < count:
        if position in stay:
            position += 1
            continue
        run_end = position
        while run_end < count and run_end not in stay:
            run_end += 1
        # (one track at least stays: a run has a neighbour on one side)
        if position == 0:
            hi = placed[run_end]
            lo = hi - 2.0
        else:
            lo = placed[position - 1]
            hi = placed[run_end] if run_end < count else lo + 2.0
        step = (hi - lo) / (run_end - position + 1)
        for k in range(position, run_end):
            placed[k] = lo + step * (k - position + 1)
            if not lo < placed[k] < hi:
                return {track_id: float(n) for n, track_id in enumerate(ids)}
            changed[ids[k]] = placed[k]
        position = run_end
    return changed


def _pair_tracks(old: tuple[Track, ...], new: tuple[Track, ...]) -> list[int | None]:
    """For each new track, the index of the old track it continues (None: a new track).

    Edits change one track at a time: equal counts pair by position; one more or one
    fewer is an insertion or a removal, found where the two lists stop matching."""
    if len(old) == len(new):
        moved = [i for i in range(len(new)) if old[i] != new[i]]
        if len(moved) > 1 and sorted(map(id, old)) == sorted(map(id, new)):
            # the same track objects in another order: a move
            where = {id(t): i for i, t in enumerate(old)}
            return [where[id(t)] for t in new]
        return list(range(len(new)))
    if len(new) == len(old) + 1:
        i = next((i for i in range(len(old)) if old[i] != new[i]), len(old))
        return [*range(i), None, *range(i, len(old))]
    if len(new) == len(old) - 1:
        i = next((i for i in range(len(new)) if old[i] != new[i]), len(new))
        return [*range(i), *range(i + 1, len(old))]
    return [None] * len(new) if not old else [j if j < len(old) else None for j in range(len(new))]
