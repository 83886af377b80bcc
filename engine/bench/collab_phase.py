"""Phase between peers: two peers of one session, each with its own engine on one dummy
JACK server, recorded side by side and their onsets compared (bench and test helper; runs
on the caller's thread, the peers' engines in their own processes).

Both engines play through FluidSynth to their own JACK ports; one recorder of ours takes
both outputs in the same cycles, so an onset's JACK frame in one channel and the same
note's in the other differ only by how far apart the two peers placed the session's
shared start.  Nothing but the session links the two engines: each measures its offset
to the server's clock by its own pings (through a delaying proxy when asked) and starts
its engine on its own audio clock.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap

PPQ = 480
KICK = 36
CLOCK_SAMPLES = 16  # pings each peer has answered before the start (the first burst)
SETTLE_S = 2.0
PORTS = r"^pianola(-\d+)?:left$"


@dataclass(frozen=True, slots=True)
class PhaseResult:
    """Onsets heard from both peers and how far apart each pair was."""

    errors_ms: tuple[float, ...]  # second peer's onset minus the first's, per note
    onsets: tuple[int, int]  # onsets found in each output
    xruns: int
    ports: tuple[str, ...]

    @property
    def worst_ms(self) -> float:
        return max((abs(e) for e in self.errors_ms), default=float("nan"))

    @property
    def first_ms(self) -> float:
        """The first note's: where the two peers placed the shared start."""
        return abs(self.errors_ms[0]) if self.errors_ms else float("nan")

    @property
    def shifted(self) -> bool:
        """The phase moved during the session (an engine's audio dropped a cycle)."""
        return any(abs(e - self.errors_ms[0]) > 1.0 for e in self.errors_ms)

    @property
    def median_ms(self) -> float:
        return statistics.median(abs(e) for e in self.errors_ms) if self.errors_ms else float("nan")


def clicks() -> Score:
    """A kick on every eighth of a looped bar: sharp onsets, four a second."""
    notes = tuple(Note(i * PPQ // 2, PPQ // 8, KICK, 127) for i in range(8))
    track = Track("clicks", is_drum=True, bank=128, notes=notes)
    return Score(
        tracks=(track,),
        tempo_map=TempoMap.constant(120.0),
        ppq=PPQ,
        loop=LoopRegion(0, 4 * PPQ),
        loop_enabled=True,
    )


def measure_phase(links, jack_server: str, seconds: float = 6.0) -> PhaseResult:
    """Two peers on ``links`` (the first brings the song and presses play) each with an
    engine on ``jack_server``; their outputs recorded for ``seconds`` of playing."""
    from engine.collab.peer import Peer
    from engine.core.audio_settings import AudioSettings
    from engine.measure.capture import Recorder
    from engine.realtime.client import EngineClient

    settings = AudioSettings(driver="jack", jack_server=jack_server, reverb=False)
    peers = [Peer(links[0], "first", score=clicks()), Peer(links[1], "second")]
    engines = [EngineClient(settings, realtime=False).start() for _ in peers]
    try:
        wait_joined(peers, engines)
        # musicians are in a session a little while before anyone presses play: pings
        # taken while the engines were loading their SoundFonts were slow ones
        settled = time.monotonic() + SETTLE_S
        pump_until(peers, engines, lambda: time.monotonic() > settled, None)
        with Recorder(PORTS, channels=2, server_name=jack_server, max_seconds=seconds + 4) as rec:
            rec.start()
            peers[0].play(0)
            end = time.monotonic() + 1.0 + seconds
            pump_until(peers, engines, lambda: time.monotonic() > end, None)
            recording = rec.stop()
            ports = tuple(rec.connected)
    finally:
        for peer in peers:
            peer.leave()
        for engine in engines:
            engine.close()
    return compare_outputs(recording, ports)


def wait_joined(peers, engines, timeout_s: float = 30.0) -> None:
    """Until the engines are up and every peer is in the session with its clock measured
    (RuntimeError after ``timeout_s``)."""
    for engine in engines:
        engine.wait_ready(timeout_s)
    pump_until(
        peers,
        engines,
        lambda: all(
            peer.session.status.synced
            and peer.clock is not None
            and peer.clock.samples >= CLOCK_SAMPLES
            for peer in peers
        ),
        "the peers did not join the session",
        timeout_s,
    )


def pump_until(peers, engines, done, failure: str | None, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        for peer, engine in zip(peers, engines):
            for event in engine.poll_events():
                peer.on_engine_event(event)
            for command in peer.pump():
                engine.send(command)
        if failure is not None and time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.005)


def compare_outputs(recording, ports) -> PhaseResult:
    from engine.measure.onsets import find_onsets, suggest_threshold

    rate = recording.sample_rate
    heard = []
    for channel in range(2):
        magnitude = np.abs(recording.samples[:, channel])
        if not magnitude.any():
            heard.append(np.zeros(0, np.int64))
            continue
        found = find_onsets(magnitude, suggest_threshold(magnitude), rate // 20)
        heard.append(recording.jack_frames(found))
    first, second = heard
    errors = []
    if len(first) and len(second):
        for frame in first:
            nearest = second[np.argmin(np.abs(second - frame))]
            if abs(nearest - frame) < rate // 8:  # the same note (notes are rate // 4 apart)
                errors.append(1000 * float(nearest - frame) / rate)
    return PhaseResult(tuple(errors), (len(first), len(second)), recording.xruns, ports)
