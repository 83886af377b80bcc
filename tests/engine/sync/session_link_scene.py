"""A live session whose two peers also share a Link session (run by
``netns.run_isolated`` inside a private network namespace; prints one JSON line).

A real ``pianola serve``, two peers each with its own engine process on one dummy JACK
server, both following Link, and a Link peer of the test's own (another Link app on the
network, 97 BPM, there first).  The scene starts the session, changes the tempo in Link,
then in the session, and reports what each peer's session and engine did, the event logs
and the onsets heard at both engines' outputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.bench.collab_phase import PORTS
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap
from tests.engine.sync.link_scene import let_the_peer_lead, new_peer, peer_tempo
from tests.engine.sync.session_link_trace import HeardOnSession, clocks, start_of

PPQ = 480
KICK = 36
QUANTUM = 4.0
WAIT_S = 30.0
# two engine processes starting at once on a busy machine (imports, the SoundFont, JACK)
# may take well over the half minute one takes alone
READY_S = 120.0


# two peers' clicks are one click when this close: half a sixteenth at the scene's
# fastest tempo, so a click pairs with its twin and never with a neighbour
FASTEST_BPM = 133.0
PAIR_S = 60.0 / FASTEST_BPM / 8


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


def heard_frames(recording) -> list[np.ndarray]:
    """The JACK frames of the onsets found in each of the two channels."""
    from engine.measure.onsets import find_onsets, suggest_threshold

    heard = []
    for channel in range(2):
        magnitude = np.abs(recording.samples[:, channel])
        found = find_onsets(magnitude, suggest_threshold(magnitude), recording.sample_rate // 20)
        heard.append(recording.jack_frames(found) if magnitude.any() else np.zeros(0))
    return heard


def paired_onsets(recording) -> tuple[list[int], list[float]]:
    """Onsets found in each of the two channels, and for each of the first's whose twin
    in the second is within ``PAIR_S``, the second's minus the first's in ms."""
    rate = recording.sample_rate
    first, second = heard_frames(recording)
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


class LinkSessionScene:
    """A server, a listener peer and one peer per entry of ``on_link`` with an engine of
    its own (following Link when True; the first brings the song), with a Link app of the
    test's own there first at 97 BPM; ``pump`` carries commands and events between each
    peer and its engine."""

    def __init__(self, on_link: tuple[bool, ...]):
        self.on_link = on_link

    def __enter__(self) -> LinkSessionScene:
        from tests.engine.collab.conftest import ServerProcess

        jack = self.jack = os.environ["JACK_DEFAULT_SERVER"]
        self.work = Path(tempfile.mkdtemp(prefix="pianola-session-link-"))
        (self.work / "rooms").mkdir()
        self.server = ServerProcess(self.work / "rooms").start()
        # what is made so far, for __exit__ to close if the rest fails
        self.link_app: Any = None
        self.listener: Any = None
        self.logs: list[Any] = []
        self.peers: list[Any] = []
        self.engines: list[Any] = []
        try:
            self._meet(jack)
        except BaseException:
            self.__exit__()  # nothing of the scene is left running
            raise
        return self

    def _meet(self, jack: str) -> None:
        from engine.collab.connection import create_room
        from engine.collab.peer import Peer
        from engine.core.audio_settings import AudioSettings
        from engine.realtime.client import EngineClient

        # a busy machine's new server may be slow to answer its first request
        room = create_room(self.server.url, timeout_s=WAIT_S)
        self.link_app = new_peer()  # 97 BPM: another Link app, there before Pianola
        self.logs = [
            open(self.work / f"peer{i}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            for i in range(len(self.on_link))
        ]
        self.peers = [
            Peer(room, f"peer{i}", score=two_bars() if i == 0 else None, event_log=log)
            for i, log in enumerate(self.logs)
        ]
        self.listener = Peer(room, "listener")  # a peer without Link or engine: the session
        settings = AudioSettings(driver="jack", jack_server=jack, reverb=False)
        self.engines = [EngineClient(settings).start() for _ in self.peers]
        self.said: list[list[str]] = [[] for _ in self.peers]  # what each engine said went wrong
        self.starts: list[list[dict]] = [[] for _ in self.peers]  # each peer's engine starts

    def __exit__(self, *exc) -> None:
        for peer in [*self.peers, self.listener]:
            if peer is not None:
                peer.leave()
        for engine in self.engines:
            engine.close()
        for log in self.logs:
            log.close()
        if self.link_app is not None:
            self.link_app.enabled = False
        self.server.stop()

    def logged(self) -> list[list[str]]:
        return [
            (self.work / f"peer{i}.jsonl").read_text(encoding="utf-8").splitlines()
            for i in range(len(self.peers))
        ]

    def pump(self) -> None:
        from engine.core.protocol import commands as cmd
        from engine.core.protocol import events as evt

        for peer, engine, heard, starts in zip(self.peers, self.engines, self.said, self.starts):
            for event in engine.poll_events():
                if isinstance(event, (evt.ErrorEvent, evt.AudioLostEvent, evt.XrunEvent)):
                    heard.append(repr(event))
                peer.on_engine_event(event)
            for command in peer.pump():
                if isinstance(command, cmd.PlayAtCommand):
                    starts.append(start_of(peer, command))
                engine.send(command)
        self.listener.pump()

    def pump_until(self, done, timeout_s: float = WAIT_S) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.pump()
            if done():
                return True
            time.sleep(0.005)
        return False

    def pump_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        self.pump_until(lambda: time.monotonic() > end, seconds + 1)

    def join(self, report: dict) -> None:
        """The engines ready, Link turned on where asked, every peer in the session and
        Link's tempo (the app's 97) the session's."""
        from engine.core.protocol import commands as cmd

        for engine in self.engines:
            engine.wait_ready(READY_S)
        let_the_peer_lead(self.link_app)
        for engine, on in zip(self.engines, self.on_link):
            if on:
                engine.send(cmd.SetSyncCommand("link", QUANTUM, False))
        peers, listener = self.peers, self.listener
        report["joined"] = self.pump_until(
            lambda: (
                all(p.session.status.synced and p.clock is not None for p in peers)
                and listener.session.status.synced
            )
        )
        linked = [p for p, on in zip(peers, self.on_link) if on]
        report["link_leads"] = self.pump_until(lambda: all(p.link_share.leads for p in linked))
        report["session_took_link_tempo"] = self.pump_until(
            lambda: all(near(session_bpm(p), 97.0) for p in [*peers, listener])
        )


def scene() -> dict:
    from engine.collab.link_share import with_first_tempo
    from engine.core.timing import bpm_to_us_per_quarter
    from engine.measure.capture import Recorder

    report: dict = {}
    with LinkSessionScene((True, True)) as s:
        peers, engines, listener, link_app = s.peers, s.engines, s.listener, s.link_app
        s.join(report)
        with Recorder(PORTS, channels=2, server_name=s.jack, max_seconds=40) as rec:
            rec.start()
            peers[0].play(0)
            report["playing"] = s.pump_until(
                lambda: all(e.read_position().playing for e in engines)
            )
            s.pump_for(4.0)
            # a tempo change in Link (another app) reaches both engines and the session
            clock = link_app.clock()
            state = link_app.captureAppSessionState()
            state.setTempo(FASTEST_BPM, clock.micros())
            link_app.commitAppSessionState(state)
            report["link_tempo_reached_session"] = s.pump_until(
                lambda: all(near(session_bpm(p), FASTEST_BPM) for p in [*peers, listener])
            )
            report["link_tempo_reached_engines"] = s.pump_until(
                lambda: all(
                    e.read_position().us_per_quarter == bpm_to_us_per_quarter(FASTEST_BPM)
                    for e in engines
                )
            )
            s.pump_for(4.0)
            # a tempo change in the session (the second peer) reaches Link and the first
            peers[1].edit(with_first_tempo(peers[1].song.score(), bpm_to_us_per_quarter(110.0)))
            report["session_tempo_reached_link"] = s.pump_until(
                lambda: near(peer_tempo(link_app), 110.0)
            )
            report["session_tempo_reached_first"] = s.pump_until(
                lambda: (
                    near(peers[0].link_share.link_bpm, 110.0) and near(session_bpm(peers[0]), 110.0)
                )
            )
            s.pump_for(4.0)
            recording = rec.stop()
        report["onsets"], report["errors_ms"] = paired_onsets(recording)
        report["notices"] = [p.notices for p in peers]
        report["engines_said"] = s.said
        report["incoherent"] = [p.incoherent for p in peers]
        report["realigned"] = [p.link_share.realigned for p in peers]
        report["from_link"] = [p.link_share.from_link for p in peers]
        report["to_link"] = [p.link_share.to_link for p in peers]
        report["status"] = [
            {k: p.coherence_status()[k] for k in ("link_leads", "link_bpm", "realigned")}
            for p in peers
        ]
    report["logs"] = s.logged()
    print(json.dumps(report))
    return report


def play_off_links_bar(s: LinkSessionScene, beat_in_bar: float) -> bool:
    """Start the session so that its first tick sounds on ``beat_in_bar`` (within 0.03) of
    the Link app's bar: a peer on Link then plays that many beats off the session's own
    phase (Link moves the music into its phase by the nearest shift)."""
    from engine.collab.peer import START_MARGIN_US

    peer, app = s.peers[0], s.link_app

    def start_beat() -> float:
        # when ``peer.play()`` now would start the session, on the Link app's clock
        server_now_ns = peer.server_now_ns()
        at_ns = server_now_ns + int(peer.ahead_ms() * 1e6) + START_MARGIN_US * 1000
        local_us = (at_ns - server_now_ns + time.monotonic_ns()) // 1000
        link_us = local_us + app.clock().micros() - time.monotonic_ns() // 1000
        return app.captureAppSessionState().beatAtTime(link_us, QUANTUM) % QUANTUM

    if not s.pump_until(lambda: abs(start_beat() - beat_in_bar) < 0.03):
        return False
    peer.play(0)
    return True


def link_off() -> dict:
    """The first peer follows Link, the second does not; the session starts 1 1/8 beats
    into Link's bar, so the first plays that far off the second: every click of the song
    lies on a sixteenth, so none of the first's is then within an eighth of a beat of
    the second's.  The first turns Link off while the session plays: the onsets of both
    engines, before and after."""
    from engine.core.protocol import commands as cmd
    from engine.core.timing import bpm_to_us_per_quarter
    from engine.measure.capture import Recorder
    from tests.engine.sync.link_scene import ClockSampler

    report: dict = {}
    with LinkSessionScene((True, False)) as s:
        peers, engines = s.peers, s.engines
        s.join(report)
        report["started"] = play_off_links_bar(s, 1.125)
        report["playing"] = s.pump_until(lambda: all(e.read_position().playing for e in engines))
        s.pump_for(3.0)  # the Link peer's clock settles and Link moves its music
        for when in ("before", "after"):
            with (
                # the test's own record of JACK's cycles while it records: where each
                # engine's clicks fall on the session's beat, should the scene fail
                contextlib.closing(ClockSampler(s.jack)) as sampler,
                Recorder(PORTS, channels=2, server_name=s.jack, max_seconds=24) as rec,
            ):
                rec.start()
                s.pump_for(10.0)  # about 24 clicks each
                recording = rec.stop()
                onsets, errors = paired_onsets(recording)
                report[f"onsets_{when}"], report[f"errors_ms_{when}"] = onsets, errors
                heard_on = HeardOnSession(sampler)
                start_ns = peers[0].transport.at_ns
                session_us = peers[0].song.score().tempo_map.changes[0].us_per_quarter
                report[f"heard_{when}"] = [
                    heard_on.channel(port, frames, start_ns, session_us)
                    for port, frames in zip(rec.connected, heard_frames(recording))
                ]
            if when == "before":
                report["clocks_at_switch"] = clocks(peers)
                engines[0].send(cmd.SetSyncCommand("internal", QUANTUM, False))
                report["link_let_go"] = s.pump_until(
                    lambda: not peers[0].link_share.leads and "Link is off" in str(peers[0].notices)
                )
                s.pump_for(2.0)  # its new start, a step ahead, and the re-aligner's checks
        report["clocks_after"] = clocks(peers)
        report["starts"] = s.starts
        report["realigned_shifts"] = [p.realigned_shifts for p in peers]
        report["playing_after"] = all(e.read_position().playing for e in engines)
        report["session_us_per_quarter"] = session_us
        report["engine_us_per_quarter"] = [e.read_position().us_per_quarter for e in engines]
        report["session_97"] = session_us == bpm_to_us_per_quarter(97.0)
        report["notices"] = [p.notices for p in peers]
        report["engines_said"] = [len(said) for said in s.said]
        report["incoherent"] = [p.incoherent for p in peers]
        report["status"] = [
            {k: p.coherence_status()[k] for k in ("link_leads", "link_bpm", "realigned")}
            for p in peers
        ]
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    {"session": scene, "link_off": link_off}[sys.argv[1]]()
