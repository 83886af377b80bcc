"""Three peers (each its own `pianola play --join` process with its own engine on the
private JACK server), a real session server, and a proxy of the test's own between each
peer and the server that delays, reorders and drops messages."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from engine.collab.connection import SessionLink, create_room
from engine.collab.field_log import writes_of
from engine.collab.peer import Peer
from engine.collab.timeline_anchor import latest_anchor
from engine.collab.transport import TransportState
from engine.core.pattern import OFF, Lane, Pattern, Placement, Step
from engine.core.score import LoopRegion, Note, Score, Track
from engine.files.project_file import load_project, save_project
from engine.measure.delay_proxy import DelayProxy
from tests.engine.collab.conftest import ServerProcess, play_join, wait_until

pytestmark = [pytest.mark.slow]


def _song(path: Path) -> Path:
    notes = tuple(Note(i * 480, 240, 60 + i % 5) for i in range(8))
    score = Score(
        tracks=(
            Track("One", channel=0, notes=notes),
            Track("Two", channel=1, program=33),
            Track("Three", channel=2, program=81),
        ),
        loop=LoopRegion(0, 3840),
        loop_enabled=True,
    )
    save_project(score, path)
    return path


def _pattern_song(path: Path) -> Path:
    """A drum pattern placed once on the first track, in the first of a two-bar loop."""
    kick = Lane("kick", 36, (Step(True), *(OFF,) * 7, Step(True), *(OFF,) * 7))
    hat = Lane("hat", 42, tuple(Step(i % 2 == 0, velocity=70) for i in range(16)))
    score = Score(
        tracks=(
            Track("Drums", channel=9, is_drum=True),
            Track("Two", channel=1, program=33),
            Track("Three", channel=2, program=81),
        ),
        loop=LoopRegion(0, 3840),
        loop_enabled=True,
        patterns=(Pattern("beat", "Beat", lanes=(kick, hat)),),
        placements=(Placement("p1", "beat", 0, 0),),
    )
    save_project(score, path)
    return path


def _peer(tmp_path, index, link, seconds, extra=()):
    return play_join(
        link,
        f"peer{index}",
        seconds,
        tmp_path / f"events{index}.jsonl",
        tmp_path / f"stderr{index}.txt",
        "--keep",
        str(tmp_path / f"kept{index}.pianola"),
        "--random-edits",
        str(1000 + index),
        "--edit-track",
        str(index),
        *extra,
    )


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _run_session(
    tmp_path,
    server,
    delay_s,
    jitter_s,
    seconds,
    ahead=None,
    drop=0.0,
    song_edits=False,
    track_edits=False,
    same=False,
    song_file=_song,
):
    room = create_room(server.url, timeout_s=60.0)
    song = song_file(tmp_path / "song.pianola")
    proxies = [DelayProxy(server.port, delay_s, jitter_s, drop, seed=i).start() for i in range(3)]
    links = [
        SessionLink.parse(room.url.replace(f":{server.port}/", f":{p.port}/")) for p in proxies
    ]
    extra = ["--schedule-ahead-ms", str(ahead)] if ahead is not None else []
    # one musician changes tempo and loop (two changing the same setting at once converge,
    # but may have played different versions in between: see docs/collaboration.md)
    first = ["--edit-song"] if song_edits else []
    extra += ["--edit-tracks"] if track_edits else []
    extra += ["--edit-same"] if same else []
    procs = [
        _peer(tmp_path, 0, links[0], seconds, [str(song), "--start", *extra, *first]),
        _peer(tmp_path, 1, links[1], seconds, extra),
        _peer(tmp_path, 2, links[2], seconds, extra),
    ]
    outs = [proc.communicate(timeout=seconds + 90) for proc in procs]
    outs = [(out, (tmp_path / f"stderr{i}.txt").read_text()) for i, (out, _) in enumerate(outs)]
    for p in proxies:
        p.stop()
    for proc, (_out, err) in zip(procs, outs):
        assert proc.returncode == 0, err
    _run_session.outs = outs
    incoherent = [int(re.search(r"incoherent events (\d+)", out).group(1)) for out, _ in outs]
    _run_session.stderr = [err for _, err in outs]
    return incoherent, [_events(tmp_path / f"events{i}.jsonl") for i in range(3)], proxies


def _common(logs):
    """Each log over the beats every peer played (its first and last bar left out)."""
    lo = max(min(e["beat"] for e in log) for log in logs) + 4
    hi = min(max(e["beat"] for e in log) for log in logs) - 4
    assert hi - lo > 8, (lo, hi)
    return [[e for e in log if lo <= e["beat"] < hi] for log in logs]


def test_three_peers_with_jitter_play_identical_events(tmp_path, server):
    incoherent, logs, proxies = _run_session(tmp_path, server, 0.1, 0.02, seconds=14)
    assert sum(p.reordered for p in proxies) > 0
    assert incoherent == [0, 0, 0], _run_session.stderr
    assert all(logs), _run_session.outs
    a, b, c = _common(logs)
    assert a == b == c
    assert len({(e["track"]) for e in a}) >= 2  # edits of other peers were heard
    kept = [load_project(tmp_path / f"kept{i}.pianola") for i in range(3)]
    assert kept[0] == kept[1] == kept[2]
    assert all(len(k.tracks[i].notes) for i, k in enumerate(kept) if i)


def test_tempo_loop_and_mix_edits_take_effect_on_one_tick_everywhere_without_a_restart(
    tmp_path, server
):
    incoherent, logs, _ = _run_session(tmp_path, server, 0.1, 0.02, seconds=24, song_edits=True)
    assert incoherent == [0, 0, 0], _run_session.stderr
    a, b, c = _common(logs)
    assert a == b == c
    # the transport ran on from the first start: no peer started it again
    assert {e["epoch"] for log in logs for e in log} == {1}
    kept = [load_project(tmp_path / f"kept{i}.pianola") for i in range(3)]
    assert kept[0] == kept[1] == kept[2]
    made = re.search(r"\((\d+) of the tempo, loop or mix,", _run_session.outs[0][0])
    assert made and int(made.group(1)) > 0, _run_session.outs[0][0]


def test_tracks_made_removed_moved_and_remixed_by_every_peer_change_on_one_tick_everywhere(
    tmp_path, server
):
    incoherent, logs, _ = _run_session(tmp_path, server, 0.1, 0.02, seconds=60, track_edits=True)
    assert incoherent == [0, 0, 0], _run_session.stderr
    a, b, c = _common(logs)
    assert a == b == c
    kept = [load_project(tmp_path / f"kept{i}.pianola") for i in range(3)]
    assert kept[0] == kept[1] == kept[2]
    for out, _ in _run_session.outs:
        made = re.search(r"(\d+) of the tracks\)", out)
        assert made and int(made.group(1)) > 0, out


def test_every_peer_editing_the_same_setting_and_note_at_once_hears_the_same(tmp_path, server):
    # on each second of the shared clock all three set the first track's volume, its
    # first note's velocity, or the song's tempo, each to its own value: every write is
    # kept, and every engine plays each from its stamp until a greater one's, whichever
    # arrived first where
    incoherent, logs, _ = _run_session(tmp_path, server, 0.1, 0.02, seconds=20, same=True)
    assert incoherent == [0, 0, 0], _run_session.stderr
    a, b, c = _common(logs)
    assert a == b == c
    volumes = {e["mix"][3] for e in a if "mix" in e and e["track"] == 0}
    velocities = {e["velocity"] for e in a if e.get("on") and e["track"] == 0}
    assert len(volumes) >= 2 and len(velocities) >= 2, a  # the contended values were heard
    kept = [load_project(tmp_path / f"kept{i}.pianola") for i in range(3)]
    assert kept[0] == kept[1] == kept[2]
    assert kept[0].tracks[0].volume in volumes
    # every engine changed tempo on the same session ticks, at the same microseconds
    # after the start, to the same tempo, the one it ends on among them
    changes = [_timeline_changes(out) for out, _ in _run_session.outs]
    assert changes[0] == changes[1] == changes[2]
    assert changes[0] and {bpm for _, _, bpm, _ in changes[0]} != {120.0}, changes
    assert changes[0][-1][2] == round(kept[0].tempo_map.bpm_at(0), 3)


def test_every_peer_editing_the_same_step_and_placement_at_once_hears_the_same(tmp_path, server):
    # as above, and in turn (one second in five each) all three set the same step of the
    # pattern to a velocity of their own, or move its one placement to a bar of their own
    incoherent, logs, _ = _run_session(
        tmp_path, server, 0.1, 0.02, seconds=20, same=True, song_file=_pattern_song
    )
    assert incoherent == [0, 0, 0], _run_session.stderr
    a, b, c = _common(logs)
    assert a == b == c
    kicks = {e["velocity"] for e in a if e.get("on") and e["track"] == 0 and e["key"] == 36}
    assert len(kicks) >= 2, a  # the contended steps were heard
    kept = [load_project(tmp_path / f"kept{i}.pianola") for i in range(3)]
    assert kept[0] == kept[1] == kept[2]
    assert kept[0].placements[0].start_tick in (0, 1920)


def _timeline_changes(out: str) -> list:
    found = re.search(r"^pianola: timeline changes (.*)$", out, re.M)
    return json.loads(found.group(1)) if found else []


def test_a_schedule_ahead_below_the_delay_counts_incoherent_events(tmp_path, server):
    incoherent, _, _ = _run_session(tmp_path, server, 0.1, 0.02, seconds=10, ahead=20)
    assert sum(incoherent) > 0


def _start_three(tmp_path, server, seconds, delay_s=0.05, jitter_s=0.01):
    room = create_room(server.url, timeout_s=60.0)
    song = _song(tmp_path / "song.pianola")
    proxies = [DelayProxy(server.port, delay_s, jitter_s, seed=i).start() for i in range(3)]
    links = [
        SessionLink.parse(room.url.replace(f":{server.port}/", f":{p.port}/")) for p in proxies
    ]
    procs = [
        _peer(tmp_path, 0, links[0], seconds, [str(song), "--start"]),
        _peer(tmp_path, 1, links[1], seconds),
        _peer(tmp_path, 2, links[2], seconds),
    ]
    return room, proxies, links, procs


def _finish(tmp_path, procs, proxies, seconds):
    for proc in procs:
        proc.communicate(timeout=seconds + 90)
    for p in proxies:
        p.stop()
    errors = [(tmp_path / f"stderr{i}.txt").read_text() for i in range(3)]
    assert all(proc.returncode == 0 for proc in procs), errors
    return [load_project(tmp_path / f"kept{i}.pianola") for i in range(3)]


def _wait_joined(server, peers: int, tmp_path=None) -> None:
    """Until the server has seen ``peers`` joins (its log says each one) and, with
    ``tmp_path``, every peer plays (its event log has events): a peer still starting its
    engine would not see the server go."""
    assert wait_until(lambda: server.log().count(": join ") >= peers, 40.0), server.log()
    logs = [tmp_path / f"events{i}.jsonl" for i in range(peers)] if tmp_path else []
    assert wait_until(lambda: all(p.exists() and p.stat().st_size for p in logs), 60.0)


def test_a_server_killed_and_restarted_mid_session_loses_no_edit(tmp_path, server):
    room, proxies, _, procs = _start_three(tmp_path, server, seconds=18)
    _wait_joined(server, 3, tmp_path)
    time.sleep(3)  # a few edits made before the server goes
    server.kill()
    time.sleep(2)
    again = ServerProcess(server.directory, server.port).start()
    try:
        kept = _finish(tmp_path, procs, proxies, 18)
        assert kept[0] == kept[1] == kept[2]
        assert "went away" in (tmp_path / "stderr1.txt").read_text()
        # what the restarted server kept is that same song
        late = Peer(room, "late")
        assert wait_until(lambda: late.pump() is not None and late.song.score() == kept[0])
        late.leave()
    finally:
        again.stop()


def test_a_peer_killed_and_restarted_loses_no_edit(tmp_path, server):
    _, proxies, links, procs = _start_three(tmp_path, server, seconds=20)
    # joins only: killed as early as can be, the restarted peer ends before the others
    # (its last edits after they left would be missing from their songs)
    _wait_joined(server, 3)
    time.sleep(3)  # a few edits made before the peer goes
    procs[2].kill()
    procs[2].wait(10)
    time.sleep(1)
    procs[2] = _peer(tmp_path, 2, links[2], 14)
    kept = _finish(tmp_path, procs, proxies, 20)
    assert kept[0] == kept[1] == kept[2]
    assert kept[0].tracks[2].notes  # the killed peer's track has edits, before or after


def _concurrent_tempos_after_an_anchor(watch: Peer) -> bool:
    """Whether the running transport has an anchor and, stamped after it, tempo writes
    of two musicians (made on one second of the shared clock)."""
    transport = watch.song.transport.to_py() or {}
    state = TransportState.from_doc(transport.get("state"))
    if state is None or not state.playing:
        return False
    anchor = latest_anchor(transport, state.epoch)
    writes = writes_of(watch.song.song.to_py() or {})
    writers = {
        w.by
        for w in writes
        if anchor is not None and w.stamp[0] == state.epoch and w.stamp[1] > anchor.u
        if "tempo" in w.values
    }
    return len(writers) >= 2


def test_a_peer_joining_after_two_concurrent_tempo_changes_plays_on_the_others_timeline(
    tmp_path, server
):
    # two peers set the tempo on the same seconds of the shared clock, stamped 1 s and
    # 2.5 s ahead (schedule-aheads wide enough for a busy machine, and far apart), so
    # each makes its change before the other's arrives and the later stamp's editor
    # never had the earlier change; a third joins once old writes went behind an anchor
    seconds = 60
    room = create_room(server.url, timeout_s=60.0)
    song = _song(tmp_path / "song.pianola")
    proxies = [DelayProxy(server.port, 0.03, 0.01, seed=i).start() for i in range(3)]
    links = [
        SessionLink.parse(room.url.replace(f":{server.port}/", f":{p.port}/")) for p in proxies
    ]
    started = time.monotonic()
    procs = [
        _peer(
            tmp_path,
            0,
            links[0],
            seconds,
            [str(song), "--start", "--edit-same", "--schedule-ahead-ms", "1000"],
        ),
        _peer(tmp_path, 1, links[1], seconds, ["--edit-same", "--schedule-ahead-ms", "2500"]),
    ]
    watch = Peer(room, "watch")
    try:
        assert wait_until(
            lambda: _concurrent_tempos_after_an_anchor(watch), 45.0, step=watch.pump
        ), (watch.song.transport.to_py(), [w for w in writes_of(watch.song.song.to_py())])
    finally:
        watch.leave()
    left_s = seconds - (time.monotonic() - started)
    assert left_s > 16, "the two peers' anchor and tempo changes came too late to join"
    procs.append(
        play_join(
            links[2],
            "peer2",
            min(16.0, left_s - 8),
            tmp_path / "events2.jsonl",
            tmp_path / "stderr2.txt",
            "--keep",
            str(tmp_path / "kept2.pianola"),
        )
    )
    outs = [proc.communicate(timeout=seconds + 90)[0] for proc in procs]
    for p in proxies:
        p.stop()
    errors = [(tmp_path / f"stderr{i}.txt").read_text() for i in range(3)]
    assert all(proc.returncode == 0 for proc in procs), errors
    incoherent = [int(re.search(r"incoherent events (\d+)", out).group(1)) for out in outs]
    assert incoherent == [0, 0, 0], errors
    logs = [_events(tmp_path / f"events{i}.jsonl") for i in range(3)]
    # the joiner's log from its first beat (its first notes' offs the others have)
    first = min(e["beat"] for e in logs[2]) + 1
    last = min(max(e["beat"] for e in log) for log in logs) - 4
    assert last - first > 8, (first, last)
    a, b, c = ([e for e in log if first <= e["beat"] < last] for log in logs)
    assert a == b == c
    # the joiner placed itself from an anchor, at the microsecond where the others had
    # that change, and took every change after it, until it left, on the same ticks and
    # microseconds
    changes = [_timeline_changes(out) for out in outs]
    assert changes[0] == changes[1], changes
    joined = changes[2]
    assert joined and joined[0][0] > 0, joined
    assert joined == [c for c in changes[0] if joined[0][0] <= c[0] <= joined[-1][0]], changes
    assert len(joined) >= 2, joined  # it heard tempo changes after joining too
