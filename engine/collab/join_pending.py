"""What a peer joining a running transport must hear change after its first step: the
writes stamped later than where it starts (pure bookkeeping over the shared song, called
on the session's owner thread by ``engine.collab.peer.Peer``).

The document already holds those writes (an edit is made a schedule-ahead before its
stamp), so the song as the document has it is the song *after* them.  A joiner that
started its engine with it would play each such change early, where the others still
play the value before it.  So it starts with every note, track and song setting as it
sounds at its first step, and takes each write over at its own stamp, as the peers that
were there do.  A note or track deleted later keeps no value from before, nor does a
pattern or placement made later say so in a way every schema shares: those the joiner
plays as they are now.
"""

from __future__ import annotations

from engine.collab.coherence import Coherence
from engine.collab.field_log import MADE, writes_of
from engine.collab.song_schema import (
    PATTERN_KEY,
    PLACEMENT_KEY,
    SONG_FIELDS,
    SONG_KEY,
    TRACK_KEY,
    stamp_of,
)


def _ahead(stamps, epoch: int, after: int) -> list[int]:
    return sorted({s[1] for s in stamps if s is not None and s[0] == epoch and s[1] > after})


def pending_after(song, epoch: int, after: int) -> dict[str, list[int]]:
    """The session ticks after ``after`` of run ``epoch`` at which each note (by id),
    track (``track:ID``), pattern, placement or song setting (``song:tempo``, ...) of
    ``song`` (a SongDoc) changes: its writes', and a note's or track's making."""
    found: dict[str, list[int]] = {}
    roots = (
        ("", song.notes, True),
        (TRACK_KEY, song.tracks, True),
        (PATTERN_KEY, song.patterns, False),
        (PLACEMENT_KEY, song.placements, False),
    )
    for prefix, root, made in roots:
        for entry_id, value in (root.to_py() or {}).items():
            if isinstance(value, dict):
                stamps: list = [w.stamp for w in writes_of(value)]
                stamps += [stamp_of(value.get(MADE))] if made else []
                if ticks := _ahead(stamps, epoch, after):
                    found[prefix + entry_id] = ticks
    writes = writes_of(song.song.to_py() or {})
    for group, names in SONG_FIELDS.items():
        stamps = [w.stamp for w in writes if any(name in w.values for name in names)]
        if ticks := _ahead(stamps, epoch, after):
            found[SONG_KEY + group] = ticks
    return found


def hold_pending(song, coherence: Coherence, epoch: int, first: int) -> dict[str, list[int]]:
    """Put into ``coherence`` every change of ``song`` stamped after session tick
    ``first`` (where the joiner starts), each key as it sounds there before; what was
    put in."""
    pending = pending_after(song, epoch, first)
    for key, ticks in pending.items():
        made = stamp_of((song.written_map(key) or {}).get(MADE))
        made_later = made is not None and made[0] == epoch and made[1] > first
        before = None if made_later else song.entry_at(key, (epoch, first))
        for u in ticks:
            coherence.add(key, before, u, song.entry_at(key, (epoch, u)))
    return pending
