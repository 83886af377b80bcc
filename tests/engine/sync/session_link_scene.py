"""A live session whose two peers also share a Link session (run by
``netns.run_isolated`` inside a private network namespace; prints one JSON line).

A real ``pianola serve``, two peers each with its own engine process on one dummy JACK
server, both following Link, and a Link peer of the test's own (another Link app on the
network, 97 BPM, there first).  The scene starts the session, changes the tempo in Link,
then in the session, and reports what each peer's session and engine did, the event logs
and the onsets heard at both engines' outputs.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.bench.collab_phase import PORTS
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap
from tests.engine.sync.link_scene import let_the_peer_lead, new_peer, peer_tempo

PPQ = 480
KICK = 36
QUANTUM = 4.0
WAIT_S = 30.0


PAIR_S = 0.05  # under half a sixteenth at the scene's fastest tempo (133 BPM)


def two_bars() -> Score:
    """A looped two bars told apart by ear: eighths in the first, a click a sixteenth
    after each beat in the second, so the clicks of peers a bar apart are a sixteenth
    or more apart and pair with nothing."""
    eighths = [Note(i * PPQ // 2, PPQ // 8, KICK, 127) for i in range(8)]
    late = [Note(4 * PPQ + i * PPQ + PPQ // 4, PPQ // 8, KICK, 127) for i in range(4)]
    track = Track("clicks", is_drum=True, bank=128, notes=tuple(eighths + late))
    return Score(
        tracks=(track,),
        tempo_map=TempoMap.constant(120.0),
        ppq=PPQ,
        loop=LoopRegion(0, 8 * PPQ),
        loop_enabled=True,
    )


def paired_onsets(recording) -> tuple[list[int], list[float]]:
    """Onsets found in each of the two channels, and for each of the first's whose twin
    in the second is within ``PAIR_S``, the second's minus the first's in ms."""
    from engine.measure.onsets import find_onsets, suggest_threshold

    rate = recording.sample_rate
    heard = []
    for channel in range(2):
        magnitude = np.abs(recording.samples[:, channel])
        found = find_onsets(magnitude, suggest_threshold(magnitude), rate // 20)
        heard.append(recording.jack_frames(found) if magnitude.any() else np.zeros(0))
    first, second = heard
    errors = []
    for frame in first if len(second) else ():
        nearest = second[np.argmin(np.abs(second - frame))]
        if abs(nearest - frame) < PAIR_S * rate:
            errors.append(round(1000 * float(nearest - frame) / rate, 2))
    return [len(first), len(second)], errors


def session_bpm(peer) -> float:
    return peer.song.score().tempo_map.changes[0].bpm


def near(a: float, b: float) -> bool:
    return abs(a - b) < 0.01


def scene() -> dict:
    from engine.collab.connection import create_room
    from engine.collab.link_share import with_first_tempo
    from engine.collab.peer import Peer
    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
    from engine.core.protocol import events as evt
    from engine.core.timing import bpm_to_us_per_quarter
    from engine.measure.capture import Recorder
    from engine.realtime.client import EngineClient
    from tests.engine.collab.conftest import ServerProcess

    jack = os.environ["JACK_DEFAULT_SERVER"]
    report: dict = {}
    work = Path(tempfile.mkdtemp(prefix="pianola-session-link-"))
    (work / "rooms").mkdir()
    server = ServerProcess(work / "rooms").start()
    link_app = new_peer()  # 97 BPM: another Link app, there before Pianola
    logs = [open(work / f"peer{i}.jsonl", "w", encoding="utf-8") for i in range(2)]  # noqa: SIM115
    room = create_room(server.url)
    peers = [
        Peer(room, "first", score=two_bars(), event_log=logs[0]),
        Peer(room, "second", event_log=logs[1]),
    ]
    listener = Peer(room, "listener")  # a peer without Link or engine: the session itself
    settings = AudioSettings(driver="jack", jack_server=jack, reverb=False)
    engines = [EngineClient(settings).start() for _ in peers]

    said: list[list[str]] = [[], []]  # what each engine said went wrong

    def pump() -> None:
        for peer, engine, heard in zip(peers, engines, said):
            for event in engine.poll_events():
                if isinstance(event, (evt.ErrorEvent, evt.AudioLostEvent, evt.XrunEvent)):
                    heard.append(repr(event))
                peer.on_engine_event(event)
            for command in peer.pump():
                engine.send(command)
        listener.pump()

    def pump_until(done, timeout_s: float = WAIT_S) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pump()
            if done():
                return True
            time.sleep(0.005)
        return False

    def pump_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        pump_until(lambda: time.monotonic() > end, seconds + 1)

    try:
        for engine in engines:
            engine.wait_ready(30.0)
        let_the_peer_lead(link_app)
        for engine in engines:
            engine.send(cmd.SetSyncCommand("link", QUANTUM, False))
        report["joined"] = pump_until(
            lambda: (
                all(p.session.status.synced and p.clock is not None for p in peers)
                and listener.session.status.synced
            )
        )
        # Link leads: its tempo (the app's 97) becomes the session's
        report["link_leads"] = pump_until(lambda: all(p.link_share.leads for p in peers))
        report["session_took_link_tempo"] = pump_until(
            lambda: all(near(session_bpm(p), 97.0) for p in [*peers, listener])
        )
        with Recorder(PORTS, channels=2, server_name=jack, max_seconds=40) as rec:
            rec.start()
            peers[0].play(0)
            report["playing"] = pump_until(lambda: all(e.read_position().playing for e in engines))
            pump_for(4.0)
            # a tempo change in Link (another app) reaches both engines and the session
            clock = link_app.clock()
            state = link_app.captureAppSessionState()
            state.setTempo(133.0, clock.micros())
            link_app.commitAppSessionState(state)
            report["link_tempo_reached_session"] = pump_until(
                lambda: all(near(session_bpm(p), 133.0) for p in [*peers, listener])
            )
            report["link_tempo_reached_engines"] = pump_until(
                lambda: all(
                    e.read_position().us_per_quarter == bpm_to_us_per_quarter(133.0)
                    for e in engines
                )
            )
            pump_for(4.0)
            # a tempo change in the session (the second peer) reaches Link and the first
            peers[1].edit(with_first_tempo(peers[1].song.score(), bpm_to_us_per_quarter(110.0)))
            report["session_tempo_reached_link"] = pump_until(
                lambda: near(peer_tempo(link_app), 110.0)
            )
            report["session_tempo_reached_first"] = pump_until(
                lambda: (
                    near(peers[0].link_share.link_bpm, 110.0) and near(session_bpm(peers[0]), 110.0)
                )
            )
            pump_for(4.0)
            recording = rec.stop()
        report["onsets"], report["errors_ms"] = paired_onsets(recording)
        report["notices"] = [p.notices for p in peers]
        report["engines_said"] = said
        report["incoherent"] = [p.incoherent for p in peers]
        report["realigned"] = [p.link_share.realigned for p in peers]
        report["from_link"] = [p.link_share.from_link for p in peers]
        report["to_link"] = [p.link_share.to_link for p in peers]
        report["status"] = [
            {k: p.coherence_status()[k] for k in ("link_leads", "link_bpm", "realigned")}
            for p in peers
        ]
    finally:
        for peer in [*peers, listener]:
            peer.leave()
        for engine in engines:
            engine.close()
        for log in logs:
            log.close()
        link_app.enabled = False
        server.stop()
    report["logs"] = [
        (work / f"peer{i}.jsonl").read_text(encoding="utf-8").splitlines() for i in range(2)
    ]
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    {"session": scene}[sys.argv[1]]()
