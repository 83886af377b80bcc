"""The song as a shared pycrdt document, and the Score derived from it (runs on the thread
that owns the document: the GUI thread or a peer's session thread).

Everything is keyed by stable ids, never by list position: two musicians editing
different notes touch different map entries and both edits survive; a field of a note,
track, pattern or placement set twice concurrently keeps both writes, and the one with
the greater stamp is in force on every peer (``engine.collab.field_log``).  The schema
(roots, keys, value types) is described in ``docs/collaboration.md``.

Entries by key (a note's id, ``track:ID``, ``pattern:ID``, ...) and their stamps are
read in ``engine.collab.song_entries``.

The local ``Score`` is rebuilt after each transaction from a cache updated by the
document's change events: only the tracks whose notes or settings changed are rebuilt,
so the engine keeps receiving immutable snapshots as it does without a session.

Values written by another tool are validated when read: an entry that does not make a
valid note or track is left out of the Score and counted in ``rejected`` (nothing
raises into the caller).
"""

from __future__ import annotations

from pycrdt import Doc, Map, UndoManager

from engine.collab.field_log import (
    MADE,
    folded,
    new_stamps,
    new_writes,
)
from engine.collab.pattern_doc import pattern_state, read_pattern
from engine.collab.song_entries import SongEntries
from engine.collab.song_schema import (  # noqa: F401 (names other modules take from here)
    _DEFAULTS,
    LOADED,
    LOCAL,
    PATTERN_KEY,
    PLACEMENT_KEY,
    SONG_FIELDS,
    SONG_KEY,
    STAMP,
    TRACK_FIELDS,
    TRACK_KEY,
    Changes,
    NoteEntry,
    PlacementEntry,
    new_id,
    song_settings,
    song_timing,
    stamp_of,
)
from engine.collab.song_schema import whole as _int
from engine.collab.song_undo import SongUndoing
from engine.collab.song_versions import score_with
from engine.collab.song_write import SongWriting
from engine.core.controllers import ControlEvent
from engine.core.errors import ScoreError
from engine.core.score import Note, Score, Track


class SongDoc(SongEntries, SongWriting, SongUndoing):
    """A pycrdt ``Doc`` holding one song, with the Score derived from it (module doc)."""

    def __init__(self, doc: Doc | None = None):
        self.doc = doc if doc is not None else Doc()
        self.song = self.doc.get("song", type=Map)
        self.tracks = self.doc.get("tracks", type=Map)
        self.notes = self.doc.get("notes", type=Map)
        self.gone = self.doc.get("gone", type=Map)  # deleted note id -> its stamp
        self.transport = self.doc.get("transport", type=Map)
        self.patterns = self.doc.get("patterns", type=Map)
        self.placements = self.doc.get("placements", type=Map)
        self.undo_manager = UndoManager(
            scopes=[self.song, self.tracks, self.notes, self.patterns, self.placements],
            capture_timeout_millis=0,
        )
        self.undo_manager.include_origin(LOCAL)
        self._undo_origin = self.undo_manager.origin
        self.rejected = 0
        self._pending = Changes()  # what the document's events said, not yet read in
        self._unreported = Changes()  # read in (by ``score()``), not yet taken
        self._note_cache: dict[str, NoteEntry] = {}
        # each note's and track's map as last read (by note id or ``track:ID``): its writes
        self._raw: dict[str, dict] = {}
        self._track_cache: dict[str, dict] = {}
        self._built_tracks: dict[str, Track] = {}
        self._pattern_cache: dict = {}  # pattern id -> Pattern
        self._placement_cache: dict[str, PlacementEntry] = {}  # of the last Score
        self._score: Score | None = None
        self._track_order: list[str] = []
        self.notes.observe_deep(self._keyed("note_ids"))
        self.tracks.observe_deep(self._keyed("track_ids"))
        self.song.observe_deep(self._on_song)
        # patterns and placements: rebuilt whole when they change (a song has few)
        self.patterns.observe_deep(self._keyed("pattern_ids"))
        self.placements.observe_deep(self._keyed("placement_ids"))
        self.transport.observe(self._on_transport)
        self.gone.observe(self._on_gone)
        self._refresh_all()

    # --- change tracking --------------------------------------------------------------
    def _is_local(self, events) -> bool:
        origin = events[0].transaction.origin if events else None
        return origin in (LOCAL, STAMP, LOADED) or origin == self._undo_origin

    def _keyed(self, changed: str):
        """A change observer noting which entries of a keyed root changed."""

        def observe(events) -> None:
            ids = getattr(self._pending, changed)
            for event in events:
                if event.path:
                    ids.add(str(event.path[0]))
                else:
                    ids.update(event.keys)
            self._pending.local |= self._is_local(events)

        return observe

    def _on_song(self, events) -> None:
        self._pending.song = True
        self._pending.local |= self._is_local(events)

    def _on_gone(self, event) -> None:
        # a note's or track's stamp of going may come after the deletion itself
        for key in event.keys:
            if key.startswith(TRACK_KEY):
                self._pending.track_ids.add(key[len(TRACK_KEY) :])
            elif key.startswith(PLACEMENT_KEY):
                self._pending.placement_ids.add(key[len(PLACEMENT_KEY) :])
            elif key.startswith(PATTERN_KEY):
                self._pending.pattern_ids.add(key[len(PATTERN_KEY) :])
            else:
                self._pending.note_ids.add(key)

    def _on_transport(self, _event) -> None:
        self._pending.transport = True

    def take_changes(self) -> Changes:
        """What changed since the last call; the Score is brought up to date first."""
        self._read_in()
        changes, self._unreported = self._unreported, Changes()
        return changes

    def _read_in(self) -> None:
        """Bring the caches up to date, keeping what changed for ``take_changes``: reading
        the Score between an edit and the session's next look must not hide the edit."""
        changes, self._pending = self._pending, Changes()
        if changes:
            self._refresh(changes)
            self._unreported.merge(changes)

    # --- reading: document -> Score ---------------------------------------------------
    def _read_note(self, note_id: str, upto=None) -> NoteEntry | None:
        """A note as the document holds it (``upto``: as it sounds from that stamp on)."""
        value = self.notes.get(note_id)
        if not isinstance(value, Map):
            return None
        data = value.to_py() or {}
        if upto is None:
            self._raw[note_id] = data
        fields = folded(data, upto)
        try:
            track = fields.get("track")
            if not isinstance(track, str):
                raise ScoreError("a note's track is not an id")
            note = Note(
                _int(fields.get("start")),
                _int(fields.get("length")),
                _int(fields.get("key")),
                _int(fields.get("velocity", 100)),
            )
        except (ScoreError, TypeError, ValueError):
            self.rejected += upto is None
            return None
        return NoteEntry(note_id, track, note)

    def _read_track(self, track_id: str, upto=None) -> dict | None:
        """A track's settings and place (``upto``: as they sound from that stamp on)."""
        value = self.tracks.get(track_id)
        if not isinstance(value, Map):
            return None
        data = value.to_py() or {}
        if upto is None:
            self._raw[TRACK_KEY + track_id] = data
        data = folded(data, upto)
        values: dict = {}
        try:
            for name in TRACK_FIELDS:
                if name in data:
                    values[name] = _track_value(name, data[name])
            Track(**values)  # validated the way every track is
            order = data.get("order", 0.0)
            if isinstance(order, bool) or not isinstance(order, (int, float)):
                raise ScoreError("a track's order is not a number")
        except (ScoreError, TypeError, ValueError):
            self.rejected += upto is None
            return None
        return {"fields": values, "order": float(order)}

    def _note_read_in(self, note_id: str, changes: Changes):
        """Read one changed note (or ``track:ID``) again, noting its new writes' stamps."""
        was = self._raw.pop(note_id, None)
        entry: NoteEntry | dict | None
        if note_id.startswith(TRACK_KEY):
            entry = self._read_track(note_id[len(TRACK_KEY) :])
        else:
            entry = self._read_note(note_id)
        stamps = new_stamps(was, self._raw.get(note_id))
        if stamps:
            changes.edit_stamps.setdefault(note_id, set()).update(stamps)
        return entry

    def _raw_read_in(self, key: str, root: Map, changes: Changes) -> None:
        """Keep a pattern's or placement's map as it is now, noting its new writes' stamps
        (and the new ``at`` of an older schema's writer, who changed it in place)."""
        was = self._raw.pop(key, None)
        value = root.get(key.split(":", 1)[1])
        if isinstance(value, Map):
            self._raw[key] = value.to_py() or {}
        now = self._raw.get(key)
        stamps = new_stamps(was, now)
        if was is not None and now is not None and was.get(MADE) != now.get(MADE):
            made = stamp_of(now.get(MADE))
            stamps |= {made} if made is not None else set()
        if stamps:
            changes.edit_stamps.setdefault(key, set()).update(stamps)

    def _song_read_in(self, changes: Changes) -> None:
        """Note the stamps of the song's new writes, by the settings they change."""
        was = self._raw.get(SONG_KEY)
        data = self._raw[SONG_KEY] = self.song.to_py() or {}
        for write in new_writes(was, data):
            for group, names in SONG_FIELDS.items():
                if any(name in write.values for name in names):
                    changes.edit_stamps.setdefault(SONG_KEY + group, set()).add(write.stamp)

    def _refresh_all(self) -> None:
        self._note_cache.clear()
        self._track_cache.clear()
        self._raw.clear()
        self._refresh(
            Changes(
                note_ids=set(self.notes.keys()),
                track_ids=set(self.tracks.keys()),
                pattern_ids=set(self.patterns.keys()),
                placement_ids=set(self.placements.keys()),
                song=True,
            )
        )

    def _refresh(self, changes: Changes) -> None:
        dirty = set(changes.track_ids)
        for note_id in changes.note_ids:
            old = self._note_cache.pop(note_id, None)
            changes.notes_before[note_id] = old
            if old is not None:
                dirty.add(old.track_id)
            entry = self._note_read_in(note_id, changes)
            if entry is not None:
                self._note_cache[note_id] = entry
                dirty.add(entry.track_id)
        for track_id in changes.track_ids:
            changes.tracks_before.setdefault(track_id, self._track_cache.get(track_id))
            data = self._note_read_in(TRACK_KEY + track_id, changes)
            if data is None:
                self._track_cache.pop(track_id, None)
            else:
                self._track_cache[track_id] = data
        if changes.song:
            self._song_read_in(changes)
        for placement_id in changes.placement_ids:
            changes.placements_before.setdefault(
                placement_id, self._placement_cache.get(placement_id)
            )
            self._raw_read_in(PLACEMENT_KEY + placement_id, self.placements, changes)
        for pattern_id in changes.pattern_ids:
            changes.patterns_before[pattern_id] = self._pattern_cache.pop(pattern_id, None)
            key = PATTERN_KEY + pattern_id
            self._raw_read_in(key, self.patterns, changes)
            if key in self._raw:
                try:
                    state = pattern_state(self._raw[key])
                    self._pattern_cache[pattern_id] = read_pattern(pattern_id, state)
                except (ScoreError, TypeError, ValueError, AttributeError):
                    pass  # counted when the Score is built
        for track_id in dirty:
            self._built_tracks.pop(track_id, None)
        self._track_order = sorted(
            self._track_cache, key=lambda t: (self._track_cache[t]["order"], t)
        )
        rebuilt = changes.song or changes.pattern_ids or changes.placement_ids
        if dirty or rebuilt or self._score is None:
            self._score = None

    def _build_track(self, track_id: str) -> Track:
        track = self._built_tracks.get(track_id)
        if track is None:
            notes = [e.note for e in self._note_cache.values() if e.track_id == track_id]
            track = Track(**self._track_cache[track_id]["fields"], notes=tuple(notes))
            self._built_tracks[track_id] = track
        return track

    def score(self) -> Score:
        """The song as it is in the document now (cached until the next change)."""
        if self._pending:
            self._read_in()
        if self._score is None:
            self._score = self._build_score()
        return self._score

    def _build_score(self) -> Score:
        data = folded(self.song.to_py() or {})
        tracks = tuple(self._build_track(t) for t in self._track_order)
        patterns, placements = self._read_patterns()
        try:
            return Score(
                tracks=tracks,
                ppq=_int(data.get("ppq", 480)),
                **song_timing(data),
                title=title if isinstance(title := data.get("title"), str) else "",
                patterns=patterns,
                placements=placements,
                seed=_int(data.get("seed", 0)),
            )
        except (ScoreError, TypeError, ValueError, IndexError, AttributeError):
            self.rejected += 1
            return Score(tracks=tracks)

    def score_with(self, overrides: dict) -> Score:
        """The Score with some notes (by id), patterns (``pattern:ID``) or the song's own
        settings (``song:tempo``, ...) as given instead of as they are (None: absent)."""
        return score_with(self, overrides)

    def track_ids(self) -> list[str]:
        """Track ids in the Score's track order."""
        self.score()
        return list(self._track_order)

    def note_entries(self, track_index: int) -> list[NoteEntry]:
        """The notes of one track with their ids."""
        track_id = self.track_ids()[track_index]
        return [e for e in self._note_cache.values() if e.track_id == track_id]

    def note_entry(self, note_id: str) -> NoteEntry | None:
        self.score()
        return self._note_cache.get(note_id)


def _track_value(name: str, value):
    """A track field read from the document, of the type the model wants (ScoreError if not)."""
    default = getattr(_DEFAULTS, name)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ScoreError(f"track {name} is not true/false")
        return value
    if isinstance(default, int):
        return _int(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ScoreError(f"track {name} is not text")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ScoreError(f"track {name} is not a list")
        return tuple(ControlEvent(_int(t), k, _int(n), _int(v)) for t, k, n, v in value)
    raise ScoreError(f"track {name} cannot be read")
