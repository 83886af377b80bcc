"""The schedule-ahead follows the slowest peer: a peer next to the server stamps its
edits far enough ahead for a peer across a slow link (a real server; the far peer behind
a delaying proxy of the test's own)."""

from __future__ import annotations

from engine.collab.clock import ENGINE_MARGIN_MS, schedule_ahead_ms
from engine.collab.connection import SessionLink, create_room
from engine.collab.peer import Peer
from engine.core.score import Note, Score, Track
from engine.measure.delay_proxy import DelayProxy
from tests.engine.collab.conftest import wait_until

ONE_WAY_S = 0.15  # each way, no jitter: every round trip of the far peer is 300 ms or more


def _published(near: Peer, name: str) -> tuple[float, float] | None:
    """The round trip (p95) and jitter the peer called ``name`` says it measured."""
    for other in near.session.peers():
        rtt, jitter = other.state.get("rtt_p95_ms"), other.state.get("jitter_ms")
        if other.name == name and isinstance(rtt, float | int) and isinstance(jitter, float | int):
            return float(rtt), float(jitter)
    return None


def test_a_peer_next_to_the_server_stamps_far_enough_ahead_for_the_slowest(server):
    room = create_room(server.url, timeout_s=60.0)
    proxy = DelayProxy(server.port, ONE_WAY_S, 0.0, seed=1).start()
    far_link = SessionLink.parse(room.url.replace(f":{server.port}/", f":{proxy.port}/"))
    near = Peer(room, "Near", score=Score(tracks=(Track("Piano", notes=(Note(0, 240, 60),)),)))
    far = Peer(far_link, "Far")
    left = False

    def step() -> None:
        near.pump()
        far.pump()

    try:
        assert wait_until(lambda: _published(near, "Far") is not None, 60.0, step=step)
        rtt, jitter = _published(near, "Far")
        assert rtt >= 2000 * ONE_WAY_S  # what the far peer measured is the proxy's delay
        # read with what was just heard (no pump between): the far peer's figures rule
        assert near.ahead_ms() >= rtt + 2 * jitter + ENGINE_MARGIN_MS
        # the far peer gone, the near one goes by its own round trip again
        far.leave()
        left = True
        assert wait_until(lambda: _published(near, "Far") is None, 60.0, step=near.pump)

        def own_only() -> bool:
            own = near.clock  # (measured on the network thread: read it afresh each time)
            return near.ahead_ms() == schedule_ahead_ms([own.rtt_p95_ms], [own.jitter_ms])

        assert wait_until(own_only, 30.0, step=near.pump)
    finally:
        near.leave()
        if not left:
            far.leave()
        proxy.stop()
