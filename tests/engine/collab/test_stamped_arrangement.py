"""Two peers and a real session server on loopback: tracks made, removed or moved and
pattern placements changed while the session plays reach every peer's engine as one
score taking over on the editor's stamp, never at once on arrival."""

from __future__ import annotations

from engine.collab.connection import create_room
from engine.collab.peer import Peer
from engine.core import edits, pattern_edits
from engine.core.pattern import Lane, Pattern, Placement
from engine.core.protocol import commands as cmd
from engine.core.score import LoopRegion, Note, Score, Track
from tests.engine.collab.conftest import wait_until

AHEAD_MS = 300
TIMEOUT_S = 40.0  # generous: the machine may be busy; nothing here is timed


def _song() -> Score:
    beat = Pattern("beat", "Beat", lanes=(Lane("kick", 36),))
    return Score(
        tracks=(
            Track("Drums", channel=9, is_drum=True),
            Track("Bass", program=33, notes=(Note(0, 240, 40), Note(960, 240, 43))),
        ),
        loop=LoopRegion(0, 3840),
        loop_enabled=True,
        patterns=(beat,),
        placements=(Placement("p1", "beat", 0, 0), Placement("p2", "beat", 1, 1920)),
    )


class _Pair:
    """Two peers of one room, every engine command each one sends kept in order."""

    def __init__(self, url: str):
        link = create_room(url, timeout_s=60.0)
        self.a = Peer(link, "Ann", score=_song(), forced_ahead_ms=AHEAD_MS)
        self.b = Peer(link, "Ben", forced_ahead_ms=AHEAD_MS)
        self.sent: dict[str, list] = {"a": [], "b": []}

    def pump(self) -> None:
        self.sent["a"].extend(self.a.pump())
        self.sent["b"].extend(self.b.pump())

    def playing(self) -> None:
        assert wait_until(lambda: self.b.song.score() == _song(), TIMEOUT_S, self.pump)
        self.a.play(0)
        assert wait_until(
            lambda: self.a.transport.playing and self.b.transport.playing, TIMEOUT_S, self.pump
        )
        # the music has begun: an edit is stamped inside it, not on the start
        start_ns = self.a.transport.at_ns
        assert wait_until(lambda: self.a.server_now_ns() > start_ns, TIMEOUT_S, self.pump)
        self.sent = {"a": [], "b": []}

    def edit(self, peer: Peer, score: Score) -> tuple[int, int]:
        """``peer`` makes an edit; both peers have it; returns its stamp."""
        peer.edit(score)
        stamp = peer.last_stamp
        assert stamp is not None and stamp[0] == peer.transport.epoch and stamp[1] > 0
        assert wait_until(lambda: self.a.song.score() == self.b.song.score(), TIMEOUT_S, self.pump)
        return stamp

    def version_at(self, name: str, stamp: tuple[int, int]) -> Score:
        """The last score ``name``'s engine was told to take over at the stamp's tick."""
        peer = self.a if name == "a" else self.b
        assert peer.timeline is not None

        def versions():
            return [
                c.score
                for c in self.sent[name]
                if isinstance(c, cmd.ReplaceScoreAtCommand)
                and peer.timeline.session_tick(c.pass_index + peer.pass_offset, c.tick) == stamp[1]
            ]

        assert wait_until(lambda: bool(versions()), TIMEOUT_S, self.pump), self.sent[name]
        return versions()[-1]

    def at_once(self, name: str) -> list[Score]:
        """The scores ``name``'s engine was told to play at once (not on a stamp)."""
        return [c.score for c in self.sent[name] if isinstance(c, cmd.ReplaceScoreCommand)]

    def leave(self) -> None:
        self.a.leave()
        self.b.leave()


def _names(score: Score) -> list[str]:
    return [t.name for t in score.tracks]


def test_a_track_made_while_playing_takes_over_on_its_stamp_on_both_peers(server):
    pair = _Pair(server.url)
    try:
        pair.playing()
        lead = Track("Lead", program=81, notes=(Note(480, 240, 72),))
        stamp = pair.edit(pair.a, edits.add_track(pair.a.song.score(), lead, 0))
        for name in ("a", "b"):
            version = pair.version_at(name, stamp)
            assert _names(version) == ["Lead", "Drums", "Bass"]
            assert version.tracks[0].notes == lead.notes
            # the placements stay on their tracks, now one place further down
            assert {p.id: p.track for p in version.placements} == {"p1": 1, "p2": 2}
            # until the stamp the engine plays the song without it
            assert all("Lead" not in _names(s) for s in pair.at_once(name))
        assert pair.version_at("a", stamp) == pair.version_at("b", stamp)
    finally:
        pair.leave()


def test_a_track_removed_and_a_placement_moved_take_over_on_their_stamps(server):
    pair = _Pair(server.url)
    try:
        pair.playing()
        # the second peer moves a placement, then the first removes the drum track
        moved = pattern_edits.move_placement(pair.b.song.score(), "p2", start_tick=0)
        placed = pair.edit(pair.b, moved)
        removed = pair.edit(pair.a, edits.remove_track(pair.a.song.score(), 0))
        for name in ("a", "b"):
            at_placed = pair.version_at(name, placed)
            assert {p.id: p.start_tick for p in at_placed.placements}["p2"] == 0
            if placed[1] < removed[1]:  # the drums still play between the two stamps
                assert _names(at_placed) == ["Drums", "Bass"]
            at_removed = pair.version_at(name, removed)
            assert _names(at_removed) == ["Bass"]
            assert at_removed.tracks[0].notes == _song().tracks[1].notes
            # the drums' placement went with them; the bass's is on the bass, moved if
            # its stamp came first (the edit came first: it does unless clocks disagree)
            start = 0 if placed[1] <= removed[1] else 1920
            assert [(p.id, p.track, p.start_tick) for p in at_removed.placements] == [
                ("p2", 0, start)
            ]
            assert all(_names(s) == ["Drums", "Bass"] for s in pair.at_once(name))
        assert pair.version_at("a", removed) == pair.version_at("b", removed)
    finally:
        pair.leave()
