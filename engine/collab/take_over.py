"""Where a changed note, track, pattern, placement or song setting takes over on this
peer's engine, put into its ``Coherence`` (runs on the session's owner thread, called
by ``engine.collab.peer.Peer`` for each change of the song while the session plays).

A note's, track's, pattern's, placement's or song setting's fields are stamped writes
(``engine.collab.field_log``): every write that arrives takes over at its own stamp with
the fold of the writes up to there, and what holds at later pending stamps is read
again, so two writes of one field heard in either order leave the same take-overs.
"""

from __future__ import annotations

from engine.collab.coherence import Coherence
from engine.collab.song_schema import SONG_KEY, Changes


def tick_of(stamp, epoch: int) -> int:
    """The session tick of a stamp; unstamped or of another run of the transport: 0 (due
    at once)."""
    return stamp[1] if stamp is not None and stamp[0] == epoch else 0


def take_over(
    song, coherence: Coherence, key: str, before, changes: Changes, epoch: int, now: int
) -> list[int]:
    """Put what changed of ``key`` (``before``: its value before these changes) into
    ``coherence``; the session ticks where it takes over, in order (none: nothing to tell
    the engine).  ``now``: the session tick playing now."""
    ticks = _ticks(song, coherence, key, before, changes, epoch, now)
    for u in ticks:
        coherence.add(key, before, u, song.entry_at(key, (epoch, u)))
    if ticks:
        coherence.restate_from(key, ticks[0], lambda u: song.entry_at(key, (epoch, u)))
    return ticks


def _ticks(song, coherence, key, before, changes, epoch, now) -> list[int]:
    if key.startswith(SONG_KEY) and not changes.edit_stamps.get(key):
        # a song setting changed with no write of it: a schema-2 writer's value and stamp
        return [tick_of(song.stamp(key), epoch)]
    entry = song.entry(key)
    written = [tick_of(s, epoch) for s in changes.edit_stamps.get(key, ())]
    if key in coherence.held:  # gone, its stamp awaited
        if entry is None and song.made_stamp(key) is None:
            return []
        coherence.held.discard(key)
        return [tick_of(song.made_stamp(key), epoch)]
    if before is not None and entry is None and song.made_stamp(key) is None:
        # a deletion overtook the stamp that says where it sounds (one writer's
        # messages reordered on the way: Yjs applies a deletion of what is here at once,
        # and holds what came after a missing message): heard as before until it comes
        coherence.hold(key, before)
        return []
    if (before is None) != (entry is None):
        # made, removed or brought back by an undo: from its stamp on, with the writes
        # up to there (a track brought back brings its notes' old writes: they are its
        # state, not changes late for their ticks)
        made = tick_of(song.made_stamp(key), epoch)
        return sorted({made} | {u for u in written if u > max(made, now)})
    ticks = {u for u in written if u > now}
    late = [u for u in written if u <= now]
    if late or (not ticks and before != entry):
        # a write for a tick already played, or a change without one, matters only if it
        # changes what holds from now on (an undo bringing back an old write, or a
        # settled write pruned, does not)
        told = coherence.value_at(key, now) if key in coherence.pending else before
        if song.entry_at(key, (epoch, now)) != told:
            ticks.add(min(late, default=0))
    return sorted(ticks)
