"""What a peer's engine is told when the shared song changes while the session plays:
each change's take-over at its stamp, the tempo or loop changing on the shared timeline,
the scores sent again from the first stamp that changed (runs on the session's owner
thread; a mixin of ``engine.collab.peer.Peer``).
"""

from __future__ import annotations

from engine.collab.coherence import Coherence
from engine.collab.song_doc import PATTERN_KEY, Changes, SongDoc
from engine.collab.song_schema import (
    PLACEMENT_KEY,
    TIMING_KEYS,
    TRACK_KEY,
    song_settings,
    with_song_settings,
)
from engine.collab.take_over import take_over
from engine.collab.transport import SessionTimeline, TransportState
from engine.core.protocol import commands as cmd


class SongFollowing:
    """The song-change half of ``Peer`` (it holds the song, transport and bookkeeping)."""

    # made by Peer.__init__
    song: SongDoc
    coherence: Coherence
    transport: TransportState
    timeline: SessionTimeline | None
    pass_offset: int
    incoherent: int
    notices: list[str]
    _commands: list
    _version: int
    _asked: dict[int, int]
    _song_now: dict
    _timeline_stamps: set[int]

    def session_tick_now(self) -> int:  # Peer's
        raise NotImplementedError

    def _on_transport(self, force: bool = False) -> None:  # Peer's
        raise NotImplementedError

    def _rejoin(self) -> None:  # Peer's
        raise NotImplementedError

    def _on_song(self, changes: Changes) -> None:
        if not self.transport.playing or self.timeline is None:
            self.coherence.clear()
            self._commands.append(cmd.ReplaceScoreCommand(self.song.score()))
            return
        first = None
        keys: list[tuple[str, object]] = [
            (i, changes.notes_before.get(i)) for i in changes.note_ids
        ]
        keys += [(PATTERN_KEY + i, changes.patterns_before.get(i)) for i in changes.pattern_ids]
        keys += [
            (PLACEMENT_KEY + i, changes.placements_before.get(i)) for i in changes.placement_ids
        ]
        # a track made, removed or moved, or its mix changed: each engine's tracks
        # change places on the stamp's tick, as one score, the same on every peer
        keys += [(TRACK_KEY + i, changes.tracks_before.get(i)) for i in sorted(changes.track_ids)]
        if changes.song:
            settings = song_settings(self.song.score())
            # changed, or written (a write stamped before one already here changes
            # what plays from its stamp, not the song as it ends)
            keys += [
                (k, self._song_now[k])
                for k in settings
                if settings[k] != self._song_now[k] or changes.edit_stamps.get(k)
            ]
            self._song_now = settings
        retime_from = None
        now = self.session_tick_now()
        epoch = self.transport.epoch
        for key, before in keys:
            ticks = take_over(self.song, self.coherence, key, before, changes, epoch, now)
            if not ticks:
                continue
            u = ticks[0]
            first = u if first is None else min(first, u)
            if key in TIMING_KEYS:
                if u == 0:
                    # made while stopped, before this transport (messages overtake each
                    # other): start again in phase with what the song now says
                    self._on_transport(force=True)
                    return
                retime_from = u if retime_from is None else min(retime_from, u)
        if retime_from is not None:
            self._retime_from(self.timeline, retime_from)
            if retime_from <= self.session_tick_now():  # too late for its place here
                self.incoherent += 1
                self.notices.append(
                    "a tempo or loop change came too late: this peer starts again in phase"
                )
                self._rejoin()
                return
        if first is not None:
            self._send_versions_from(self.timeline, first)

    def _retime_from(self, timeline: SessionTimeline, u: int) -> None:
        """The song's tempo or loop changes at session tick ``u`` (and at every later
        pending stamp of the song's settings): the playing ``timeline`` gets a new
        stretch there."""
        stamps = sorted(
            {s for key in TIMING_KEYS for s, _ in self.coherence.pending.get(key, ()) if s >= u}
        )
        for stamp in stamps:
            settings = {
                key: self.coherence.value_at(key, stamp)
                for key in TIMING_KEYS
                if key in self.coherence.pending
            }
            timeline = timeline.changed_at(stamp, with_song_settings(timeline.score, settings))
            self._timeline_stamps.add(stamp)
        self.timeline = timeline

    def _send_versions_from(self, timeline: SessionTimeline, first: int) -> None:
        for u in self.coherence.stamps_from(first):
            score = self.song.score_with(self.coherence.overrides_at(u, self.song.entry))
            pass_index, tick = timeline.take_over_place(u)
            self._version += 1
            self._asked[self._version] = u
            self._commands.append(
                cmd.ReplaceScoreAtCommand(
                    score,
                    max(0, pass_index - self.pass_offset),
                    tick,
                    self._version,
                    # a tempo or loop change moves what comes after it: sent again below
                    withdraw_later=u in self._timeline_stamps,
                )
            )
