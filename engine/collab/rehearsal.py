"""Random edits at a steady pace, from a seed: how a session is exercised in tests and
benchmarks (runs on the session's owner thread, called from its loop).

Each peer edits its own track (``track_index``), so the edits of different peers touch
different notes; what they add, move, re-velocity, delete or undo follows the seed only.
With ``song_edits`` one edit in five changes the song's tempo, its loop, or the mix of
the peer's track instead.
"""

from __future__ import annotations

import random
from dataclasses import replace

from engine.core import edits
from engine.core.score import LoopRegion, Note
from engine.core.timing import TempoMap


class Rehearsal:
    def __init__(
        self, seed: int, track_index: int, every_s: float = 1.0, *, song_edits: bool = False
    ):
        self.rng = random.Random(seed)
        self.song_edits = song_edits
        self.song_made = 0  # of ``made``: tempo and loop edits
        self.track_index = track_index
        self.every_s = every_s
        self.next_s: float | None = None
        self.made = 0

    def due(self, now_s: float) -> bool:
        if self.next_s is None:
            self.next_s = now_s + self.every_s
        if now_s < self.next_s:
            return False
        self.next_s += self.every_s
        return True

    def edit(self, peer) -> None:
        """Make one edit through ``peer`` (an ``engine.collab.peer.Peer``)."""
        score = peer.song.score()
        if self.track_index >= len(score.tracks):
            return
        rng = self.rng
        notes = score.tracks[self.track_index].notes
        bar = score.ppq * 4
        end = score.loop.end_tick if score.loop is not None else 4 * bar
        choice = rng.randrange(10)
        self.made += 1
        if self.song_edits and rng.random() < 0.2:
            self.song_made += 1
            peer.edit(_song_edit(score, rng, self.track_index))
            return
        if choice < 4 or not notes:
            start = rng.randrange(0, end, score.ppq // 4)
            note = Note(
                start, rng.choice((60, 120, 240)), rng.randrange(48, 84), rng.randrange(40, 128)
            )
            peer.edit(edits.add_notes(score, self.track_index, [note])[0])
        elif choice < 6:
            note = rng.choice(notes)
            delta = rng.choice((-120, 120, 240))
            if note.start_tick + delta < 0 or note.end_tick + delta > end:
                delta = 0
            peer.edit(
                edits.move_notes(score, self.track_index, [note], delta, rng.choice((-1, 1)))[0]
            )
        elif choice < 8:
            note = rng.choice(notes)
            peer.edit(edits.set_velocity(score, self.track_index, [note], rng.randrange(1, 128))[0])
        elif choice < 9:
            peer.edit(edits.delete_notes(score, self.track_index, [rng.choice(notes)])[0])
        else:
            peer.undo()


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
