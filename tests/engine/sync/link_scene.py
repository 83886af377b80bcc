"""Scenes between a Link peer of the test's own and Pianola's Link session (run by
``netns.run_isolated`` inside a private network namespace; prints one JSON line)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time

import link

from engine.sync.link_session import LinkSession


def wait_for(predicate, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def peer_tempo(peer) -> float:
    return peer.captureAppSessionState().tempo()


def scene_tempo() -> dict:
    """Join a session at 97 BPM, follow its change to 133, push 111 to it."""
    peer = link.Link(97.0)
    peer.enabled = True
    time.sleep(PEER_LEAD_S)
    report = {}
    with LinkSession(120.0) as ours:
        report["joined"] = wait_for(lambda: ours.peers() == 1)
        report["tempo_on_joining"] = ours.snapshot().tempo_bpm
        clock = peer.clock()
        now = clock.micros()
        peer_phase = peer.captureAppSessionState().phaseAtTime(now, 4.0)
        report["phase_difference"] = (ours.beat_at(now) - peer_phase) % 4.0
        state = peer.captureAppSessionState()
        state.setTempo(133.0, clock.micros())
        peer.commitAppSessionState(state)
        wait_for(lambda: abs(ours.snapshot().tempo_bpm - 133.0) < 1e-6, 5.0)
        report["tempo_after_peer_change"] = ours.snapshot().tempo_bpm
        ours.set_tempo(111.0)
        wait_for(lambda: abs(peer_tempo(peer) - 111.0) < 1e-6, 5.0)
        report["peer_tempo_after_ours"] = peer_tempo(peer)
    peer.enabled = False
    print(json.dumps(report))
    return report


class ClockSampler:
    """The test's own record of JACK's cycles: (host time, frame) of every cycle seen, so
    a heard frame is converted with the cycles around it (a busy machine's dummy server
    does not keep one steady rate for a whole run)."""

    def __init__(self, server: str):
        from engine.sync.jack_clock import JackClock

        self.clock = JackClock(server, client_name="pianola-test-clock").open()
        self.pairs: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:  # above a busy machine's other work, like the engine's own threads
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(60))
        except OSError:
            pass  # not allowed here: sampled at normal priority, onsets may go untimed
        while not self._stop.is_set():
            self.clock.sample()
            pair = self.clock.last_pair
            if not self.pairs or self.pairs[-1][1] != pair[1]:
                self.pairs.append(pair)
            time.sleep(0.003)

    def host_us_at(self, frame: int) -> float | None:
        """From the line through the cycles within a quarter second of ``frame`` (a
        second, if this thread was held up that long); None when none was seen that near:
        that onset cannot be timed."""
        from engine.sync.host_clock import FrameTimeFit

        rate = self.clock.sample_rate
        for reach in (rate // 4, rate):
            near = [(host_us, f) for host_us, f in self.pairs if abs(f - frame) <= reach]
            if len(near) >= 2:
                fit = FrameTimeFit(rate)
                for host_us, f in near:
                    fit.add(host_us, f)
                return fit.host_us_at(frame)
        return None

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.clock.close()


def heard_beats(peer, recorder_stop, sampler, quantum: float) -> list[float]:
    """The peer's beat at each onset heard at Pianola's output (latency included)."""
    from tests.engine.sync.sync_kit import onset_jack_frames

    recording = recorder_stop()
    latency = sampler.clock.playback_latency_frames(["pianola:left"])
    state = peer.captureAppSessionState()
    # a cycle the server dropped (a busy machine) moves JACK's frame time and not the
    # music: the onsets of the 0.6 s after it are left out
    times = recording.period_frame_times.astype("int64")
    gaps = times[1:][(times[1:] - times[:-1]) != recording.period_frames]
    beats = []
    for frame in onset_jack_frames(recording):
        if any(frame - recording.sample_rate * 0.6 < gap <= frame for gap in gaps):
            beats.append(None)  # heard, but not to be timed
            continue
        host_us = sampler.host_us_at(frame + latency)
        beats.append(None if host_us is None else state.beatAtTime(round(host_us), quantum))
    return beats


class EngineEvents:
    """The engine's sync and error messages, gathered as they come (a scene waits on them)."""

    def __init__(self, client):
        self.client = client
        self.messages: list[str] = []

    def pump(self) -> list[str]:
        from engine.core.protocol import events as evt

        for event in self.client.poll_events():
            if isinstance(event, (evt.SyncEvent, evt.ErrorEvent)):
                self.messages.append(event.message)
        return self.messages

    def wait_for(self, message: str, timeout_s: float = 20.0) -> bool:
        return wait_for(lambda: message in self.pump(), timeout_s)


# Two Link sessions that meet merge into the one that began first, but only when they
# began more than half a second apart: closer than that, Link picks one by its random id.
# A scene whose peer's session must win lets it lead Pianola's by more than that.
PEER_LEAD_S = 1.5

# an engine process starting on a busy machine (imports, the SoundFont, JACK) may take
# well over the half minute it takes alone
READY_S = 120.0


_BORN: dict[int, float] = {}  # id(peer) -> when new_peer() enabled it (monotonic)


def new_peer(quantum: float = 4.0):
    peer = link.Link(97.0)
    peer.startStopSyncEnabled = True
    peer.enabled = True
    _BORN[id(peer)] = time.monotonic()
    return peer


def let_the_peer_lead(peer) -> None:
    """Wait until ``peer``'s session (from ``new_peer()``) is older than Pianola's can be
    by ``PEER_LEAD_S``, just before Pianola's Link is turned on."""
    time.sleep(max(0.0, _BORN[id(peer)] + PEER_LEAD_S - time.monotonic()))


class OnLink:
    """What ``engine_on_link`` sets up: the engine's ``client`` and its ``events``, the
    Link ``peer`` (a scene may make or replace it: it is disabled at the end), the test's
    JACK clock ``sampler`` (or None) and the ``report`` begun."""

    def __init__(self, client, events, peer, sampler):
        self.client, self.events, self.peer, self.sampler = client, events, peer, sampler
        self.report: dict = {}

    def turn_link_on(self, quantum: float = 4.0, see_peer: bool = True) -> None:
        """Link on, the peer's session older than Pianola's (it leads), the engine heard
        to follow it and, with ``see_peer``, to have met the peer."""
        from engine.core.protocol import commands as cmd

        if self.peer is not None:
            let_the_peer_lead(self.peer)
        self.client.send(cmd.SetSyncCommand("link", quantum))
        self.report["saw_sync"] = self.events.wait_for("Sync: Ableton Link.")
        if self.peer is not None and see_peer:
            self.report["saw_peer"] = self.events.wait_for("Link: 1 peer.")


@contextlib.contextmanager
def engine_on_link(
    song,
    *,
    setup=(),
    link: bool = True,
    see_peer: bool = True,
    with_peer: bool = True,
    sampled: bool = False,
    quantum: float = 4.0,
):
    """The real engine on the test's JACK server playing ``song`` (``setup``: commands
    sent after it), with a Link peer of the test's own at 97 BPM (``with_peer``), the
    test's clock sampler (``sampled``), and Link turned on (``link``; see
    ``OnLink.turn_link_on``).  Yields an ``OnLink``; everything is closed after."""
    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
    from engine.realtime.client import EngineClient

    server = os.environ["JACK_DEFAULT_SERVER"]
    peer = new_peer() if with_peer else None
    sampler = ClockSampler(server) if sampled else None
    client = EngineClient(AudioSettings(driver="jack", jack_server=server, reverb=False))
    on = OnLink(client, None, peer, sampler)
    client.start()
    try:
        client.wait_ready(READY_S)
        on.events = EngineEvents(client)
        client.send(cmd.LoadScoreCommand(song))
        for command in setup:
            client.send(command)
        if link:
            on.turn_link_on(quantum, see_peer)
        yield on
    finally:
        client.close()
        if sampler is not None:
            sampler.close()
        if on.peer is not None:
            on.peer.enabled = False


def scene_engine(mode: str) -> dict:
    """The real engine under Link with a peer at 97 BPM: ``steady`` plays from Pianola's
    own start once the peer is seen (``early``: at once, the peer maybe not yet seen);
    ``retempo`` has the peer change to 133 BPM while
    playing; ``startstop`` has the peer start and stop the transport (start/stop sync);
    ``join`` has the peer appear while Pianola plays alone on Link; ``linkon`` turns Link
    on while Pianola plays on its own clock, the peer already there."""
    from engine.core.protocol import commands as cmd
    from engine.measure.capture import Recorder
    from tests.engine.sync.sync_kit import PPQ, clicks

    server = os.environ["JACK_DEFAULT_SERVER"]
    quantum = 4.0
    # "join": the peer comes later, Pianola's session leads; "linkon": Link comes later;
    # "early" plays at once, the peer maybe not yet seen; otherwise the peer is seen
    # before anything is timed
    with engine_on_link(
        clicks(256),
        link=mode != "linkon",
        see_peer=mode != "early",
        with_peer=mode != "join",
        sampled=True,
        quantum=quantum,
    ) as on:
        client, events, peer, report = on.client, on.events, on.peer, on.report
        with Recorder(r"^pianola:", channels=1, server_name=server, max_seconds=30) as rec:
            rec.start()
            if mode == "startstop":
                time.sleep(1.5)
                clock = peer.clock()
                state = peer.captureAppSessionState()
                report["peer_start_us"] = clock.micros() + 123_000  # off the bar
                state.setIsPlaying(True, report["peer_start_us"])
                peer.commitAppSessionState(state)
                time.sleep(4.0)
                state = peer.captureAppSessionState()
                state.setIsPlaying(False, clock.micros())
                peer.commitAppSessionState(state)
                time.sleep(1.0)
                report["playing_after_peer_stop"] = client.read_position().playing
                report["peer_start_beat"] = peer.captureAppSessionState().beatAtTime(
                    report["peer_start_us"], quantum
                )
            else:
                client.send(cmd.PlayCommand(0))
                # the first click: a start waits for the session's next bar
                wait_for(lambda: client.read_position().playing, 10.0)
                time.sleep(3.0)
                if mode == "join":
                    peer = on.peer = new_peer()
                    report["saw_peer"] = events.wait_for("Link: 1 peer.")
                    report["join_us"] = peer.clock().micros()
                elif mode == "linkon":
                    client.send(cmd.SetSyncCommand("link", quantum))
                    report["saw_peer"] = events.wait_for("Link: 1 peer.")
                    report["join_us"] = peer.clock().micros()
                time.sleep(5.0)
                if mode == "retempo":
                    clock = peer.clock()
                    state = peer.captureAppSessionState()
                    report["change_us"] = clock.micros()
                    state.setTempo(133.0, report["change_us"])
                    peer.commitAppSessionState(state)
                    time.sleep(4.0)
                    report["change_beat"] = peer.captureAppSessionState().beatAtTime(
                        report["change_us"], quantum
                    )
                position = client.read_position()
                report["playing"] = position.playing
                # the music's beat within its bar against the session's (both at about
                # this moment): in phase, they differ by the output's few milliseconds
                now_beat = peer.captureAppSessionState().beatAtTime(peer.clock().micros(), quantum)
                report["bar_phase"] = (position.tick / PPQ - now_beat) % quantum
            if "join_us" in report:
                report["join_beat"] = peer.captureAppSessionState().beatAtTime(
                    report["join_us"], quantum
                )
            report["beats"] = heard_beats(peer, rec.stop, on.sampler, quantum)
            report["tempo_shown_bpm"] = 60e6 / client.read_position().us_per_quarter
            report["session_bpm"] = peer_tempo(peer)
        report["events"] = events.pump()
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    {"tempo": scene_tempo, "engine": scene_engine}[sys.argv[1]](*sys.argv[2:])
