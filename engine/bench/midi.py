"""`pianola bench midi`: MIDI out timing, Pianola's way against rtmidi's, per JACK period (CLI process).

For each JACK period (default 64, 256 and 1024 frames) a private dummy JACK server is
started with realtime scheduling, and a JACK MIDI client of our own records the frame of
every event it receives (``last_frame_time + offset``).  The recorder is a process of its
own (the JACK MIDI helper with its input port, ``engine.midi.jack_port``): no other
Python thread of it runs while JACK runs, so its process callback never waits for a GIL
that another thread holds.  Its gaps (cycles the server did not run it in) are counted
and shown: what was sent in them was not heard, so a run with gaps says its figures are
not the sender's alone.  Two senders play the same pattern (137 BPM sixteenths, two
tracks) to it, one after the other:

- Pianola's way: ``pianola play SONG --midi-out`` -- the real engine, its scheduler, and
  the JACK MIDI helper writing each event at its frame offset in its cycle;
- the naive way: python-rtmidi's JACK API, ``send_message`` at wall-clock deadlines
  (sleep, then spin the last millisecond) from a process of its own, at SCHED_FIFO 70
  where allowed (as the engine's threads).

For each, one constant offset (the latency) is fitted -- the median of "received minus
due" -- and the errors about it are reported: worst, 99th percentile and standard
deviation in frames, with the ratio naive/Pianola.  Target for Pianola's way: every
event within 64 frames of its due frame.  On the same server first, keyboard -> sound
latency through Pianola's MIDI input (``engine.bench.keyboard_latency``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from engine.bench.keyboard_latency import keyboard_latency
from engine.core.score import Note, Score, Track
from engine.core.timing import TempoChange, TempoMap, bpm_to_us_per_quarter

PPQ = 480
BPM = 137
TARGET_FRAMES = 64
COARSE_FRAMES = 512  # the bin of the coarse latency estimate
PAIRING_FRAMES = 20_000  # farther from the latency than this: not the same event
KEYBOARD_NOTES = 40


def add_arguments(parser) -> None:
    parser.add_argument(
        "--periods", default="64,256,1024", help="JACK periods in frames (comma-separated)"
    )
    parser.add_argument("--bars", type=int, default=8, help="bars of the pattern per run")
    parser.add_argument("--sample-rate", type=int, default=48000)


def pattern_song(bars: int) -> Score:
    sixteenth = PPQ // 4
    lead = tuple(Note(i * sixteenth, sixteenth - 20, 60 + i % 12, 90) for i in range(16 * bars))
    kick = tuple(Note(i * PPQ, sixteenth - 20, 36, 110) for i in range(4 * bars))
    return Score(
        tracks=(
            Track("Lead", channel=2, notes=lead),
            Track("Kick", channel=9, is_drum=True, notes=kick),
        ),
        ppq=PPQ,
        tempo_map=TempoMap((TempoChange(0, bpm_to_us_per_quarter(BPM)),)),
    )


def due_events(score: Score, sample_rate: int) -> list[tuple[float, bytes]]:
    """(frame from the song's start, bytes) of every note event, in frame order."""
    frames_per_tick = score.tempo_map.changes[0].us_per_quarter / PPQ * sample_rate / 1e6
    events = []
    for track in score.tracks:
        channel = 9 if track.is_drum else track.channel
        for n in track.notes:
            events.append(
                (n.start_tick * frames_per_tick, bytes((0x90 | channel, n.pitch, n.velocity)))
            )
            events.append((n.end_tick * frames_per_tick, bytes((0x80 | channel, n.pitch, 0))))
    return sorted(events)


def paired(got, due) -> tuple[list[tuple[int, float]], int]:
    """(received frame, due frame) of every event that arrived, and how many did not.

    A received event is paired with the due event of the same bytes nearest to it once
    the latency is taken off; the latency is first found coarsely as the most common
    "received minus due" over all events of the same bytes (the same bytes recur only
    every few beats, so a lost event cannot shift the pairing of the others)."""
    wanted: dict[bytes, list[float]] = {}
    for frame, data in due:
        wanted.setdefault(data, []).append(frame)
    bins: Counter = Counter()
    for frame, data in got:
        for e in wanted.get(data, ()):
            bins[round((frame - e) / COARSE_FRAMES)] += 1
    if not bins:
        return [], len(due)
    coarse = bins.most_common(1)[0][0] * COARSE_FRAMES
    pairs, used = [], set()
    for frame, data in got:
        candidates = wanted.get(data)
        if not candidates:
            continue
        e = min(candidates, key=lambda c: abs(frame - c - coarse))
        if abs(frame - e - coarse) < PAIRING_FRAMES and (data, e) not in used:
            used.add((data, e))
            pairs.append((frame, e))
    return pairs, len(due) - len(pairs)


def timing_errors(pairs) -> list[float]:
    """Each event's distance from its due frame, after one fitted constant offset."""
    offset = statistics.median(g - e for g, e in pairs)
    return [g - e - offset for g, e in pairs]


def drift_removed(pairs) -> list[float]:
    """The distances from a fitted straight line instead: what is left when a sender's
    clock running at another rate than JACK's frames is forgiven (the dummy server's
    frame clock against the monotonic clock on a busy machine)."""
    slope, intercept = statistics.linear_regression([e for _, e in pairs], [g for g, _ in pairs])
    return [g - (slope * e + intercept) for g, e in pairs]


def whole_periods(errors: list[float], period: int) -> tuple[dict[int, int], float]:
    """How many events sit each whole number of periods off the fitted offset, and the
    worst distance left once those whole periods are taken off.  A synth that lost a
    cycle plays everything after it a period later, and MIDI that follows the synth's
    clock moves with it: such steps show as other levels here, while a sender that is
    sample-accurate to the synth's clock leaves almost nothing within a level."""
    levels = Counter(round(e / period) for e in errors)
    return dict(sorted(levels.items())), max(abs(e - period * round(e / period)) for e in errors)


def summary(errors: list[float]) -> tuple[float, float, float]:
    """(worst, p99, std) of the absolute errors, in frames."""
    magnitudes = sorted(abs(e) for e in errors)
    p99 = magnitudes[min(len(magnitudes) - 1, int(0.99 * len(magnitudes)))]
    return magnitudes[-1], p99, statistics.pstdev(errors)


NAIVE_SENDER = """
import os, sys, time
import rtmidi
try:  # the same realtime priority the engine's threads ask for
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(70))
except (AttributeError, OSError):
    pass
from engine.bench.midi import due_events, pattern_song
out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="pianola-naive")
out.open_port(out.get_ports().index(sys.argv[1]))
rate, bars = int(sys.argv[2]), int(sys.argv[3])
events = due_events(pattern_song(bars), rate)
start = time.monotonic_ns() + 300_000_000
for frame, data in events:
    deadline = start + int(frame * 1e9 / rate)
    left = deadline - time.monotonic_ns() - 1_000_000
    if left > 0:
        time.sleep(left / 1e9)
    while time.monotonic_ns() < deadline:
        pass
    out.send_message(data)
time.sleep(0.2)
out.close_port()
"""


def _run_pianola(song: Path, port: str, server: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "engine.commands.cli", "play", str(song), "--driver", "jack"]
        + ["--jack-server", server, "--midi-out", port],
        check=True,
        capture_output=True,
        timeout=600,
    )


def _run_naive(port: str, server: str, rate: int, bars: int) -> None:
    env = dict(os.environ, JACK_DEFAULT_SERVER=server, JACK_NO_START_SERVER="1")
    subprocess.run(
        [sys.executable, "-c", NAIVE_SENDER, port, str(rate), str(bars)],
        check=True,
        capture_output=True,
        timeout=600,
        env=env,
    )


def measure_period(period: int, rate: int, bars: int) -> dict:
    from engine.files.project_file import save_project
    from engine.measure.jackserver import DummyJackServer
    from engine.midi.jack_port import JackMidiPort

    score = pattern_song(bars)
    due = due_events(score, rate)
    name = f"pianola-bench-midi-{os.getpid()}-{period}"
    results: dict[str, Any] = {}  # "keyboard": its KeyboardLatency; per way: its figures
    with tempfile.TemporaryDirectory(prefix="pianola-bench-") as folder:
        song = Path(folder) / "pattern.pianola"
        save_project(score, song)
        with DummyJackServer(name, sample_rate=rate, period_frames=period, realtime=True):
            results["keyboard"] = keyboard_latency(name, rate, KEYBOARD_NOTES)
            for way, run in (
                ("pianola", lambda port: _run_pianola(song, port, name)),
                ("naive", lambda port: _run_naive(port, name, rate, bars)),
            ):
                with JackMidiPort(f"bench-rec-{way}", server=name, with_input=True) as recorder:
                    run(f"bench-rec-{way}:in")
                    time.sleep(0.3)
                    pairs, missing = paired(recorder.received(), due)
                    if pairs:
                        results[f"{way}-levels"] = whole_periods(timing_errors(pairs), period)
                    results[way] = (
                        summary(timing_errors(pairs)) if pairs else None,
                        summary(drift_removed(pairs)) if len(pairs) > 1 else None,
                        missing,
                        recorder.counters()["gaps"],
                    )
    return results


def ratio(naive: float, pianola: float, floor: float) -> str:
    """naive / Pianola, the smaller one floored (a sub-frame figure is the recorder's
    resolution), with as many digits as a ratio below ten needs."""
    value = naive / max(pianola, floor)
    return f"{value:.0f}x" if value >= 10 else f"{value:.2g}x"


def run(args) -> int:
    periods = [int(p) for p in args.periods.split(",")]
    print(
        f"MIDI out at a JACK MIDI port: {BPM} BPM sixteenths + quarters, {args.bars} bars, "
        f"{args.sample_rate} Hz; errors in frames about one fitted offset"
    )
    print(
        "period | way     | worst  | p99    | std    | drift removed: worst / std "
        "| missing | recorder gaps"
    )
    worst_pianola = 0.0
    trusted = True
    for period in periods:
        results = measure_period(period, args.sample_rate, args.bars)
        for way in ("pianola", "naive"):
            figures, drift, missing, gaps = results[way]
            if figures is None or drift is None:
                print(f"{period:6d} | {way:7s} | nothing paired: {missing} events missing")
                continue
            (worst, p99, std), (lw, _, ls) = figures, drift
            print(
                f"{period:6d} | {way:7s} | {worst:6.1f} | {p99:6.1f} | {std:6.1f} | "
                f"{lw:6.1f} / {ls:6.1f} | {missing:7d} | {gaps}"
            )
            levels, within = results[f"{way}-levels"]
            if len(levels) > 1:
                shown = ", ".join(f"{n} at {k:+d}" for k, n in levels.items())
                print(
                    f"{period:6d} | {way:7s} | events by whole periods off the fitted offset: "
                    f"{shown}; within its level the worst is {within:.1f} frames"
                )
            if gaps:
                print(
                    f"{period:6d} | {way:7s} | the recorder lost {gaps} cycles: events in them "
                    "were not heard, so these figures are not the sender's alone"
                )
        if results["pianola"][0] is None or results["naive"][0] is None:
            trusted = False
            continue
        (pw, pp, ps), (nw, np_, ns) = results["pianola"][0], results["naive"][0]
        print(
            f"{period:6d} | naive/pianola: worst {ratio(nw, pw, 1)}, "
            f"p99 {ratio(np_, pp, 1)}, std {ratio(ns, ps, 0.5)}"
        )
        worst_pianola = max(worst_pianola, pw)
        trusted = trusted and not results["pianola"][3] and not results["pianola"][2]
        keys = results["keyboard"]
        latency = sorted(keys.latencies)
        if latency:
            ms = 1000 / args.sample_rate
            print(
                f"{period:6d} | MIDI in -> onset: median {statistics.median(latency):.0f} frames "
                f"({statistics.median(latency) * ms:.1f} ms), worst {latency[-1]} frames "
                f"({latency[-1] * ms:.1f} ms) over {len(latency)} of {keys.sent} notes; target "
                f"one period + 2 ms = {period + args.sample_rate // 500} frames"
            )
        else:
            print(f"{period:6d} | MIDI in -> onset: no note heard")
        if not keys.clean:
            print(
                f"{period:6d} | MIDI in: the sender wrote {keys.sender_late} notes late and the "
                f"recorder lost {keys.recorder_gaps} cycles, so these figures are not the "
                "engine's alone"
            )
    verdict = "met" if worst_pianola <= TARGET_FRAMES else "NOT met"
    if not trusted:
        verdict += " (events went missing or the recorder lost cycles: not a clean measurement)"
    print(f"target (every event within {TARGET_FRAMES} frames, Pianola's way): {verdict}")
    return 0
