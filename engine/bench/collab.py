"""Live sessions: edit -> heard on every peer, incoherent events vs schedule-ahead, server CPU and memory.

Everything on loopback: a real `pianola serve` process, a delaying proxy per peer
(``engine.measure.delay_proxy``), peers in this process (``engine.collab.peer.Peer``),
each with its own engine process on the silent "none" driver for the first two parts.

- ``edit``: three peers edit (one random edit a second each, seeded) while the session
  loops; for every edit and every peer, the time from the edit to the moment that peer's
  engine plays the changed song (the stamp's place when in time, the next pass when
  late), at one-way delays of 0, 50 and 200 ms (jitter 10 %).
- ``ahead``: incoherent events with the schedule-ahead forced to fixed values, at
  100 ms +- 20 ms one-way.
- ``logs``: three `pianola play --join` processes, 100 ms +- 20 ms one-way, an edit a
  second from each: are their event logs identical, and how many incoherent events.
- ``phase``: two peers, each with an engine on a private dummy JACK server, recorded side
  by side (``engine.bench.collab_phase``): how far apart each note is heard from the two,
  the second peer at one-way delays of 0 and 50 ms (jitter 10 %), several sessions each.
- ``server``: the server's CPU (user + system, % of one core) and resident memory with
  3, 10 and 50 peers each making one edit a second (no engines).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.core.protocol import events as evt
from engine.core.score import LoopRegion, Note, Score, Track
from engine.files.tied_child import tied_env

PUMP_S = 0.005
SYNC_TIMEOUT_S = 120.0  # fifty peers joining on a busy machine take a while


def add_arguments(parser) -> None:
    parser.add_argument(
        "--part", choices=("edit", "ahead", "server", "logs", "phase", "all"), default="all"
    )
    parser.add_argument(
        "--log-seconds", type=float, default=60.0, help="length of the event-log comparison"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each case")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--sessions", type=int, default=5, help="sessions per delay of the phase measurement"
    )


def _song(tracks: int) -> Score:
    notes = tuple(Note(i * 480, 240, 60 + i % 5) for i in range(8))
    made = [Track("Lead", channel=0, notes=notes)]
    made += [Track(f"Part {i}", channel=i % 9 + 1) for i in range(1, tracks)]
    return Score(tracks=tuple(made), loop=LoopRegion(0, 3840), loop_enabled=True)


class _Server:
    def __init__(self, directory: Path):
        from engine.measure.session_server import start_session_server

        self.proc, self.port = start_session_server(directory)
        self.url = f"http://127.0.0.1:{self.port}"

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        import os

        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # too busy to end by itself: it must not stay
            self.proc.kill()
            self.proc.wait(10)


def _links(server, count: int, delay_s: float, jitter_s: float, seed: int):
    from engine.collab.connection import SessionLink, create_room
    from engine.measure.delay_proxy import DelayProxy

    room = create_room(server.url, timeout_s=60.0)
    proxies, links = [], []
    for i in range(count):
        if delay_s > 0:
            proxy = DelayProxy(server.port, delay_s, jitter_s, seed=seed + i).start()
            proxies.append(proxy)
            links.append(SessionLink.parse(room.url.replace(f":{server.port}/", f":{proxy.port}/")))
        else:
            links.append(room)
    return proxies, links


def _session_case(server, delay_s, jitter_s, seconds, seed, ahead_ms=None) -> dict:
    """Three peers with engines; returns latencies (ms) and incoherent counts."""
    from engine.collab.peer import Peer
    from engine.collab.rehearsal import Rehearsal
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.client import EngineClient

    proxies, links = _links(server, 3, delay_s, jitter_s, seed)
    peers = [
        Peer(link, f"peer{i}", score=_song(3) if i == 0 else None, forced_ahead_ms=ahead_ms)
        for i, link in enumerate(links)
    ]
    engines = [EngineClient(AudioSettings(driver="none"), realtime=False).start() for _ in peers]
    edits: dict[int, list[int]] = {}  # session tick stamped -> server times of its edits (ns)
    heard: dict[tuple[int, int], int] = {}  # (peer, stamp) -> server time it plays (ns)
    try:
        for engine in engines:
            engine.wait_ready(30.0)
        deadline = time.monotonic() + 20
        while not all(peer.session.status.synced for peer in peers):
            _pump(peers, engines, heard)
            if time.monotonic() > deadline:
                raise RuntimeError("the peers did not sync")
        time.sleep(0.5)
        peers[0].play(0)
        rehearsals = [Rehearsal(seed * 10 + i, i) for i in range(3)]
        for i, rehearsal in enumerate(rehearsals):  # a third of a second apart
            rehearsal.next_s = time.monotonic() + 1.0 + i / 3
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            _pump(peers, engines, heard)
            if time.monotonic() > end - 3:  # the last edits need time to be heard
                continue
            for peer, rehearsal in zip(peers, rehearsals):
                if peer.transport.playing and rehearsal.due(time.monotonic()):
                    rehearsal.edit(peer)
                    if peer.last_stamp is not None:
                        edits.setdefault(peer.last_stamp[1], []).append(peer.server_now_ns())
        latencies = [
            (at_ns - edited_ns) / 1e6
            for (_, stamp), at_ns in heard.items()
            for edited_ns in edits.get(stamp, ())
        ]
        return {
            "heard_ms": latencies,
            "edits": sum(len(v) for v in edits.values()),
            "incoherent": [peer.incoherent for peer in peers],
            "ahead_ms": statistics.median(peer.ahead_ms() for peer in peers),
        }
    finally:
        for peer in peers:
            peer.leave()
        for engine in engines:
            engine.close()
        for proxy in proxies:
            proxy.stop()


def _pump(peers, engines, heard) -> None:
    for index, (peer, engine) in enumerate(zip(peers, engines)):
        for event in engine.poll_events():
            if isinstance(event, evt.TakeOverEvent):
                asked = peer._asked.get(event.version)
                if asked is not None and (index, asked) not in heard and peer.timeline:
                    # where this peer's engine first plays the edits stamped ``asked``
                    timeline = peer.timeline
                    u = timeline.session_tick(event.pass_index + peer.pass_offset, event.tick)
                    heard[(index, asked)] = peer.transport.at_ns + timeline.us_of(u) * 1000
            peer.on_engine_event(event)
        for command in peer.pump():
            engine.send(command)
    time.sleep(PUMP_S)


def _server_case(server, peers_count: int, seconds: float, seed: int) -> tuple[float, float]:
    from engine.collab.peer import Peer
    from engine.collab.rehearsal import Rehearsal

    _, links = _links(server, peers_count, 0.0, 0.0, seed)
    peers = [Peer(links[0], "peer0", score=_song(peers_count))]
    peers += [Peer(link, f"peer{i}") for i, link in enumerate(links[1:], 1)]
    try:
        deadline = time.monotonic() + SYNC_TIMEOUT_S
        while not all(peer.session.status.synced for peer in peers):
            for peer in peers:
                peer.pump()
            time.sleep(0.01)
            if time.monotonic() > deadline:
                raise RuntimeError("the peers did not sync")
        rehearsals = [Rehearsal(seed * 100 + i, i) for i in range(peers_count)]
        cpu0, t0 = server.cpu_s(), time.monotonic()
        while time.monotonic() - t0 < seconds:
            for peer, rehearsal in zip(peers, rehearsals):
                peer.pump()
                if rehearsal.due(time.monotonic()):
                    rehearsal.edit(peer)
            time.sleep(0.01)
        cpu = 100 * (server.cpu_s() - cpu0) / (time.monotonic() - t0)
        return cpu, server.rss_mb()
    finally:
        for peer in peers:
            peer.leave()


def _logs_case(server, seconds: float, seed: int, directory: Path) -> dict:
    """Three peer processes; their event logs over the beats all of them played."""
    import json

    from engine.files.project_file import save_project

    proxies, links = _links(server, 3, 0.1, 0.02, seed)
    song = directory / "song.pianola"
    save_project(_song(3), song)
    procs = []
    for i, link in enumerate(links):
        args = [
            sys.executable, "-m", "engine.commands.cli", "play", "--join", link.url,
            "--driver", "none", "--no-realtime", "--seconds", str(seconds),
            "--event-log", str(directory / f"events{i}.jsonl"),
            "--random-edits", str(seed * 10 + i), "--edit-track", str(i),
        ]  # fmt: skip
        if i == 0:
            args += [str(song), "--start"]
        procs.append(
            subprocess.Popen(
                args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=tied_env()
            )
        )
    outs = [proc.communicate(timeout=seconds + 120)[0] for proc in procs]
    for proxy in proxies:
        proxy.stop()
    incoherent = [
        int(m.group(1)) for m in (re.search(r"incoherent events (\d+)", o) for o in outs) if m
    ]
    logs = [
        [
            json.loads(line)
            for line in (directory / f"events{i}.jsonl").read_text().splitlines()
            if line
        ]
        for i in range(3)
    ]
    lo = max(min(e["beat"] for e in log) for log in logs) + 4
    hi = min(max(e["beat"] for e in log) for log in logs) - 4
    common = [[e for e in log if lo <= e["beat"] < hi] for log in logs]
    return {
        "identical": common[0] == common[1] == common[2],
        "events": len(common[0]),
        "beats": hi - lo,
        "incoherent": incoherent,
    }


def run(args) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        server = _Server(Path(tmp))
        try:
            if args.part in ("edit", "all"):
                print(
                    "edit -> heard on every peer (3 peers, an edit a second each, auto schedule-ahead)"
                )
                print(
                    f"{'one-way delay':>14} {'ahead':>8} {'median':>9} {'worst':>9} {'edits':>6} {'heard':>6} {'incoherent':>11}"
                )
                for delay_ms in (0, 50, 200):
                    r = _session_case(
                        server, delay_ms / 1000, delay_ms / 10000, args.seconds, args.seed
                    )
                    h = r["heard_ms"]
                    print(
                        f"{delay_ms:>11} ms {r['ahead_ms']:>5.0f} ms "
                        f"{statistics.median(h) if h else float('nan'):>6.0f} ms {max(h, default=float('nan')):>6.0f} ms "
                        f"{r['edits']:>6} {len(h):>6} {sum(r['incoherent']):>11}",
                        flush=True,
                    )
            if args.part in ("ahead", "all"):
                print("incoherent events vs schedule-ahead (100 ms +- 20 ms one-way, 3 peers)")
                for ahead in (20, 60, 150, 300, None):
                    r = _session_case(server, 0.1, 0.02, args.seconds, args.seed, ahead_ms=ahead)
                    label = "auto" if ahead is None else f"{ahead} ms"
                    print(
                        f"  schedule-ahead {label:>7} (median {r['ahead_ms']:.0f} ms): incoherent "
                        f"{sum(r['incoherent'])} (of {r['edits']} edits, each heard by 3 peers)",
                        flush=True,
                    )
            if args.part in ("logs", "all"):
                r = _logs_case(server, args.log_seconds, args.seed, Path(tmp))
                print(
                    f"event logs of 3 peer processes over {args.log_seconds:.0f} s (100 ms +- 20 ms "
                    f"one-way, an edit a second from each): {r['events']} events over "
                    f"{r['beats']:.0f} beats played by all, identical: {r['identical']}, "
                    f"incoherent {r['incoherent']}",
                    flush=True,
                )
            if args.part in ("phase", "all"):
                _phase(server, args)
            if args.part in ("server", "all"):
                print("server CPU and memory, every peer editing once a second")
                for count in (3, 10, 50):
                    cpu, rss = _server_case(server, count, args.seconds, args.seed)
                    print(
                        f"  {count:>3} peers: CPU {cpu:5.1f} % of a core, RSS {rss:6.1f} MB",
                        flush=True,
                    )
        finally:
            server.stop()
    return 0


def _phase(server, args) -> None:
    import os

    from engine.bench.collab_phase import measure_phase
    from engine.measure.jackserver import DummyJackServer

    print("phase error between peers (2 peers, an engine each on one dummy JACK server)")
    name = f"pianola-bench-phase-{os.getpid()}"
    with DummyJackServer(name, sample_rate=48000, period_frames=256, realtime=True) as jack:
        for delay_ms in (0, 50):
            errors, firsts, within, shifted = [], [], 0, 0
            for i in range(args.sessions):
                proxies, links = _links(server, 2, delay_ms / 1000, delay_ms / 10000, args.seed + i)
                try:
                    # the first peer next to the server, the second behind the delay
                    links = [_direct(server, links[0], proxies), links[1]]
                    r = measure_phase(links, jack.name, seconds=args.seconds / 2)
                finally:
                    for proxy in proxies:
                        proxy.stop()
                errors += [abs(e) for e in r.errors_ms]
                firsts.append(r.first_ms)
                within += r.worst_ms <= 1.0
                shifted += r.shifted
                print(
                    f"    session {i + 1}: {len(r.errors_ms)} notes, first {r.first_ms:.3f} ms, "
                    f"median {r.median_ms:.3f} ms, worst {r.worst_ms:.3f} ms, xruns {r.xruns}"
                    + (", the phase moved on the way (a dropped cycle)" if r.shifted else ""),
                    flush=True,
                )
            print(
                f"  one-way {delay_ms:>3} ms, {args.sessions} sessions: start placed within 1 ms "
                f"in {sum(f <= 1.0 for f in firsts)} (first note's error median "
                f"{statistics.median(firsts):.3f} ms, worst {max(firsts):.3f} ms); all "
                f"{len(errors)} notes: median {statistics.median(errors) if errors else float('nan'):.3f} ms, "
                f"p95 {_p95(errors):.3f} ms, worst {max(errors, default=float('nan')):.3f} ms; every "
                f"note within 1 ms in {within}; phase moved during {shifted}",
                flush=True,
            )


def _direct(server, link, proxies):
    from engine.collab.connection import SessionLink

    if not proxies:
        return link
    return SessionLink.parse(link.url.replace(f":{proxies[0].port}/", f":{server.port}/"))


def _p95(values) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
