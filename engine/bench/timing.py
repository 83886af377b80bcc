"""`pianola bench timing`: onset errors heard at the JACK output (benchmark main thread).

For each JACK period size a private dummy JACK server (48 kHz) is started; on it, the
engine process plays sixteenths of a sharp drum note at each tempo, exactly as the GUI
starts it (``EngineClient``, driver ``jack``), while ``engine.measure.capture.Recorder`` records
the synth's output.  The onsets found in the recording are compared with the score's
frames (relative timing: the constant latency is fitted and reported on its own, see
``engine.measure.capture``).  In the same run the naive way — ``noteon()`` at wall-clock deadlines
from a separate process — plays the same pattern, and the ratio is printed.  Then one case
is repeated while one busy-loop process per core burns CPU, and the engine's own CPU use
(utime + stime from /proc) is reported as % of one core.

``--direct`` measures FluidSynth's sequencer used in-process instead of the engine (the
reference the measuring chain was validated against).

What to expect: FluidSynth applies sequencer events at its 64-frame block starts and its
sample-timer sequencer counts "now" in whole milliseconds (48 frames at 48 kHz), so an
event sounds 0-95 frames after its frame depending on where it falls; about the fitted
median that is roughly ±32-48 frames, the floor both the engine and --direct show.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.core.errors import AudioDriverError, PianolaError, SoundFontError
from engine.measure.capture import Recorder, Recording
from engine.measure.drum_timing import (
    SAMPLE_RATE,
    TAIL_S,
    analyse,
    measure_direct,
    measure_naive,
    sixteenth_frames,
)
from engine.measure.jackserver import DummyJackServer
from engine.measure.onsets import TimingStats

# The engine's synth output ports.
ENGINE_PORTS = r"^pianola:"  # the engine names its JACK client "pianola" (engine.audio.synth)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="how long each case plays (default 60)"
    )
    parser.add_argument(
        "--periods",
        type=int,
        nargs="+",
        default=[64, 256, 1024],
        help="JACK period sizes in frames (default 64 256 1024)",
    )
    parser.add_argument(
        "--bpm",
        type=float,
        nargs="+",
        default=[120.0, 240.0],
        help="tempos; the pattern is sixteenths (default 120 240)",
    )
    parser.add_argument(
        "--naive",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure noteon() at wall-clock deadlines (default on)",
    )
    parser.add_argument(
        "--load",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="repeat one case while other processes burn CPU (default on)",
    )
    parser.add_argument(
        "--direct",
        action="store_true",
        help="measure FluidSynth's sequencer in-process instead of the engine",
    )
    parser.add_argument(
        "--note",
        type=int,
        default=42,
        help="drum key of the bundled SoundFont (default 42, closed hat)",
    )
    parser.add_argument("--soundfont", default=None, help="SoundFont (default: the bundled one)")


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One way of playing, one period, one tempo."""

    way: str
    period_frames: int
    bpm: float
    stats: TimingStats
    latency_frames: float  # fitted offset: from "asked to play" to "heard"
    xruns: int  # reported by JACK during the recording
    lost_periods: int  # cycles missing from the recording (each stretch is timed alone)
    cpu_percent: float | None = None
    outliers: tuple[str, ...] = ()


# -- the SoundFont ------------------------------------------------------------------------------


def default_soundfont() -> Path:
    from engine.files.soundfonts import BUNDLED_SOUNDFONT

    return Path(BUNDLED_SOUNDFONT)


# -- the engine -----------------------------------------------------------------------------


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command name: fields[11] is utime, fields[12] stime (man 5 proc).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drum_score(bpm: float, seconds: float, note: int):
    """A drum track of sixteenths of ``note`` at ``bpm`` lasting about ``seconds``."""
    from engine.core.score import DRUM_BANK as BANK
    from engine.core.score import GM_DRUM_CHANNEL, Note, Score, Track
    from engine.core.timing import TempoMap

    ppq = 480
    step = ppq // 4
    count = len(sixteenth_frames(bpm, seconds))
    notes = [Note(i * step, step // 2, note, 100) for i in range(count)]
    track = Track(
        name="Hat", channel=GM_DRUM_CHANNEL, bank=BANK, program=0, is_drum=True, notes=tuple(notes)
    )
    return Score(tracks=(track,), ppq=ppq, tempo_map=TempoMap.constant(bpm))


def engine_settings(server_name: str, period_frames: int, soundfont):
    from engine.core.audio_settings import AudioSettings

    # The GUI's settings with effects off: a reverb tail would blur the onsets.
    return AudioSettings(
        driver="jack",
        sample_rate=SAMPLE_RATE,
        period_frames=period_frames,
        jack_server=server_name,
        jack_autoconnect=True,
        reverb=False,
        chorus=False,
        soundfont=str(soundfont),
    )


def engine_pid(client) -> int:
    for owner, name in ((client, "pid"), (getattr(client, "ready", None), "pid")):
        pid = getattr(owner, name, None)
        if isinstance(pid, int):
            return pid
    raise AudioDriverError("the engine client does not tell its process id.")


def measure_engine(
    server_name: str,
    soundfont,
    period_frames: int,
    bpm: float,
    seconds: float,
    note: int,
    min_gap_frames: int,
) -> tuple[TimingStats, float, Recording, list[str], float]:
    """The engine process plays the pattern; returns stats, latency, recording, CPU %."""
    from engine.realtime.client import EngineClient

    score = drum_score(bpm, seconds, note)
    offsets = np.array(
        [
            score.tempo_map.tick_to_frame(n.start_tick, score.ppq, SAMPLE_RATE)
            for n in score.tracks[0].notes
        ],
        dtype=np.int64,
    )
    client = EngineClient(engine_settings(server_name, period_frames, soundfont))
    client.start()
    try:
        client.wait_ready(20)
        pid = engine_pid(client)
        client.load_score(score)
        with Recorder(
            ENGINE_PORTS,
            channels=1,
            server_name=server_name,
            max_seconds=offsets[-1] / SAMPLE_RATE + TAIL_S + 3,
        ) as rec:
            rec.start()
            time.sleep(0.1)
            cpu0, wall0 = process_cpu_s(pid), time.monotonic()
            now_frame = rec.frame_time_now()
            client.play(0)
            expected = now_frame + offsets
            end_frame = int(expected[-1]) + int(TAIL_S * SAMPLE_RATE)
            deadline = time.monotonic() + offsets[-1] / SAMPLE_RATE + 10
            events = []
            while (
                rec.frames_recorded < end_frame - now_frame + period_frames
                and time.monotonic() < deadline
            ):
                # Read events as the GUI would, so the engine's event pipe never fills.
                events += client.poll_events()
                time.sleep(0.05)
            rec.wait_until_frame(end_frame, timeout_s=max(0.1, deadline - time.monotonic()))
            cpu1, wall1 = process_cpu_s(pid), time.monotonic()
            client.stop()
            recording = rec.stop()
            events += client.poll_events()
    finally:
        client.close()
    stats, latency, notes = analyse(recording, expected, min_gap_frames)
    late = [e for e in events if type(e).__name__ == "LateEvent"]
    if late:
        notes.append(
            f"the engine reported {sum(e.count for e in late)} late events "
            f"(worst {max(e.worst_frames for e in late)} frames)"
        )
    return stats, latency, recording, notes, 100.0 * (cpu1 - cpu0) / (wall1 - wall0)


# -- load -----------------------------------------------------------------------------------


def start_burners(seconds: float) -> list[subprocess.Popen]:
    """One busy-loop process per core, each ending by itself after ``seconds``."""
    code = (
        f"import time\nend = time.monotonic() + {seconds!r}\nwhile time.monotonic() < end:\n"
        "    pass\n"
    )
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(os.cpu_count() or 1)]


def stop_burners(burners: list[subprocess.Popen]) -> None:
    for proc in burners:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


# -- the command ----------------------------------------------------------------------------


def run_case(
    way: str, server_name: str, soundfont, period: int, bpm: float, seconds: float, note: int
) -> CaseResult:
    offsets = sixteenth_frames(bpm, seconds)
    min_gap = int(offsets[1] - offsets[0]) // 2
    cpu = None
    if way == "engine":
        stats, latency, rec, notes, cpu = measure_engine(
            server_name, soundfont, period, bpm, seconds, note, min_gap
        )
    elif way == "direct":
        stats, latency, rec, notes = measure_direct(server_name, soundfont, offsets, note, min_gap)
    else:
        stats, latency, rec, notes = measure_naive(server_name, soundfont, offsets, note, min_gap)
    return CaseResult(
        way,
        period,
        bpm,
        stats,
        latency,
        rec.xruns,
        rec.gaps,
        cpu,
        tuple(f"{way}, period {period}, {bpm:g} BPM: {n}" for n in notes),
    )


def format_row(r: CaseResult, label: str = "") -> str:
    s = r.stats
    cpu = "" if r.cpu_percent is None else f"{r.cpu_percent:.1f}"
    return (
        f"| {r.period_frames} | {r.bpm:g} | {r.way}{label} | {s.count} | "
        f"{s.worst_frames:.0f} | {s.p99_frames:.0f} | {s.std_frames:.1f} | "
        f"{s.drift_frames_per_min:+.2f} | {s.missing}/{s.extra} | {r.latency_frames:.0f} | "
        f"{r.xruns}/{r.lost_periods} | {cpu} |"
    )


def run(args) -> int:
    soundfont = Path(args.soundfont) if args.soundfont else default_soundfont()
    if not soundfont.is_file():
        raise SoundFontError(f"The SoundFont {soundfont} does not exist.")
    way = "direct" if args.direct else "engine"
    print(f"# pianola bench timing — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(
        f"{platform.node()}: {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f} at start; dummy JACK server at {SAMPLE_RATE} Hz; "
        f"sixteenths of drum key {args.note} for {args.seconds:g} s per case; "
        f"SoundFont {soundfont.name}."
    )
    print(
        "Onset error = heard onset − score frame − the fitted constant latency, in frames "
        f"(64 frames = {64000 / SAMPLE_RATE:.2f} ms); drift = least-squares slope of the "
        "error (frames per minute); latency = from the play command (engine), the "
        "scheduled tick (direct) or the wall-clock deadline (naive) to the heard onset, "
        "±1 period; xruns/lost = xruns JACK reported / cycles missing from the recording "
        "(each stretch between lost cycles is aligned on its own); CPU % = the engine "
        "process's user+system time over the case, % of one core.\n"
    )
    header = (
        "| period | BPM | way | notes | worst | p99 | std dev | drift /min | "
        "missing/extra | latency | xruns/lost | CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    results: list[tuple[CaseResult | None, CaseResult | None]] = []
    for period in args.periods:
        for bpm in args.bpm:
            ours = guarded_case(way, soundfont, period, bpm, args)
            naive = guarded_case("naive", soundfont, period, bpm, args) if args.naive else None
            results.append((ours, naive))
    if args.naive:
        print(
            "\n| period | BPM | naive/" + way + " worst | naive/" + way + " std dev |\n"
            "|---|---|---|---|"
        )
        for ours, naive in results:
            if ours is not None and naive is not None:
                print(
                    f"| {ours.period_frames} | {ours.bpm:g} | "
                    f"{_ratio(naive.stats.worst_frames, ours.stats.worst_frames)} | "
                    f"{_ratio(naive.stats.std_frames, ours.stats.std_frames)} |"
                )
    measured = [o for o, _ in results if o is not None]
    if args.load:
        period = 256 if 256 in args.periods else args.periods[0]
        bpm = max(args.bpm)
        print(
            f"\nUnder load: {os.cpu_count()} busy-loop processes (one per core) while the "
            f"case period {period}, {bpm:g} BPM plays again.\n"
        )
        print(header)
        burners = start_burners(args.seconds + 60)
        try:
            time.sleep(0.5)
            loaded = guarded_case(way, soundfont, period, bpm, args, label=" + load")
        finally:
            stop_burners(burners)
        if loaded is not None:
            measured.append(loaded)
    outliers = [n for r in measured for n in r.outliers]
    if outliers:
        print("\nErrors beyond 64 frames (the first few per case, " + way + " only):")
        for line in outliers:
            print(f"- {line}")
    worst = max((r.stats.worst_frames for r in measured), default=float("nan"))
    print(
        f"\nTargets: worst ≤ 64 frames at every period (measured worst {worst:.0f}), no "
        "drift, unchanged under load, engine CPU ≤ 5 % of one core."
    )
    return 0 if len(measured) == len(results) + bool(args.load) else 1


def guarded_case(
    way: str, soundfont, period: int, bpm: float, args, label: str = ""
) -> CaseResult | None:
    """One case on a fresh dummy JACK server, printed as a table row.

    A wedged JACK server (seen on an overloaded machine) would block a libjack call for
    ever: a watchdog stops the server after the case's time plus a minute, which makes the
    call fail, and the row says the case failed instead of the whole run hanging.
    """
    name = f"pianola-bench-{os.getpid()}-{period}-{way}"
    try:
        with DummyJackServer(name, SAMPLE_RATE, period) as srv:
            watchdog = threading.Timer(args.seconds + 60, srv.stop)
            watchdog.daemon = True
            watchdog.start()
            try:
                result = run_case(way, srv.name, soundfont, period, bpm, args.seconds, args.note)
            finally:
                watchdog.cancel()
    except (PianolaError, OSError, RuntimeError) as exc:
        print(f"| {period} | {bpm:g} | {way}{label} | failed: {exc} |", flush=True)
        return None
    print(format_row(result, label), flush=True)
    return result


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b > 0 else "—"
