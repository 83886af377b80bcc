"""Shared moments while the session plays: a locate starts every peer's engine from the
new place at one moment of the shared clock, not on the locate's arrival; an edit is
stamped on the first step at least one schedule-ahead on (a real server; peers in this
process, one of them half a second away behind a delaying proxy)."""

from __future__ import annotations

import time

from engine.collab.connection import SessionLink, create_room
from engine.collab.peer import Peer
from engine.core.protocol import commands as cmd
from engine.core.score import LoopRegion, Note, Score, Track
from engine.measure.delay_proxy import DelayProxy
from tests.engine.collab.conftest import wait_until

ONE_WAY_S = 0.5
AHEAD_MS = 4000  # far more than the trip, however busy the machine: no peer is late


def _song() -> Score:
    notes = tuple(Note(i * 480, 240, 60 + i) for i in range(8))
    return Score(tracks=(Track("Piano", notes=notes),), loop=LoopRegion(0, 3840), loop_enabled=True)


def test_a_locate_while_playing_starts_every_peer_there_at_one_shared_moment(server):
    room = create_room(server.url, timeout_s=60.0)
    proxy = DelayProxy(server.port, ONE_WAY_S, 0.0, seed=2).start()
    far = SessionLink.parse(room.url.replace(f":{server.port}/", f":{proxy.port}/"))
    a = Peer(room, "Ann", score=_song(), forced_ahead_ms=AHEAD_MS)
    b = Peer(far, "Ben", forced_ahead_ms=AHEAD_MS)
    told: dict[str, list] = {"a": [], "b": []}  # (when pumped, engine command)

    def pump() -> None:
        now = time.monotonic_ns()
        told["a"].extend((now, c) for c in a.pump())
        told["b"].extend((time.monotonic_ns(), c) for c in b.pump())

    def starts(key: str) -> list:
        return [(t, c) for t, c in told[key] if isinstance(c, cmd.PlayAtCommand)]

    try:
        assert wait_until(lambda: b.song.score() == _song() and b.clock is not None, 60, pump)
        a.play(0)
        assert wait_until(lambda: starts("a") and starts("b"), 60, pump)
        told["a"].clear()
        told["b"].clear()
        a.locate(1440)
        assert wait_until(lambda: starts("a") and starts("b"), 60, pump)
        state = a.transport
        assert state.playing and state.tick == 1440 and state.epoch == 2
        assert b.transport == state  # one transport state, with its moment on the server
        (a_told, on_a), (b_told, on_b) = starts("a")[0], starts("b")[0]
        assert on_a.from_tick == on_b.from_tick == 1440
        # each engine is to start after it was told, at the shared moment: the far peer
        # heard of the locate a whole trip later, yet starts with the near one (its own
        # clock's offset, measured over the same half-second path, is what differs)
        assert on_a.at_ns > a_told and on_b.at_ns > b_told
        assert abs(on_a.at_ns - on_b.at_ns) < ONE_WAY_S * 1e9 / 2
    finally:
        a.leave()
        b.leave()
        proxy.stop()


def test_an_edit_while_playing_is_stamped_a_schedule_ahead_on_and_on_a_step(server):
    from engine.core import edits

    a = Peer(create_room(server.url, timeout_s=60.0), "Ann", score=_song(), forced_ahead_ms=400)
    try:
        assert wait_until(lambda: a.pump() is not None and a.session.status.synced, 60)
        a.play(0)
        assert wait_until(
            lambda: a.pump() is not None and a.server_now_ns() > a.transport.at_ns, 60
        )
        start = a.transport.at_ns
        before_us = (a.server_now_ns() - start) // 1000
        a.edit(edits.add_notes(a.song.score(), 0, [Note(120, 60, 72)])[0])
        after_us = (a.server_now_ns() - start) // 1000
        epoch, tick = a.last_stamp
        step = 480 // 4
        earliest = a.timeline.session_tick_at(before_us + 400_000)
        latest = a.timeline.session_tick_at(after_us + 400_000) + step
        assert epoch == a.transport.epoch and tick % step == 0
        assert earliest <= tick <= latest, (earliest, tick, latest)
    finally:
        a.leave()
