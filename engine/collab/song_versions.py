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
from engine.core.score import Score, Track


def score_with(song, overrides: dict) -> Score:
    """The Score with some notes (by id), patterns (``pattern:ID``), placements
    (``placement:ID``, a ``PlacementEntry``), tracks (``track:ID``: their settings and
    place; a track made or removed is absent or back, with its notes as overridden) and
    the song's own settings (``song:tempo``, ...) as given instead of as they are (None:
    absent)."""
    base = song.score()
    if not overrides:
        return base
    groups: dict[str, dict] = {TRACK_KEY: {}, SONG_KEY: {}, PLACEMENT_KEY: {}, PATTERN_KEY: {}}
    notes = {}
    for key, value in overrides.items():
        prefix = next((p for p in groups if key.startswith(p)), None)
        if prefix is None:
            notes[key] = value
        else:
            groups[prefix][key[len(prefix) :]] = value
    if groups[SONG_KEY]:
        base = with_song_settings(base, {SONG_KEY + k: v for k, v in groups[SONG_KEY].items()})
    order = _track_order(song, groups[TRACK_KEY])
    tracks = tuple(_track(song, track_id, data, notes) for track_id, data in order)
    index = {track_id: i for i, (track_id, _) in enumerate(order)}
    placements = []
    for placement_id, entry in song._placement_cache.items():
        entry = groups[PLACEMENT_KEY].get(placement_id, entry)
        if entry is not None and entry.track_id in index:
            placements.append(replace(entry.placement, track=index[entry.track_id]))
    for placement_id, entry in groups[PLACEMENT_KEY].items():
        if placement_id not in song._placement_cache and entry is not None:
            if entry.track_id in index:
                placements.append(replace(entry.placement, track=index[entry.track_id]))
    base = replace(base, tracks=tracks, placements=tuple(placements))
    if groups[PATTERN_KEY]:
        base = _with_patterns(base, groups[PATTERN_KEY])
    return base


def _track_order(song, tracks: dict) -> list[tuple[str, dict]]:
    """(track id, its data) in the order of the song with ``tracks`` overridden."""
    data = dict(song._track_cache)
    for track_id, value in tracks.items():
        if value is None:
            data.pop(track_id, None)
        elif track_id in data:
            data[track_id] = {"order": data[track_id]["order"], **value}
        else:
            data[track_id] = {"order": 0.0, **value}
    return sorted(data.items(), key=lambda item: (item[1]["order"], item[0]))


def _track(song, track_id: str, data: dict, notes: dict) -> Track:
    """One track of the overridden song: its settings from ``data``, its notes as they
    are but for the ``notes`` overrides (note id -> entry or None) on it."""
    if track_id in song._track_cache:
        track = song._build_track(track_id)
        if data is not song._track_cache[track_id]:
            track = replace(track, **data["fields"])  # its settings as at the stamp
    else:
        track = Track(**data["fields"])  # removed after the stamp: back, with its notes
    cache = song._note_cache
    if (
        not any(
            (e is not None and e.track_id == track_id)
            or (i in cache and cache[i].track_id == track_id)
            for i, e in notes.items()
        )
        and track_id in song._track_cache
    ):
        return track
    kept = [e.note for i, e in cache.items() if e.track_id == track_id and i not in notes]
    kept += [e.note for e in notes.values() if e is not None and e.track_id == track_id]
    return replace(track, notes=tuple(kept))


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
