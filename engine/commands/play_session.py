"""`pianola play --join LINK`: a headless peer of a live session (CLI main thread).

The peer's engine plays the session's song on the session's transport; with
``--event-log`` every event it schedules is written as one JSON line (beat, track, key,
velocity, on/off), so the logs of several peers can be compared.  On leaving (Ctrl-C,
``--seconds``), the song as it stands can be kept with ``--keep FILE``.
"""

from __future__ import annotations

import json
import select
import sys
import time
from pathlib import Path

from engine.core.errors import EngineDiedError, PianolaError
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt

PUMP_PERIOD_S = 0.01
SYNC_TIMEOUT_S = 20.0
# a busy machine may take well over half a minute to start an engine (imports, SoundFont)
ENGINE_READY_S = 120.0
EDITS_END_S = 5.0
# random edits begin this long after joining: the peers' processes and engines are still
# starting before that, and their round trips still settling
EDITS_START_S = 3.0


def run_session(args, settings, score) -> int:
    from engine.collab.connection import SessionLink
    from engine.collab.peer import Peer
    from engine.collab.rehearsal import Rehearsal
    from engine.realtime.client import EngineClient

    link = SessionLink.parse(args.join)
    log = open(args.event_log, "w", encoding="utf-8") if args.event_log else None  # noqa: SIM115
    peer = Peer(
        link,
        args.name or "pianola play",
        forced_ahead_ms=args.schedule_ahead_ms,
        event_log=log,
    )
    client = EngineClient(settings, realtime=not args.no_realtime)
    client.start()
    try:
        ready = client.wait_ready(ENGINE_READY_S)
        print(ready.summary(), flush=True)
        client.send(cmd.ReportScheduledCommand(True))
        if args.link:  # Link leads the beat and the tempo (engine.collab.link_share)
            client.send(cmd.SetSyncCommand("link", args.quantum, False))
        _wait_synced(peer, client)
        if score is not None and not peer.song.score().tracks:
            peer.song.load_score(score)  # an empty room: this peer brings the song
            peer.session.flush()
        rehearsal = None
        if args.random_edits is not None:
            rehearsal = Rehearsal(
                args.random_edits,
                args.edit_track,
                song_edits=args.edit_song,
                track_edits=args.edit_tracks,
                contend=args.edit_same,
            )
        started = time.monotonic()
        if args.start:
            peer.play(0)
        print(f"pianola: joined the session ({link.room})", flush=True)
        _run(client, peer, rehearsal, started, args.seconds)
        if peer.timeline is not None and peer.timeline.changes():
            # what every peer must agree on: where the tempo or loop changed, and to what
            changes = [[u, us, round(bpm, 3), loop] for u, us, bpm, loop in peer.timeline.changes()]
            print(f"pianola: timeline changes {json.dumps(changes)}", flush=True)
        if rehearsal is not None:
            print(
                f"pianola: made {rehearsal.made} random edits "
                f"({rehearsal.song_made} of the tempo, loop or mix, "
                f"{rehearsal.tracks_made} of the tracks)",
                flush=True,
            )
    except KeyboardInterrupt:
        return 130
    finally:
        kept = peer.leave()
        client.close()
        if args.keep:
            from engine.files.song_files import writer_for

            writer_for(Path(args.keep))(kept, Path(args.keep))
        if log is not None:
            log.close()
        status = peer.coherence_status()
        if peer.session.status.synced or status["in_time"] or status["incoherent"]:
            print(
                f"pianola: left the session; incoherent events {status['incoherent']}, "
                f"in time {status['in_time']}, back on the shared beat {status['realigned']}"
                + (
                    f", clock offset {status['offset_ms']:+.1f} ms ± {status['spread_ms']:.2f} ms"
                    if status["offset_ms"] is not None
                    else ""
                ),
                flush=True,
            )
    return 0


def _wait_synced(peer, client) -> None:
    deadline = time.monotonic() + SYNC_TIMEOUT_S
    while not peer.session.status.synced:
        for command in peer.pump():
            client.send(command)
        if peer.session.status.refused:
            raise PianolaError(peer.session.status.refused)
        if time.monotonic() > deadline:
            problem = peer.session.status.last_problem or "no answer"
            raise PianolaError(f"the session server could not be reached ({problem})")
        time.sleep(PUMP_PERIOD_S)


def _run(client, peer, rehearsal, started: float, seconds: float | None) -> None:
    drops = peer.session.status.drops
    was_connected = True
    while seconds is None or time.monotonic() - started < seconds:
        select.select([client.event_fd, client.death_fd], [], [], PUMP_PERIOD_S)
        for event in client.poll_events():
            if isinstance(event, evt.EngineDiedEvent):
                raise EngineDiedError(event.message)
            if isinstance(event, evt.ErrorEvent):
                print(f"pianola: {event.message}", file=sys.stderr)
            peer.on_engine_event(event)
        for command in peer.pump():
            client.send(command)
        while peer.notices:
            print(f"pianola: {peer.notices.pop(0)}", file=sys.stderr, flush=True)
        status = peer.session.status
        if status.drops > drops:  # (gone and back within one look: said all the same)
            drops = status.drops
            if was_connected:  # once per outage, however often a reconnect fails
                print(
                    "pianola: the session server went away; playing on with the local copy",
                    file=sys.stderr,
                    flush=True,
                )
            was_connected = False
        if status.synced and not was_connected:  # the server itself answered again
            was_connected = True
            print("pianola: back in the session", file=sys.stderr, flush=True)
        # random edits end a few seconds before leaving, so every peer ends on one song
        elapsed = time.monotonic() - started
        editing = elapsed >= EDITS_START_S and (seconds is None or elapsed < seconds - EDITS_END_S)
        if (
            rehearsal is not None
            and editing
            and peer.transport.playing
            and rehearsal.due(peer.server_now_ns() / 1e9 if rehearsal.contend else time.monotonic())
        ):
            rehearsal.edit(peer)
            for command in peer.pump():
                client.send(command)
