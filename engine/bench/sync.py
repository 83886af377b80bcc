"""`pianola bench sync`: Link phase error at the audio output at several JACK periods (benchmark main thread).

For each period a fresh private dummy JACK server (48 kHz, realtime scheduling) runs the
engine process exactly as the GUI starts it, following an Ableton Link session whose
other peer is this benchmark (120 BPM, quantum 4).  The engine plays a kick on every
quarter; a JACK client of the benchmark records Pianola's output, finds the onsets, adds
the port's playback latency and converts each onset's JACK frame to host time (a fit
over JACK's cycles, as the engine itself does), then to the peer's beat.  The phase error
is the distance to the nearest beat, in milliseconds: median and worst over the run.
The kick's own attack (a few frames) and FluidSynth's 64-frame block grid are part of it.

Link announces itself by multicast on every interface, so the whole measurement runs in
a private network namespace whose only interface is a multicast loopback
(``unshare -n``; root or user namespaces are needed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

from engine.core.errors import PianolaError

BPM = 120.0
QUANTUM = 4.0
NETNS_SETUP = (
    "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"
    ' && exec "$0" "$@"'
)
INSIDE = "PIANOLA_BENCH_SYNC_INSIDE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--periods",
        default="64,256,1024",
        help="JACK periods to measure at, comma-separated (default 64,256,1024)",
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="seconds of playing per period (default 60)"
    )


def run(args) -> int:
    periods = [int(p) for p in str(args.periods).split(",") if p.strip()]
    if os.environ.get(INSIDE) != "1":
        return _run_isolated(periods, args.seconds)
    for period in periods:
        print(json.dumps(measure(period, args.seconds)), flush=True)
    return 0


def _run_isolated(periods: list[int], seconds: float) -> int:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        raise PianolaError("pianola bench sync needs unshare and ip for a private network.")
    print(
        f"Link phase error at the audio output: {BPM:g} BPM, quantum {QUANTUM:g}, "
        f"{seconds:g} s per period, 48 kHz, realtime dummy JACK server"
    )
    print(f"{'period':>8} {'onsets':>7} {'median ms':>10} {'worst ms':>9} {'xruns':>6}")
    for period in periods:
        out = subprocess.run(
            ["unshare", "-n", "sh", "-c", NETNS_SETUP, sys.executable, "-m", "engine.commands.cli"]
            + ["bench", "sync", "--periods", str(period), "--seconds", str(seconds)],
            capture_output=True,
            text=True,
            env=dict(os.environ, **{INSIDE: "1"}),
            timeout=seconds + 180,
        )
        if out.returncode != 0:
            print(out.stderr[-2000:], file=sys.stderr)
            return out.returncode
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{period:>8} {r['onsets']:>7} {r['median_ms']:>10.3f} {r['worst_ms']:>9.3f} "
            f"{r['xruns']:>6}"
        )
    return 0


def measure(period: int, seconds: float) -> dict:
    """One run at one period (inside the private network)."""
    import link

    from engine.core import protocol as p
    from engine.core.audio_settings import AudioSettings
    from engine.core.score import Note, Score, Track
    from engine.core.timing import TempoMap
    from engine.measure.capture import Recorder
    from engine.measure.jackserver import DummyJackServer
    from engine.measure.onsets import find_onsets, suggest_threshold
    from engine.realtime.client import EngineClient
    from engine.sync.jack_clock import JackClock

    quarters = int(seconds * BPM / 60) + 16
    clicks = Track(
        "clicks",
        is_drum=True,
        bank=128,
        notes=tuple(Note(i * 480, 60, 36, 127) for i in range(quarters)),
    )
    score = Score(tracks=(clicks,), tempo_map=TempoMap.constant(BPM), ppq=480)
    name = f"pianola-bench-sync-{os.getpid()}"
    peer = link.Link(BPM)
    peer.enabled = True
    with DummyJackServer(name, 48000, period, realtime=True):
        clock = JackClock(name, client_name="pianola-bench-clock").open()
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                clock.sample()
                time.sleep(0.003)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        client = EngineClient(AudioSettings(driver="jack", jack_server=name, reverb=False))
        client.start()
        try:
            client.wait_ready(30)
            client.send(p.LoadScoreCommand(score))
            client.send(p.SetSyncCommand("link", QUANTUM))
            client.send(p.PlayCommand(0))
            with Recorder(
                r"^pianola:", channels=1, server_name=name, max_seconds=seconds + 10
            ) as rec:
                time.sleep(3.0)  # the session's next bar, and the fits settled
                rec.start()
                rec.wait_frames(int(seconds * 48000), timeout_s=seconds * 3 + 30)
                recording = rec.stop()
                latency = clock.playback_latency_frames(["pianola:left"])
        finally:
            client.close()
            stop.set()
            sampler.join()
            peer.enabled = False
        state = peer.captureAppSessionState()
        magnitude = recording.magnitude()
        found = find_onsets(magnitude, suggest_threshold(magnitude), 48000 // 20)
        errors_ms = []
        for frame in recording.jack_frames(found):
            host_us = clock.host_us_at_frame(int(frame) + latency)
            beat = state.beatAtTime(round(host_us), QUANTUM)
            errors_ms.append(abs(beat - round(beat)) * 60_000.0 / BPM)
        clock.close()
    return {
        "period": period,
        "onsets": len(errors_ms),
        "median_ms": statistics.median(errors_ms) if errors_ms else float("nan"),
        "worst_ms": max(errors_ms) if errors_ms else float("nan"),
        "xruns": recording.gaps,
    }
