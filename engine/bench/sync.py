"""`pianola bench sync`: Link phase error at the audio output; MIDI clock out jitter; MIDI clock in tempo (benchmark main thread).

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

``--parts clock`` measures MIDI clock out the same way: the engine sends 24 pulses per
quarter at 120 BPM to a JACK MIDI port of its own, a JACK MIDI client of the benchmark
records the frame of every pulse, and each pulse's distance from the straight line
through them all is its jitter (worst and standard deviation, in frames).  Side by side:
the naive way, an rtmidi JACK port sent to at wall-clock deadlines (sleep, then
``send_message``), recorded by the same client.

``--parts clockin`` has the engine follow a MIDI clock at 97 BPM that a JACK MIDI client
of the benchmark sends (``engine.bench.sync_clock_in``), each pulse at its own frame or,
side by side, at the start of the cycle after it (a program sending "now"): the error of
the tempo Pianola shows after 1, 4 and 16 bars of clock, and of the tempo of the onsets
heard over bars 2-4 and 5-16 after Start, in percent.
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
    parser.add_argument(
        "--parts",
        default="link,clock,clockin",
        help="what to measure: link, clock, clockin (default all three)",
    )


def run(args) -> int:
    periods = [int(p) for p in str(args.periods).split(",") if p.strip()]
    parts = {part.strip() for part in str(args.parts).split(",")}
    if os.environ.get(INSIDE) != "1":
        status = _run_isolated(periods, args.seconds) if "link" in parts else 0
        if status == 0 and "clock" in parts:
            status = run_clock(periods, args.seconds)
        if status == 0 and "clockin" in parts:
            from engine.bench.sync_clock_in import run_clock_in

            status = run_clock_in(periods)
        return status
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
    print(
        f"{'period':>8} {'onsets':>7} {'median ms':>10} {'worst ms':>9} {'xruns':>6} {'skipped':>8}"
    )
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
            f"{r['xruns']:>6} {r.get('skipped', 0):>8}"
        )
    return 0


def measure(period: int, seconds: float) -> dict:
    """One run at one period (inside the private network)."""
    import link

    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
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
        pairs: list[tuple[int, int]] = []  # (host us, frame) of every cycle seen

        def sample() -> None:
            while not stop.is_set():
                clock.sample()
                if not pairs or pairs[-1][1] != clock.last_pair[1]:
                    pairs.append(clock.last_pair)
                time.sleep(0.003)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        client = EngineClient(AudioSettings(driver="jack", jack_server=name, reverb=False))
        client.start()
        try:
            client.wait_ready(30)
            client.send(cmd.LoadScoreCommand(score))
            client.send(cmd.SetSyncCommand("link", QUANTUM))
            client.send(cmd.PlayCommand(0))
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
        # a cycle the server dropped moves JACK's frame count against the host clock: the
        # onsets of the 0.6 s after one are left out (counted as skipped), and each onset
        # is converted with the cycles around it
        times = recording.period_frame_times.astype("int64")
        gaps = times[1:][(times[1:] - times[:-1]) != recording.period_frames]
        errors_ms, signed_ms, skipped = [], [], 0
        for frame in recording.jack_frames(found):
            frame = int(frame)
            if any(frame - 0.6 * 48000 < gap <= frame for gap in gaps):
                skipped += 1
                continue
            host_us = _host_us_near(pairs, frame + latency)
            beat = state.beatAtTime(round(host_us), QUANTUM)
            signed_ms.append((beat - round(beat)) * 60_000.0 / BPM)
            errors_ms.append(abs(signed_ms[-1]))
        clock.close()
    if os.environ.get("PIANOLA_BENCH_SYNC_ERRORS"):
        print(json.dumps({"signed_ms": signed_ms}), file=sys.stderr)
    return {
        "period": period,
        "onsets": len(errors_ms),
        "median_ms": statistics.median(errors_ms) if errors_ms else float("nan"),
        "worst_ms": max(errors_ms) if errors_ms else float("nan"),
        "xruns": recording.gaps,
        "skipped": skipped,
    }


def _host_us_near(pairs, frame: int) -> float:
    """Host time of ``frame`` from the line through the cycles within 0.25 s of it."""
    from engine.sync.host_clock import FrameTimeFit

    fit = FrameTimeFit(48000)
    for host_us, f in pairs:
        if abs(f - frame) <= 12000:
            fit.add(host_us, f)
    return fit.host_us_at(frame)


# --- MIDI clock out ----------------------------------------------------------------------


def jitter_frames(frames: list[int]) -> tuple[float, float]:
    """(worst, std) distance of each frame from the least-squares line through them all."""
    import numpy as np

    y = np.asarray(frames, dtype=np.float64)
    x = np.arange(len(y), dtype=np.float64)
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (slope * x + intercept)
    return float(np.abs(residuals).max()), float(residuals.std())


def run_clock(periods: list[int], seconds: float) -> int:
    print()
    print(f"MIDI clock out jitter, 120 BPM (24 per quarter), {seconds:g} s, frames at 48 kHz")
    print(f"{'period':>8} {'way':<28} {'pulses':>7} {'worst':>7} {'std':>7} {'xruns':>6}")
    for period in periods:
        for way in ("engine (JACK frame offsets)", "naive (rtmidi at deadlines)"):
            r = measure_clock(period, seconds, naive=way.startswith("naive"))
            print(
                f"{period:>8} {way:<28} {r['pulses']:>7} {r['worst']:>7.1f} {r['std']:>7.1f} "
                f"{r['xruns']:>6}"
            )
    return 0


def measure_clock(period: int, seconds: float, naive: bool) -> dict:
    from engine.measure.jackserver import DummyJackServer
    from engine.measure.midi_capture import MidiRecorder

    name = f"pianola-bench-clock-{os.getpid()}"
    pulse_s = 60.0 / BPM / 24
    with DummyJackServer(name, 48000, period, realtime=True):
        with MidiRecorder("pianola-bench-clock-rec", server=name) as recorder:
            if naive:
                _send_naively(recorder, name, pulse_s, seconds)
            else:
                _send_through_the_engine(recorder, name, seconds)
            pulses = [f for f, data in recorder.events() if data == bytes((0xF8,))]
            missed = len(recorder.missed)
    worst, std = jitter_frames(pulses) if len(pulses) > 2 else (float("nan"), float("nan"))
    return {"pulses": len(pulses), "worst": worst, "std": std, "xruns": missed}


def _send_through_the_engine(recorder, server: str, seconds: float) -> None:
    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
    from engine.core.score import Note, Score, Track
    from engine.core.timing import TempoMap
    from engine.realtime.client import EngineClient

    quarters = int(seconds * BPM / 60) + 16
    track = Track("quiet", notes=tuple(Note(i * 480, 60, 60, 1) for i in range(quarters)))
    score = Score(tracks=(track,), tempo_map=TempoMap.constant(BPM), ppq=480)
    client = EngineClient(AudioSettings(driver="jack", jack_server=server, reverb=False))
    client.start()
    try:
        client.wait_ready(30)
        client.send(cmd.LoadScoreCommand(score))
        client.send(cmd.SetMidiClockOutCommand("Pianola"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                recorder.connect_from("pianola-clock:out")
                break
            except Exception:  # the port's helper is still starting
                time.sleep(0.1)
        client.send(cmd.PlayCommand(0))
        time.sleep(seconds + 1.0)
    finally:
        client.close()


def _send_naively(recorder, server: str, pulse_s: float, seconds: float) -> None:
    """rtmidi's JACK port, a pulse sent at each wall-clock deadline (sleep, then spin)."""
    import rtmidi

    os.environ["JACK_DEFAULT_SERVER"] = server  # rtmidi opens the default server
    out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="pianola-bench-naive")
    try:
        out.open_virtual_port("out")
        deadline = time.monotonic() + 5
        while True:
            try:
                recorder.connect_from("pianola-bench-naive:out")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        start = time.monotonic() + 0.2
        for k in range(int(seconds / pulse_s)):
            due = start + k * pulse_s
            while (left := due - time.monotonic()) > 0.002:
                time.sleep(left / 2)
            while time.monotonic() < due:
                pass
            out.send_message([0xF8])
        time.sleep(0.2)
    finally:
        out.close_port()
        out.delete()
