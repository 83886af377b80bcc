"""`pianola bench cpu`: the engine's CPU while playing 16 tracks of sixteenths (benchmark main thread).

The engine process is started exactly as the GUI starts it (``EngineClient``, driver
``jack``, the GUI's default effects) on a fresh private dummy JACK server (48 kHz, period
256 by default) with the bundled SoundFont passed explicitly.  It first sits idle with the
song loaded, then plays a looped 16-track song with a sixteenth on every track (drums,
bass, chords, leads).  For each phase the CPU of the engine process — utime + stime read
from /proc/PID/task/*/stat, so per thread — is printed as % of one core.  Threads are
named from /proc/PID/task/*/comm: the engine names its own ("pianola-sched" sends the
look-ahead windows, "pianola-events" writes events to the GUI); the others belong to the
Python main thread, libjack (FluidSynth's audio driver renders in JACK's client thread)
and the xrun watcher's JACK client.

``--offline`` also times ``Scheduler.service()`` alone, driven with the "file" backend
at the engine's wake-up period, so the scheduling work can be told from everything else
without JACK or the machine's load in the way.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from engine.core.errors import AudioDriverError, PianolaError
from engine.measure.jackserver import DummyJackServer

SAMPLE_RATE = 48000
PPQ = 480
SIXTEENTH = PPQ // 4
BAR = 16 * SIXTEENTH
SERVICE_PERIOD_FRAMES = 192  # 4 ms at 48 kHz: engine.realtime.service_loop.SERVICE_PERIOD_S

# (name, program or drum key, is_drum, register): 16 parts of a plausible arrangement.
DRUMS = (
    ("Kick", 36),
    ("Snare", 38),
    ("Closed hat", 42),
    ("Open hat", 46),
    ("Clap", 39),
    ("Ride", 51),
    ("Low tom", 45),
    ("High tom", 50),
)
PARTS = (
    ("Finger bass", 33, 36),
    ("Synth bass", 38, 24),
    ("Piano chords", 0, 60),
    ("Pad chords", 89, 48),
    ("Organ chords", 16, 60),
    ("Square lead", 80, 72),
    ("Saw lead", 81, 84),
    ("Pluck", 25, 67),
)
# Am F C G, one bar each: chord tones over the octave starting at C.
PROGRESSION = ((9, 0, 4), (5, 9, 0), (0, 4, 7), (7, 11, 2))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds",
        type=float,
        default=20.0,
        help="how long each phase (idle, playing) is measured (default 20)",
    )
    parser.add_argument(
        "--period", type=int, default=256, help="JACK period in frames (default 256)"
    )
    parser.add_argument(
        "--bpm", type=float, default=120.0, help="tempo of the 16-track song (default 120)"
    )
    parser.add_argument(
        "--reverb",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="FluidSynth's reverb, on in the GUI's settings (default on)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="also time Scheduler.service() alone with the file backend",
    )
    parser.add_argument(
        "--soundfont", default=None, help="SoundFont (default: the bundled assets/pianola.sf2)"
    )


def sixteen_track_score(bpm: float = 120.0, bars: int = 4):
    """A looped ``bars``-bar song on 16 tracks, a note on every sixteenth of every track.

    8 drum tracks (one instrument each, accents on the beat), two basses, three chord
    tracks (three-note chords on each sixteenth), three leads arpeggiating the chord.
    """
    from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, LoopRegion, Note, Score, Track
    from engine.core.timing import TempoMap

    steps = range(bars * 16)
    tracks = []
    for name, key in DRUMS:
        notes = [Note(s * SIXTEENTH, SIXTEENTH // 2, key, 110 if s % 4 == 0 else 70) for s in steps]
        tracks.append(
            Track(
                name=name,
                channel=GM_DRUM_CHANNEL,
                bank=DRUM_BANK,
                is_drum=True,
                volume=90,
                notes=tuple(notes),
            )
        )
    for name, program, low in PARTS:
        notes = []
        for s in steps:
            chord = PROGRESSION[(s // 16) % len(PROGRESSION)]
            if "chords" in name:
                pitches = [low + pc for pc in chord]
            elif "bass" in name:
                pitches = [low + chord[0] + (12 if s % 2 else 0)]
            else:
                pitches = [low + chord[s % 3]]
            notes += [
                Note(s * SIXTEENTH, SIXTEENTH - 10, p, 90 if s % 4 == 0 else 64) for p in pitches
            ]
        tracks.append(
            Track(
                name=name, channel=len(tracks) % 9, program=program, volume=80, notes=tuple(notes)
            )
        )
    return Score(
        tracks=tuple(tracks),
        ppq=PPQ,
        tempo_map=TempoMap.constant(bpm),
        loop=LoopRegion(0, bars * BAR),
        loop_enabled=True,
        title="CPU benchmark",
    )


# -- reading /proc --------------------------------------------------------------------------


def thread_cpu_s(pid: int) -> dict[int, tuple[str, float]]:
    """Thread id -> (name, user + system CPU seconds so far) of every thread of ``pid``."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except FileNotFoundError:  # the thread ended between listing and reading
            continue
        # after the command name: fields[11] is utime, fields[12] stime (man 5 proc)
        found[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return found


@dataclass(frozen=True, slots=True)
class ThreadCpu:
    tid: int
    name: str
    percent: float  # of one core over the phase


def measure_phase(pid: int, seconds: float, poll) -> tuple[float, list[ThreadCpu]]:
    """Per-thread CPU of ``pid`` over ``seconds`` (calling ``poll`` every 50 ms, as the
    GUI reads events); returns (total %, threads busiest first)."""
    before, wall0 = thread_cpu_s(pid), time.monotonic()
    end = wall0 + seconds
    while time.monotonic() < end:
        poll()
        time.sleep(0.05)
    after, wall1 = thread_cpu_s(pid), time.monotonic()
    wall = wall1 - wall0
    threads = [
        ThreadCpu(tid, name, 100.0 * (cpu - before.get(tid, (name, 0.0))[1]) / wall)
        for tid, (name, cpu) in after.items()
    ]
    threads.sort(key=lambda t: -t.percent)
    return sum(t.percent for t in threads), threads


# -- the engine -----------------------------------------------------------------------------


def default_soundfont() -> Path:
    from engine.files.soundfonts import BUNDLED_SOUNDFONT

    return Path(BUNDLED_SOUNDFONT)


def measure_engine(
    server_name: str, soundfont, period: int, bpm: float, seconds: float, reverb: bool = True
):
    """((idle total, threads), (playing total, threads), late-event count, score, ready
    event)."""
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.client import EngineClient

    settings = AudioSettings(
        driver="jack",
        sample_rate=SAMPLE_RATE,
        period_frames=period,
        jack_server=server_name,
        soundfont=str(soundfont),
        reverb=reverb,
    )
    score = sixteen_track_score(bpm)
    events = []
    client = EngineClient(settings)
    client.start()
    try:
        ready = client.wait_ready(20)
        if not isinstance(ready.pid, int):
            raise AudioDriverError("the engine did not tell its process id.")
        client.load_score(score)
        poll = lambda: events.extend(client.poll_events())  # noqa: E731
        time.sleep(0.5)  # let the load settle before measuring the idle engine
        idle = measure_phase(ready.pid, seconds, poll)
        client.play(0)
        time.sleep(0.5)  # skip the start (first window, voices starting)
        playing = measure_phase(ready.pid, seconds, poll)
        client.stop()
        events.extend(client.poll_events())
    finally:
        client.close()
    late = sum(e.count for e in events if type(e).__name__ == "LateEvent")
    return idle, playing, late, score, ready


def thread_role(thread: ThreadCpu, pid: int) -> str:
    if thread.name == "pianola-sched":
        return "Pianola: scheduler thread (service() every few ms, position, beats)"
    if thread.name == "pianola-events":
        return "Pianola: event sender (pickles events to the GUI)"
    if thread.tid == pid:
        return "Pianola: main thread (reads commands)"
    # libjack names none of its threads: FluidSynth renders in the JACK client thread
    return "libjack thread (FluidSynth's JACK client renders here; xrun watcher)"


def print_phase(title: str, pid: int, total: float, threads: list[ThreadCpu]) -> None:
    print(f"\n{title}: engine process {total:.2f} % of one core\n")
    print("| thread (comm) | tid | CPU % of one core | whose |\n|---|---|---|---|")
    for t in threads:
        if t.percent >= 0.005 or t.name.startswith("pianola") or t.tid == pid:
            print(f"| {t.name} | {t.tid} | {t.percent:.2f} | {thread_role(t, pid)} |")


# -- Scheduler.service() alone --------------------------------------------------------------


def time_service_offline(soundfont, bpm: float, seconds: float) -> tuple[int, float, float]:
    """Drive a Scheduler with the "file" backend, one service() per 4 ms of audio; returns
    (services, CPU µs per service, % of one core at 250 services/s).  Only the service
    calls are timed (thread CPU time), not FluidSynth's rendering between them."""
    import numpy as np

    from engine.audio.synth import SynthBackend
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.scheduler import Scheduler

    settings = AudioSettings(driver="file", sample_rate=SAMPLE_RATE, soundfont=str(soundfont))
    buffer = np.zeros((SERVICE_PERIOD_FRAMES, 2), dtype=np.float32)
    spent = 0.0
    count = int(seconds * SAMPLE_RATE / SERVICE_PERIOD_FRAMES)
    with SynthBackend(settings, soundfont) as backend:
        scheduler = Scheduler(
            backend, lookahead_frames=SAMPLE_RATE * 30 // 1000, on_note_started=lambda *_: None
        )
        scheduler.load_score(sixteen_track_score(bpm))
        scheduler.play(0)
        for _ in range(count):
            t0 = time.thread_time()
            scheduler.service()
            spent += time.thread_time() - t0
            backend.render_into(buffer)
    per_service_us = 1e6 * spent / count
    return count, per_service_us, per_service_us * SAMPLE_RATE / SERVICE_PERIOD_FRAMES / 1e4


def run(args) -> int:
    soundfont = Path(args.soundfont) if args.soundfont else default_soundfont()
    print(
        f"{platform.node()}: {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)"
    )
    print(
        f"SoundFont {soundfont}; 16 tracks, a sixteenth on every track, "
        f"{args.bpm:g} BPM; JACK dummy {SAMPLE_RATE} Hz period {args.period}; "
        f"reverb {'on' if args.reverb else 'off'}; {args.seconds:g} s per phase"
    )
    status = 0
    name = f"pianola-cpu-{os.getpid()}"
    try:
        with DummyJackServer(name, SAMPLE_RATE, args.period) as srv:
            # a wedged JACK server would block libjack for ever: stop it after a while
            watchdog = threading.Timer(2 * args.seconds + 60, srv.stop)
            watchdog.daemon = True
            watchdog.start()
            try:
                idle, playing, late, score, ready = measure_engine(
                    srv.name, soundfont, args.period, args.bpm, args.seconds, args.reverb
                )
            finally:
                watchdog.cancel()
    except (PianolaError, OSError, RuntimeError) as exc:
        print(f"engine measurement failed: {exc}")
        return 1
    pid = ready.pid
    print(f"engine scheduling: {ready.scheduling} ({ready.scheduling_detail})")
    per_s = score.note_count * args.bpm / 60 / (score.loop.length_ticks / PPQ)
    print(
        f"{score.note_count} notes per {score.loop.length_ticks // BAR}-bar loop "
        f"({per_s:.0f} notes/s); late events reported while playing: {late}"
    )
    print_phase("Idle (song loaded, stopped)", pid, *idle)
    print_phase("Playing", pid, *playing)
    ours = sum(t.percent for t in playing[1] if t.name.startswith("pianola") or t.tid == pid)
    print(
        f"\nPlaying: Pianola's threads (scheduler, events, main) {ours:.2f} %, libjack "
        f"threads (FluidSynth's synthesis) {playing[0] - ours:.2f} %, total "
        f"{playing[0]:.2f} %. Target: engine CPU ≤ 5 % of one core."
    )
    if args.offline:
        count, per_us, percent = time_service_offline(soundfont, args.bpm, args.seconds)
        print(
            f"\nScheduler.service() alone (file backend, {count} calls, one per "
            f"{SERVICE_PERIOD_FRAMES} frames): {per_us:.1f} µs CPU per call = "
            f"{percent:.2f} % of one core at the engine's wake-up rate"
        )
    return status
