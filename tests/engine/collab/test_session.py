"""Peers and a real session server on loopback: sync, persistence, secrets, bad input."""

from __future__ import annotations

import socket
import struct

from pycrdt import create_update_message

from engine.collab.connection import Connection, SessionLink, create_room
from engine.collab.session import Session
from engine.collab.song_doc import SongDoc
from engine.core import edits
from engine.core.score import Note, Score, Track
from tests.engine.collab.conftest import ServerProcess, wait_until


def _song() -> Score:
    return Score(tracks=(Track("Piano", notes=(Note(0, 240, 60),)),))


def _peer(link: SessionLink, name: str, score: Score | None = None) -> Session:
    song = SongDoc()
    if score is not None:
        song.load_score(score)
    return Session(song, Connection(link).start(), name)


def _pump(*sessions):
    def step():
        for s in sessions:
            s.pump()

    return step


def test_two_peers_share_a_song_and_see_each_other(server):
    link = create_room(server.url, timeout_s=60.0)
    a = _peer(link, "Ann", _song())
    b = _peer(link, "Ben")
    try:
        assert wait_until(lambda: b.song.score() == _song(), step=_pump(a, b))
        b.song.apply_score(edits.add_notes(b.song.score(), 0, [Note(480, 240, 67)])[0])
        assert wait_until(lambda: a.song.score() == b.song.score(), step=_pump(a, b))
        assert wait_until(lambda: [p.name for p in a.peers()] == ["Ben"], step=_pump(a, b))
        assert "join" in server.log()
    finally:
        a.close()
        b.close()


def test_nothing_lost_when_every_peer_leaves_and_the_server_restarts(server):
    link = create_room(server.url, timeout_s=60.0)
    a = _peer(link, "Ann", _song())
    assert wait_until(lambda: a.status.synced, step=_pump(a))
    a.song.apply_score(edits.add_notes(a.song.score(), 0, [Note(960, 240, 62)])[0])
    a.flush()
    expected = a.song.score()
    assert wait_until(lambda: "leave" not in server.log(), step=_pump(a))
    a.close()
    assert wait_until(lambda: "leave" in server.log())
    server.stop()
    again = ServerProcess(server.directory, server.port).start()
    try:
        b = _peer(link, "Ben")
        assert wait_until(lambda: b.song.score() == expected, step=_pump(b))
        b.close()
    finally:
        again.stop()


def test_a_killed_server_loses_no_edit_of_a_peer_still_there(server):
    link = create_room(server.url, timeout_s=60.0)
    a = _peer(link, "Ann", _song())
    try:
        assert wait_until(lambda: a.status.synced, step=_pump(a))
        server.kill()
        # edited while the server is away: kept locally, delivered after the restart
        a.song.apply_score(edits.add_notes(a.song.score(), 0, [Note(1440, 240, 65)])[0])
        again = ServerProcess(server.directory, server.port).start()
        try:
            assert wait_until(lambda: a.status.connected, step=_pump(a))
            b = _peer(link, "Ben")
            assert wait_until(lambda: b.song.score() == a.song.score(), step=_pump(a, b))
            b.close()
        finally:
            again.stop()
    finally:
        a.close()


def test_a_wrong_secret_gets_nothing(server):
    link = create_room(server.url, timeout_s=60.0)
    a = _peer(link, "Ann", _song())
    assert wait_until(lambda: a.status.synced, step=_pump(a))
    wrong = SessionLink.parse(link.url.replace(link.secret, "x" + link.secret[1:]))
    intruder = _peer(wrong, "Eve")
    try:
        assert wait_until(lambda: intruder.status.refused, step=_pump(a, intruder))
        assert intruder.song.score() == Score()
        assert intruder.peers() == []
        assert intruder.connection.bytes_in == 0
        assert "refused" in server.log()
    finally:
        intruder.close()
        a.close()


def _raw_ws(port: int, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    reply = sock.recv(4096)
    assert b"101" in reply.split(b"\r\n")[0], reply
    return sock


def _frame(payload: bytes, opcode: int = 2) -> bytes:
    mask = b"\x01\x02\x03\x04"
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def test_garbage_and_oversized_messages_leave_the_session_working(server):
    link = create_room(server.url, timeout_s=60.0)
    a = _peer(link, "Ann", _song())
    try:
        assert wait_until(lambda: a.status.synced, step=_pump(a))
        path = f"/r/{link.room}?s={link.secret}"
        garbage = _raw_ws(server.port, path)
        for payload in (
            b"\x00\x02\xff\xff\xff",
            b"",
            b"\x01\xff",
            create_update_message(b"\x07\x01"),
        ):
            garbage.sendall(_frame(payload))
        garbage.sendall(_frame(b"hello", opcode=1))
        big = _raw_ws(server.port, path)
        try:
            big.sendall(_frame(b"\x00\x02" + bytes(5 * 1024 * 1024)))
        except ConnectionError:
            pass  # the server may close while the rest is still being sent
        assert wait_until(lambda: "message too big" in server.log())
        assert "ignored" in server.log()
        b = _peer(link, "Ben")
        b.song.score()
        assert wait_until(lambda: b.song.score() == a.song.score() == _song(), step=_pump(a, b))
        b.song.apply_score(edits.add_notes(b.song.score(), 0, [Note(480, 240, 67)])[0])
        assert wait_until(lambda: a.song.score() == b.song.score(), step=_pump(a, b))
        b.close()
        garbage.close()
        big.close()
    finally:
        a.close()


def test_dropped_and_reordered_messages_still_converge(server):
    from engine.measure.delay_proxy import DelayProxy

    link = create_room(server.url, timeout_s=60.0)
    proxies = [DelayProxy(server.port, 0.03, 0.03, drop=0.15, seed=i).start() for i in range(2)]
    links = [
        SessionLink.parse(link.url.replace(f":{server.port}/", f":{p.port}/")) for p in proxies
    ]
    a = _peer(links[0], "Ann", _song())
    b = _peer(links[1], "Ben")
    try:
        assert wait_until(lambda: b.song.score() == a.song.score(), 30, step=_pump(a, b))
        for i in range(12):
            peer = (a, b)[i % 2]
            peer.song.apply_score(
                edits.add_notes(peer.song.score(), 0, [Note(120 * i, 60, 50 + i)])[0]
            )
            _pump(a, b)()
        assert wait_until(lambda: a.song.score() == b.song.score(), 30, step=_pump(a, b))
        assert len(a.song.score().tracks[0].notes) == 13
        assert sum(p.dropped for p in proxies) > 0
    finally:
        a.close()
        b.close()
        for p in proxies:
            p.stop()


def test_a_flooding_peer_is_closed_and_the_others_go_on(server):
    link = create_room(server.url, timeout_s=60.0)
    a = _peer(link, "Ann", _song())
    try:
        assert wait_until(lambda: a.status.synced, step=_pump(a))
        flood = _raw_ws(server.port, f"/r/{link.room}?s={link.secret}")
        try:
            for _ in range(2000):
                flood.sendall(_frame(b"\x01\x01\x00"))  # an empty awareness update
        except OSError:
            pass  # closed by the server mid-flood
        assert wait_until(lambda: "too many messages" in server.log())
        a.song.apply_score(edits.add_notes(a.song.score(), 0, [Note(960, 240, 62)])[0])
        b = _peer(link, "Ben")
        assert wait_until(lambda: b.song.score() == a.song.score(), step=_pump(a, b))
        b.close()
        flood.close()
    finally:
        a.close()


def test_a_step_edit_while_playing_reaches_the_others_stamped(server):
    from engine.collab.peer import Peer
    from engine.core import pattern_edits
    from engine.core.pattern import Lane, Pattern
    from engine.core.protocol import commands as cmd
    from engine.core.score import LoopRegion

    song = Score(
        tracks=(Track("Drums", channel=9, is_drum=True),),
        loop=LoopRegion(0, 1920),
        loop_enabled=True,
    )
    song = pattern_edits.add_pattern(song, Pattern("beat", "Beat", lanes=(Lane("kick", 36),)))
    song = pattern_edits.place_pattern(song, "beat", 0, 0)[0]
    link = create_room(server.url, timeout_s=60.0)
    a = Peer(link, "Ann", score=song, forced_ahead_ms=300)
    b = Peer(link, "Ben", forced_ahead_ms=300)
    seen = []

    def pump():
        a.pump()
        seen.extend(b.pump())

    try:
        assert wait_until(lambda: b.song.score() == song, step=pump)
        a.play(0)
        assert wait_until(lambda: b.transport.playing, step=pump)
        # the music has begun: the edit is stamped inside it, not on the start
        assert wait_until(lambda: a.server_now_ns() > a.transport.at_ns, step=pump)
        a.edit(pattern_edits.toggle_step(a.song.score(), "beat", "kick", 4))
        stamp = a.last_stamp
        assert stamp is not None and stamp[1] > 0

        def stamped_version():
            return [
                c
                for c in seen
                if isinstance(c, cmd.ReplaceScoreAtCommand)
                and c.score.pattern("beat").lane("kick").steps[4].on
            ]

        assert wait_until(lambda: stamped_version(), step=pump)
        command = stamped_version()[0]
        assert b.timeline.session_tick(command.pass_index + b.pass_offset, command.tick) == stamp[1]
    finally:
        a.leave()
        b.leave()


def test_stop_is_a_shared_moment_not_each_peers_arrival(server):
    import time

    from engine.collab.peer import Peer
    from engine.core.protocol import commands as cmd

    link = create_room(server.url, timeout_s=60.0)
    a = Peer(link, "Ann", score=_song(), forced_ahead_ms=400)
    b = Peer(link, "Ben", forced_ahead_ms=400)
    got = {"a": [], "b": []}

    def pump():
        got["a"].extend((time.monotonic_ns(), c) for c in a.pump())
        got["b"].extend((time.monotonic_ns(), c) for c in b.pump())

    try:
        assert wait_until(lambda: b.song.score() == _song(), step=pump)
        a.play(0)
        assert wait_until(lambda: b.transport.playing, step=pump)
        time.sleep(0.3)
        a.stop()
        stop_at = a.transport.at_ns - a._offset_ns()
        assert wait_until(
            lambda: all(any(isinstance(c, cmd.StopCommand) for _, c in got[k]) for k in got),
            step=pump,
        )
        for k in got:
            when = next(t for t, c in got[k] if isinstance(c, cmd.StopCommand))
            assert when >= stop_at  # nobody stops before the shared moment
    finally:
        a.leave()
        b.leave()


def test_play_join_with_a_wrong_secret_says_so_in_one_sentence(server):
    import subprocess
    import sys

    link = create_room(server.url, timeout_s=60.0)
    wrong = link.url.replace(link.secret, "not-the-secret")
    res = subprocess.run(
        [sys.executable, "-m", "engine.commands.cli", "play", "--join", wrong,
         "--driver", "none", "--no-realtime", "--seconds", "5"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        "pianola: the session server refused the link's secret"
    ]
    assert "left the session" not in res.stdout
