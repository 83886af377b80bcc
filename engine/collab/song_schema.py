"""The shared song's schema: names, origins, stamps, and the records the document's
readers and writers share (pure, but for pycrdt's types in annotations).

See ``docs/collaboration.md`` for the document's layout.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

from engine.core.errors import ScoreError
from engine.core.pattern import Placement
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoChange, TempoMap, TimeSignature, TimeSignatureMap

if TYPE_CHECKING:
    from pycrdt import Doc, Map

# 2: a note's or track's fields changed after it was made are stamped writes
# 3: so are the song's tempo, meter and loop (a schema-2 song reads the same)
# 4: so are a placement's fields changed after it was made
# 5: and a pattern's settings, lanes and steps
SCHEMA_VERSION = 5
# Every field of a track but its notes, as the model has them (new ones join by themselves)
TRACK_FIELDS = tuple(f.name for f in fields(Track) if f.init and f.name != "notes")
_DEFAULTS = Track()
NOTE_FIELDS = ("track", "start", "length", "key", "velocity")
LOCAL = "pianola-local"  # the origin of this peer's own edits (what its undo tracks)
STAMP = "pianola-stamp"  # the origin of stamps written after an undo (not undoable)
PATTERN_KEY = "pattern:"
PLACEMENT_KEY = "placement:"  # how a pattern's placement in the song is named among stamps
TRACK_KEY = "track:"  # how a track is named among stamps (made, removed, moved, its mix)
SONG_KEY = "song:"  # how the song's own settings are named among stamps: song:tempo, ...
# the song's own settings, each a group of fields of the ``song`` map (``song:GROUP``)
SONG_FIELDS = {
    "tempo": ("tempo",),
    "meter": ("meter",),
    "loop": ("loop_start", "loop_end", "loop_enabled"),
}
TIMING_KEYS = (SONG_KEY + "tempo", SONG_KEY + "loop")  # what moves the timeline
LOADED = "pianola-load"  # the origin of a whole song put in (not undoable: undo never empties it)


def new_id() -> str:
    """A fresh stable id (random: two peers never pick the same one)."""
    return uuid.uuid4().hex[:16]


def whole(value) -> int:
    """An integer from a document number (Yjs keeps numbers as doubles)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ScoreError(f"{value!r} is not a whole number")
    return int(value)


def stamp_of(value) -> tuple[int, int] | None:
    """The (epoch, session tick) an ``at`` value holds, or None when malformed or absent."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    try:
        return whole(value[0]), whole(value[1])
    except ScoreError:
        return None


@dataclass(frozen=True, slots=True)
class NoteEntry:
    """One note of the document: its id, its track's id and the Note."""

    id: str
    track_id: str
    note: Note


@dataclass(frozen=True, slots=True)
class PlacementEntry:
    """One placement of the document with its track's id: the Placement's track index
    holds only in the track order it was read in, and tracks come and go."""

    track_id: str
    placement: Placement


@dataclass(slots=True)
class Changes:
    """What the transactions since the last ``take_changes`` touched."""

    note_ids: set[str] = field(default_factory=set)
    # each changed note's entry before these transactions (None: it was not there)
    notes_before: dict[str, NoteEntry | None] = field(default_factory=dict)
    track_ids: set[str] = field(default_factory=set)
    # each changed track's settings before these transactions (None: it was not there)
    tracks_before: dict[str, dict | None] = field(default_factory=dict)
    pattern_ids: set[str] = field(default_factory=set)
    # each changed pattern before these transactions (None: it was not there)
    patterns_before: dict[str, object] = field(default_factory=dict)
    placement_ids: set[str] = field(default_factory=set)
    placements_before: dict[str, object] = field(default_factory=dict)
    # the stamps of the field writes that arrived, by key (note id, ``track:ID``, ...)
    edit_stamps: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    song: bool = False
    transport: bool = False
    local: bool = False

    def merge(self, later: Changes) -> None:
        """Add what ``later`` touched; a value before both is this one's."""
        for name in ("note_ids", "track_ids", "pattern_ids", "placement_ids"):
            getattr(self, name).update(getattr(later, name))
        for name in ("notes_before", "tracks_before", "patterns_before", "placements_before"):
            mine = getattr(self, name)
            for key, value in getattr(later, name).items():
                mine.setdefault(key, value)
        for key, stamps in later.edit_stamps.items():
            self.edit_stamps.setdefault(key, set()).update(stamps)
        self.song |= later.song
        self.transport |= later.transport
        self.local |= later.local

    def __bool__(self) -> bool:
        return bool(
            self.note_ids
            or self.track_ids
            or self.pattern_ids
            or self.placement_ids
            or self.song
            or self.transport
        )


def song_settings(score: Score) -> dict:
    """What a session stamps of the song itself, by key: tempo map, meter, (loop, on)."""
    return {
        SONG_KEY + "tempo": score.tempo_map,
        SONG_KEY + "meter": score.time_signatures,
        SONG_KEY + "loop": (score.loop, score.loop_enabled),
    }


def with_song_settings(score: Score, settings: dict) -> Score:
    """``score`` with some of the song's own settings (keys of ``song_settings``)."""
    values: dict = {}
    if SONG_KEY + "tempo" in settings:
        values["tempo_map"] = settings[SONG_KEY + "tempo"]
    if SONG_KEY + "meter" in settings:
        values["time_signatures"] = settings[SONG_KEY + "meter"]
    if SONG_KEY + "loop" in settings:
        values["loop"], values["loop_enabled"] = settings[SONG_KEY + "loop"]
    return replace(score, **values)


def song_timing(data: dict) -> dict:
    """The Score's tempo map, meter, loop and loop switch from the song's fields (as
    folded: ``engine.collab.field_log``); ScoreError (or a type error) when malformed."""
    tempos = [TempoChange(whole(float(k)), whole(v)) for k, v in (data.get("tempo") or {}).items()]
    meters = [
        TimeSignature(whole(float(k)), whole(v[0]), whole(v[1]))
        for k, v in (data.get("meter") or {}).items()
    ]
    loop = None
    if data.get("loop_end") is not None:
        loop = LoopRegion(whole(data.get("loop_start", 0)), whole(data["loop_end"]))
    return {
        "tempo_map": TempoMap(tuple(tempos)) if tempos else TempoMap(),
        "time_signatures": TimeSignatureMap(tuple(meters)) if meters else TimeSignatureMap(),
        "loop": loop,
        "loop_enabled": bool(data.get("loop_enabled")) and loop is not None,
    }


class SongMaps:
    """What ``SongDoc.__init__`` makes and every part mixed into it reads: the document,
    its maps and the track caches, declared once for those parts."""

    doc: Doc
    song: Map
    tracks: Map
    notes: Map
    gone: Map  # a deleted entry's key -> its stamp
    patterns: Map
    placements: Map
    transport: Map
    _track_cache: dict[str, dict]
    _track_order: list[str]

    def score(self) -> Score:  # SongDoc's: the song as the document holds it now
        raise NotImplementedError
