"""The song as it sounds at one stamp of a session: the document's Score with some
notes, patterns or the song's own settings as they were or will be there (runs on the
thread that owns the document; called through ``SongDoc.score_with``).
"""

from __future__ import annotations

from dataclasses import replace

from engine.collab.song_schema import (
    PATTERN_KEY,
    PLACEMENT_KEY,
    SONG_KEY,
    TRACK_KEY,
    with_song_settings,
)
from engine.core.score import Score


def score_with(song, overrides: dict) -> Score:
    """The Score with some notes (by id), patterns (by ``pattern:ID``) and the song's own
    settings (``song:tempo``, ``song:meter``, ``song:loop``) and tracks' settings
    (``track:ID``: mix, program, mute; their notes stay) and placements
    (``placement:ID``) as given instead of as they are
    (None: absent)."""
    base = song.score()
    if not overrides:
        return base
    mixes = {k[len(TRACK_KEY) :]: v for k, v in overrides.items() if k.startswith(TRACK_KEY)}
    overrides = {k: v for k, v in overrides.items() if not k.startswith(TRACK_KEY)}
    settings = {k: v for k, v in overrides.items() if k.startswith(SONG_KEY)}
    if settings:
        overrides = {k: v for k, v in overrides.items() if not k.startswith(SONG_KEY)}
        base = with_song_settings(base, settings)
    placed = {
        k[len(PLACEMENT_KEY) :]: v for k, v in overrides.items() if k.startswith(PLACEMENT_KEY)
    }
    if placed:
        overrides = {k: v for k, v in overrides.items() if not k.startswith(PLACEMENT_KEY)}
        base = _with_placements(base, placed)
    pattern_overrides = {
        k[len(PATTERN_KEY) :]: v for k, v in overrides.items() if k.startswith(PATTERN_KEY)
    }
    if pattern_overrides:
        overrides = {k: v for k, v in overrides.items() if not k.startswith(PATTERN_KEY)}
        base = _with_patterns(base, pattern_overrides)
    dirty = set()
    for note_id, entry in overrides.items():
        current = song._note_cache.get(note_id)
        if current is not None:
            dirty.add(current.track_id)
        if entry is not None:
            dirty.add(entry.track_id)
    tracks = []
    for track_id in song._track_order:
        track = song._build_track(track_id)
        if mixes.get(track_id) is not None:  # its settings as at the stamp (notes as they are)
            track = replace(track, **mixes[track_id]["fields"])
        if track_id in dirty:
            notes = [
                e.note
                for i, e in song._note_cache.items()
                if e.track_id == track_id and i not in overrides
            ]
            notes += [e.note for e in overrides.values() if e and e.track_id == track_id]
            track = replace(track, notes=tuple(notes))
        tracks.append(track)
    return replace(base, tracks=tuple(tracks))


def _with_patterns(score: Score, overrides: dict) -> Score:
    """``score`` with some patterns replaced, added back, or removed (None) together with
    the placements of removed ones."""
    patterns = [overrides.get(p.id, p) for p in score.patterns]
    have = {p.id for p in score.patterns}
    patterns += [v for k, v in overrides.items() if k not in have and v is not None]
    kept = [p for p in patterns if p is not None]
    ids = {p.id for p in kept}
    placements = tuple(p for p in score.placements if p.pattern_id in ids)
    return replace(score, patterns=tuple(kept), placements=placements)


def _with_placements(score: Score, overrides: dict) -> Score:
    """``score`` with some placements (by id) as given: moved, put back, or left out (None)."""
    placements = [overrides.get(p.id, p) for p in score.placements]
    have = {p.id for p in score.placements}
    placements += [v for k, v in overrides.items() if k not in have and v is not None]
    kept = tuple(p for p in placements if p is not None and p.track < len(score.tracks))
    return replace(score, placements=kept)
