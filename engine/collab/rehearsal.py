"""Random edits at a steady pace, from a seed: how a session is exercised in tests and
benchmarks (runs on the session's owner thread, called from its loop).

Each peer edits its own track (the one at ``track_index`` when it first edits, followed
by its id wherever it moves), so the edits of different peers touch different notes;
what they add, move, re-velocity, delete or undo follows the seed only.  With
``song_edits`` one edit in five changes the song's tempo, its loop, or the mix of the
peer's track instead.  With ``track_edits`` one edit in four is about tracks: a track of
the peer's own made (with a few notes) or removed again, its own track or a made one
moved a place up or down, or its own track's instrument, volume, pan or mute changed.
With ``contend`` every peer edits the same things at the same moments instead: on each
whole second of the session's shared clock, the first track's volume, its first note's
velocity or the song's tempo (and, in a song with pattern placements, one step of the
first pattern or the first placement's start), each peer to a value of its own.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

from engine.core import edits, pattern_edits
from engine.core.errors import ScoreError
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap

MADE_TRACKS_MAX = 2  # tracks of its own a peer keeps at once (a channel each)


class Rehearsal:
    def __init__(
        self,
        seed: int,
        track_index: int,
        every_s: float = 1.0,
        *,
        song_edits: bool = False,
        track_edits: bool = False,
        contend: bool = False,
    ):
        self.rng = random.Random(seed)
        self.song_edits = song_edits
        self.track_edits = track_edits
        self.contend = contend
        self.song_made = 0  # of ``made``: tempo and loop edits
        self.tracks_made = 0  # of ``made``: tracks made, removed, moved or re-mixed
        self.track_index = track_index
        self.every_s = every_s
        self.next_s: float | None = None
        self.made = 0
        self.own_id: str | None = None  # the id of the track this peer edits
        self.made_ids: list[str] = []  # tracks this peer made and has not removed

    def due(self, now_s: float) -> bool:
        """Whether an edit is due at ``now_s`` (with ``contend``: the session's clock)."""
        if self.next_s is None:
            self.next_s = float(math.ceil(now_s)) if self.contend else now_s + self.every_s
        if now_s < self.next_s:
            return False
        self.next_s += self.every_s
        return True

    def _own_index(self, peer) -> int | None:
        ids = peer.song.track_ids()
        if self.own_id is None and self.track_index < len(ids):
            self.own_id = ids[self.track_index]
        return ids.index(self.own_id) if self.own_id in ids else None

    def edit(self, peer) -> None:
        """Make one edit through ``peer`` (an ``engine.collab.peer.Peer``)."""
        score = peer.song.score()
        if self.contend:
            self._contended(peer, score)
            return
        index = self._own_index(peer)
        if index is None:
            return
        rng = self.rng
        notes = score.tracks[index].notes
        end = score.loop.end_tick if score.loop is not None else 4 * score.ppq * 4
        choice = rng.randrange(10)
        self.made += 1
        if self.song_edits and rng.random() < 0.2:
            self.song_made += 1
            peer.edit(_song_edit(score, rng, index))
            return
        if self.track_edits and rng.random() < 0.25:
            self.tracks_made += 1
            self._track_edit(peer, score, index)
            return
        if choice < 4 or not notes:
            start = rng.randrange(0, end, score.ppq // 4)
            note = Note(
                start, rng.choice((60, 120, 240)), rng.randrange(48, 84), rng.randrange(40, 128)
            )
            peer.edit(edits.add_notes(score, index, [note])[0])
        elif choice < 6:
            note = rng.choice(notes)
            delta = rng.choice((-120, 120, 240))
            if note.start_tick + delta < 0 or note.end_tick + delta > end:
                delta = 0
            peer.edit(edits.move_notes(score, index, [note], delta, rng.choice((-1, 1)))[0])
        elif choice < 8:
            note = rng.choice(notes)
            peer.edit(edits.set_velocity(score, index, [note], rng.randrange(1, 128))[0])
        elif choice < 9:
            peer.edit(edits.delete_notes(score, index, [rng.choice(notes)])[0])
        else:
            peer.undo()

    def _contended(self, peer, score: Score) -> None:
        """The first track's volume, its first note's velocity or the song's tempo, or a
        step or placement (one per second, in turn by the second, so every peer picks
        the same one)."""
        if not score.tracks:
            return
        self.made += 1
        value = self.rng.randrange(1, 128)
        notes = sorted(score.tracks[0].notes)
        second = int(self.next_s or 0)
        turn = second % (5 if score.placements else 3)
        if turn >= 3:
            self._contended_pattern(peer, score, turn == 3, second, value)
            return
        if turn == 2:
            self.song_made += 1
            bpm = float(self.rng.randrange(90, 151))
            peer.edit(replace(score, tempo_map=TempoMap.constant(bpm)))
        elif turn == 1 and notes:
            peer.edit(edits.set_velocity(score, 0, notes[:1], value)[0])
        else:
            peer.edit(edits.update_track(score, 0, volume=value))

    def _contended_pattern(self, peer, score: Score, step: bool, second: int, value: int):
        """The same step of the first placement's pattern (by the second), each peer its
        own velocity; or that placement moved to the first or the second bar."""
        placement = score.placements[0]
        pattern = score.pattern(placement.pattern_id)
        try:
            if step and pattern.lanes:
                lane = pattern.lanes[0]
                index = second % lane.length_steps
                changes = {"on": True, "velocity": value}
                peer.edit(pattern_edits.set_step(score, pattern.id, lane.id, index, **changes))
            elif not step:
                start = (value % 2) * 4 * score.ppq
                peer.edit(pattern_edits.move_placement(score, placement.id, start_tick=start))
        except ScoreError:
            pass  # another placement is in the way: no edit this second

    def _track_edit(self, peer, score: Score, own: int) -> None:
        """A track made or removed, moved a place, or the own track's mix changed."""
        rng = self.rng
        ids = peer.song.track_ids()
        self.made_ids = [t for t in self.made_ids if t in ids]  # an undo may take one away
        kind = rng.randrange(4)
        if kind == 0 and len(self.made_ids) < MADE_TRACKS_MAX:
            span = score.loop.end_tick if score.loop is not None else score.ppq * 16
            notes = tuple(
                Note(rng.randrange(0, span, score.ppq // 4), 120, rng.randrange(36, 96), 90)
                for _ in range(3)
            )
            track = Track(f"made {len(ids)}", program=rng.randrange(0, 128), notes=notes)
            peer.edit(edits.add_track(score, track, rng.randrange(0, len(ids) + 1)))
            self.made_ids += [t for t in peer.song.track_ids() if t not in ids]
        elif kind == 1 and self.made_ids:
            gone = self.made_ids.pop(rng.randrange(len(self.made_ids)))
            peer.edit(edits.remove_track(score, ids.index(gone)))
        elif kind == 2 and len(ids) > 1:
            moved = ids.index(rng.choice([self.own_id, *self.made_ids]))
            to = moved + rng.choice((-1, 1))
            to = to if 0 <= to < len(ids) else moved - (to - moved)
            peer.edit(edits.move_track(score, moved, to))
        else:
            setting = rng.choice(("program", "volume", "pan", "mute"))
            value = not score.tracks[own].mute if setting == "mute" else rng.randrange(0, 128)
            peer.edit(edits.update_track(score, own, **{setting: value}))


def _song_edit(score, rng, track_index: int):
    """Another tempo (90 to 150 BPM), a loop of one or two bars, or this peer's track
    muted or heard again at another volume."""
    kind = rng.randrange(3)
    if kind == 0 and track_index < len(score.tracks):
        track = score.tracks[track_index]
        changed = replace(track, mute=not track.mute, volume=rng.randrange(40, 128))
        tracks = score.tracks[:track_index] + (changed,) + score.tracks[track_index + 1 :]
        return replace(score, tracks=tracks)
    if kind == 1 or score.loop is None:
        return replace(score, tempo_map=TempoMap.constant(float(rng.randrange(90, 151))))
    bar = score.ppq * 4
    bars = 1 if score.loop.end_tick > bar else 2
    return replace(score, loop=LoopRegion(0, bars * bar), loop_enabled=True)
