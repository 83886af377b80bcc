"""The shared song's entries by key (a note's id, ``track:ID``, ``pattern:ID``,
``placement:ID``, ``song:tempo``, ...): as they are, as they sound from a stamp on, and
their stamps (runs on the thread that owns the document; a mixin of
``engine.collab.song_doc.SongDoc``).
"""

from __future__ import annotations

from dataclasses import replace

from pycrdt import Map

from engine.collab.field_log import MADE, folded, latest_stamp, latest_stamp_of
from engine.collab.pattern_doc import pattern_order, pattern_state, read_pattern, read_placement
from engine.collab.song_schema import (
    PATTERN_KEY,
    PLACEMENT_KEY,
    SONG_FIELDS,
    SONG_KEY,
    TRACK_KEY,
    NoteEntry,
    PlacementEntry,
    SongMaps,
    song_settings,
    song_timing,
    stamp_of,
)
from engine.core.errors import ScoreError


class SongEntries(SongMaps):
    """The by-key half of ``SongDoc`` (it holds the document, its maps and caches)."""

    # made by SongDoc.__init__
    rejected: int
    _pattern_cache: dict
    _placement_cache: dict[str, PlacementEntry]

    def note_entry(self, note_id: str) -> NoteEntry | None:  # SongDoc's
        raise NotImplementedError

    def _read_note(self, note_id: str, upto=None) -> NoteEntry | None:  # SongDoc's
        raise NotImplementedError

    def _read_track(self, track_id: str, upto=None) -> dict | None:  # SongDoc's
        raise NotImplementedError

    def entry_at(self, key: str, stamp: tuple[int, int]):
        """What ``entry`` gives for ``key``, as it sounds from ``stamp`` on: the entry with
        its writes stamped up to there (``engine.collab.field_log``)."""
        if key.startswith(SONG_KEY):
            try:
                timing = song_timing(folded(self.song.to_py() or {}, stamp))
            except (ScoreError, TypeError, ValueError, IndexError, AttributeError):
                return self.entry(key)  # malformed there: as the song is now
            return song_settings(replace(self.score(), **timing)).get(key)
        if key.startswith(TRACK_KEY):
            return self._read_track(key[len(TRACK_KEY) :], stamp)
        if key.startswith((PATTERN_KEY, PLACEMENT_KEY)):
            self.score()  # a placement is read on the tracks and patterns there are
            value = self.written_map(key)
            if not isinstance(value, Map):
                return None
            data = value.to_py() or {}
            try:
                if key.startswith(PATTERN_KEY):
                    return read_pattern(key[len(PATTERN_KEY) :], pattern_state(data, stamp))
                return self._placement_entry(key, folded(data, stamp))
            except (ScoreError, TypeError, ValueError, AttributeError):
                return None
        return self._read_note(key, stamp)

    def entry(self, key: str):
        """A note's entry by id, a pattern by ``pattern:ID``, a placement's entry by
        ``placement:ID``, a track's settings and place by ``track:ID`` (None when absent),
        or the song's own settings (``song:tempo``, ``song:meter``, ``song:loop``)."""
        if key.startswith(SONG_KEY):
            return song_settings(self.score()).get(key)
        if key.startswith(TRACK_KEY):
            self.score()
            return self._track_cache.get(key[len(TRACK_KEY) :])
        if key.startswith(PATTERN_KEY):
            self.score()
            return self._pattern_cache.get(key[len(PATTERN_KEY) :])
        if key.startswith(PLACEMENT_KEY):
            self.score()
            return self._placement_cache.get(key[len(PLACEMENT_KEY) :])
        return self.note_entry(key)

    def stamp(self, key: str) -> tuple[int, int] | None:
        """The stamp of a note (by id), a pattern (``pattern:ID``), a placement
        (``placement:ID``), a track (``track:ID``: made, removed, moved or its mix
        changed) or the song's own (``song:tempo``, ...)."""
        if key.startswith(SONG_KEY):
            group = key[len(SONG_KEY) :]
            # a schema-2 song stamps each setting as a whole (``GROUP_at``)
            stamps = [stamp_of(self.song.get(group + "_at"))]
            stamps.append(latest_stamp_of(self.song.to_py() or {}, SONG_FIELDS.get(group, ())))
            return max((s for s in stamps if s is not None), default=None)
        value = self.written_map(key)
        if isinstance(value, Map):
            return latest_stamp(value.to_py() or {})
        return stamp_of(self.gone.get(key))

    def note_stamp(self, note_id: str) -> tuple[int, int] | None:
        """The (epoch, session tick) from which a note's current state sounds, if stamped."""
        value = self.notes.get(note_id)
        if isinstance(value, Map):
            return latest_stamp(value.to_py() or {})
        return stamp_of(self.gone.get(note_id))

    def written_map(self, key: str):
        """The Map of a note (by id), a track (``track:ID``), a pattern (``pattern:ID``), a
        placement (``placement:ID``) or the song (``song:...``), if it is there."""
        if key.startswith(SONG_KEY):
            return self.song
        for prefix, root in (
            (TRACK_KEY, self.tracks),
            (PATTERN_KEY, self.patterns),
            (PLACEMENT_KEY, self.placements),
        ):
            if key.startswith(prefix):
                return root.get(key[len(prefix) :])
        return self.notes.get(key)

    def made_stamp(self, key: str) -> tuple[int, int] | None:
        """Where a note (by id), track, pattern or placement began, or ended, to sound."""
        value = self.written_map(key)
        if isinstance(value, Map):
            return stamp_of(value.get(MADE))
        return stamp_of(self.gone.get(key))

    def _read_patterns(self):
        patterns = {}
        orders = {}
        for pattern_id, value in self.patterns.items():
            try:
                state = pattern_state(value.to_py() or {})
                patterns[pattern_id] = read_pattern(pattern_id, state)
                orders[pattern_id] = pattern_order(state)
            except (ScoreError, TypeError, ValueError, AttributeError):
                self.rejected += 1
        entries = {}
        for placement_id, value in self.placements.items():
            try:
                data = folded(value.to_py() or {})
                entry = self._placement_entry(placement_id, data, patterns)
            except (ScoreError, TypeError, ValueError, AttributeError):
                entry = None
            if entry is None:
                self.rejected += 1
            else:
                entries[placement_id] = entry
        self._placement_cache = entries
        placements = [e.placement for e in entries.values()]
        ordered = sorted(patterns.values(), key=lambda p: (orders[p.id], p.id))
        return tuple(ordered), tuple(placements)

    def _placement_entry(self, key: str, data: dict, patterns=None) -> PlacementEntry | None:
        """A placement (``placement:ID`` or its id) of these fields on the tracks and
        patterns there are (``patterns``: those of the Score being built); None if its
        pattern or track is not there (raises if the fields do not make one)."""
        index = {t: i for i, t in enumerate(self._track_order)}
        placement_id = key.removeprefix(PLACEMENT_KEY)
        placement = read_placement(placement_id, data, index)
        known = self._pattern_cache if patterns is None else patterns
        if placement.pattern_id not in known:
            return None
        return PlacementEntry(self._track_order[placement.track], placement)
