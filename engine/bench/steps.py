"""`pianola bench steps`: patterns' engine CPU against the piano roll, and the pattern switch boundary (benchmark main thread).

The load: one drum track, a pattern of 16 lanes x 64 steps at 16ths, 180 BPM, every step
on with a probability (80 %) and a ratchet (2).  The piano-roll case plays the same notes
written out as free notes (four passes of the pattern, looped): the same note rate.

1. Offline: ``Scheduler.service()`` (plus the pattern player's window upkeep and the
   position it publishes) driven with the "file" backend once per 4 ms of audio, thread
   CPU time of those calls only, both cases side by side in one loop: the scheduling
   cost alone, with no JACK in the way and the machine's load shared alike.
2. Live: the engine process (``EngineClient``, driver jack, a private dummy JACK server)
   plays each case; the CPU of Pianola's own threads (scheduler, event sender, main) is
   read from /proc, as `pianola bench cpu` does.
3. The pattern switch: pattern mode alternates two 16-step patterns of sixteenths (a
   switch queued in the middle of every pass); the recording's onsets are matched to one
   unbroken grid, and the error of the first onset after each switch is reported (target:
   within FluidSynth's 64-frame block, i.e. 0 frames beyond it).
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.core.errors import PianolaError
from engine.measure.jackserver import DummyJackServer

SAMPLE_RATE = 48000
PPQ = 480
SERVICE_PERIOD_FRAMES = 192  # 4 ms: engine.realtime.process.SERVICE_PERIOD_S
LANE_KEYS = tuple(range(35, 51))  # 16 General MIDI drum sounds
ENGINE_PORTS = r"^pianola:"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bpm", type=float, default=180.0, help="tempo (default 180)")
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="length of each measured phase (default 15)"
    )
    parser.add_argument(
        "--switches", type=int, default=12, help="pattern switches recorded (default 12)"
    )
    parser.add_argument("--period", type=int, default=256, help="JACK period (default 256)")
    parser.add_argument(
        "--parts",
        default="offline,live,switch",
        help="which measurements, comma-separated (default offline,live,switch)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="patterns / piano-roll alternations of the live measurement (default 2)",
    )
    parser.add_argument("--soundfont", help="SoundFont (default: the bundled one)")
    parser.add_argument(
        "--realtime",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the dummy JACK server with realtime scheduling (default on; see "
        "docs/benchmarks.md on why timing needs it)",
    )


# -- the songs --------------------------------------------------------------------------------


def pattern_song(bpm: float):
    """(score, pattern id): 16 lanes x 64 steps, all on, probability 80, ratchet 2."""
    from engine.core import pattern_edits as pe
    from engine.core.pattern import Step
    from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Score, Track
    from engine.core.timing import TempoMap

    score = Score(
        tracks=(Track("Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True),),
        ppq=PPQ,
        tempo_map=TempoMap.constant(bpm),
        seed=1,
    )
    pattern = pe.new_pattern("Bench", keys=LANE_KEYS, length_steps=64)
    score = pe.add_pattern(score, pattern)
    step = Step(on=True, velocity=90, probability=80, ratchet=2)
    for lane in pattern.lanes:
        score = pe.set_lane_steps(score, pattern.id, lane.id, (step,) * 64)
    return score, pattern.id


def roll_song(score, pattern_id: str, passes: int = 4):
    """The same notes as free notes: ``passes`` passes of the pattern, looped."""
    from dataclasses import replace

    from engine.core.pattern_expand import pass_notes
    from engine.core.score import LoopRegion, Note

    pattern = score.pattern(pattern_id)
    pass_ticks = pattern.pass_ticks(score.ppq)
    notes: list[Note] = []
    for k in range(passes):
        notes += pass_notes(pattern, k, k * pass_ticks, score.ppq, score.seed)
    track = score.tracks[0].with_notes(notes)
    return replace(
        score,
        tracks=(track,),
        patterns=(),
        placements=(),
        loop=LoopRegion(0, passes * pass_ticks),
        loop_enabled=True,
    )


def switch_song(bpm: float):
    """Two 16-step patterns of sixteenths on different sounds: (score, (a, b))."""
    from engine.core import pattern_edits as pe
    from engine.core.generators import parse_step_string
    from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Score, Track
    from engine.core.timing import TempoMap

    score = Score(
        tracks=(Track("Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True),),
        ppq=PPQ,
        tempo_map=TempoMap.constant(bpm),
    )
    ids = []
    for key in (37, 42):  # side stick, closed hat: sharp attacks
        pattern = pe.new_pattern(f"Key {key}", keys=(key,))
        score = pe.add_pattern(score, pattern)
        score = pe.set_lane_steps(
            score, pattern.id, pattern.lanes[0].id, parse_step_string("x" * 16)
        )
        ids.append(pattern.id)
    return score, tuple(ids)


# -- 1. offline -------------------------------------------------------------------------------


def time_offline(soundfont, cases, seconds: float) -> list[tuple[float, int]]:
    """(CPU µs per 4 ms service, notes sent) of each case, (score, pattern id or None for
    the song), all played side by side: each period serves every case in turn (in a
    turning order), so a busy machine's bursts fall on all of them alike."""
    from engine.audio.synth import SynthBackend
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.pattern_player import PatternPlayer
    from engine.realtime.scheduler import Scheduler

    settings = AudioSettings(driver="file", sample_rate=SAMPLE_RATE, soundfont=str(soundfont))
    buffer = np.zeros((SERVICE_PERIOD_FRAMES, 2), dtype=np.float32)
    count = int(seconds * SAMPLE_RATE / SERVICE_PERIOD_FRAMES)
    rigs = []
    for score, pattern_id in cases:
        backend = SynthBackend(settings, soundfont)
        backend.open()
        started: list = []
        scheduler = Scheduler(
            backend,
            lookahead_frames=SAMPLE_RATE * 30 // 1000,
            on_note_started=lambda *a, started=started: started.append(a),
        )
        player = PatternPlayer(scheduler)
        player.load_score(score)
        if pattern_id is not None:
            player.set_mode("pattern", pattern_id, 0)
        player.play(0)
        rigs.append((backend, scheduler, player, started, [0.0]))
    try:
        for n in range(count):
            # the case served first after the others rendered finds colder caches: the
            # order turns round every period, so no case always pays for it
            for backend, scheduler, player, _, spent in (
                rigs[n % len(rigs) :] + rigs[: n % len(rigs)]
            ):
                t0 = time.thread_time()
                state = scheduler.service()
                player.maintain(state.tick, state.playing)
                player.published(state)  # what the service loop publishes
                spent[0] += time.thread_time() - t0
                backend.render_into(buffer)
    finally:
        for backend, _, player, _, _ in rigs:
            player.stop()
            backend.close()
    return [(1e6 * spent[0] / count, len(started)) for _, _, _, started, spent in rigs]


# -- 2. live ----------------------------------------------------------------------------------


def engine_client(server_name: str, period: int, soundfont):
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.client import EngineClient

    settings = AudioSettings(
        driver="jack",
        sample_rate=SAMPLE_RATE,
        period_frames=period,
        jack_server=server_name,
        soundfont=str(soundfont),
        reverb=False,
    )
    client = EngineClient(settings)
    client.start()
    return client, client.wait_ready(20)


def live_cpu(client, ready, score, pattern_id, seconds: float) -> tuple[float, float]:
    """(Pianola's threads %, whole engine %) of one core while playing."""
    from engine.bench.cpu import measure_phase

    client.stop()
    client.set_play_mode("song")
    client.load_score(score)
    if pattern_id is not None:
        client.set_play_mode("pattern", pattern_id, 0)
    client.play(0)
    time.sleep(0.5)
    total, threads = measure_phase(ready.pid, seconds, client.poll_events)
    client.stop()
    ours = sum(t.percent for t in threads if t.name.startswith("pianola") or t.tid == ready.pid)
    return ours, total


# -- 3. the switch ----------------------------------------------------------------------------


def measure_switches(client, server_name: str, bpm: float, switches: int):
    """The onsets of ``switches`` queued switches against one grid (SwitchFigures)."""
    from engine.measure.capture import Recorder
    from engine.measure.onsets import find_onsets, match_onsets, suggest_threshold

    score, (a, b) = switch_song(bpm)
    sixteenth = SAMPLE_RATE * 60 / bpm / 4
    client.stop()
    client.load_score(score)
    client.set_play_mode("pattern", a, 0)
    seconds = (switches + 2) * 16 * sixteenth / SAMPLE_RATE
    with Recorder(
        ENGINE_PORTS, channels=1, server_name=server_name, max_seconds=seconds + 3
    ) as rec:
        rec.start()
        time.sleep(0.1)
        client.play(0)
        for n in range(switches):
            # the middle of a pass of the pattern switch n starts from (a, b, a...)
            deadline = time.monotonic() + 10 * 16 * sixteenth / SAMPLE_RATE
            while time.monotonic() < deadline:
                pos = client.read_position()
                client.poll_events()
                if pos.playing and pos.pattern_index == n % 2 and pos.pattern_step >= 8:
                    break
                time.sleep(0.005)
            client.queue_pattern(b if n % 2 == 0 else a)
        time.sleep(2.5 * 16 * sixteenth / SAMPLE_RATE)
        client.stop()
        recording = rec.stop()
    mag = recording.magnitude()
    onsets = recording.stream_frames(
        find_onsets(mag, suggest_threshold(mag, 0.1), int(sixteenth * 0.4))
    )
    # one unbroken grid of sixteenths over the whole recording; every 16th is a switch
    count = int(round((onsets[-1] - onsets[0]) / sixteenth)) + 1 if len(onsets) else 0
    grid = np.round(np.arange(count) * sixteenth).astype(np.int64)
    match = match_onsets(grid, onsets, int(sixteenth * 0.4), breaks=recording.gap_frames())
    errors = np.abs(match.errors)
    at_switch = np.isin(match.expected, grid[16 : 16 * (switches + 1) : 16])
    return SwitchFigures(
        onsets=len(onsets),
        missing=len(match.missing),
        extra=len(match.extra),
        worst=float(errors.max()) if len(errors) else float("nan"),
        worst_at_switch=float(errors[at_switch].max()) if at_switch.any() else float("nan"),
        switches_heard=int(at_switch.sum()),
        beyond_block=int(np.sum(errors > 64)),
        dropped_cycles=recording.gaps,
    )


@dataclass(frozen=True, slots=True)
class SwitchFigures:
    onsets: int
    missing: int  # grid places with no onset heard (a lost step)
    extra: int  # onsets off the grid (a doubled step)
    worst: float  # frames, every onset
    worst_at_switch: float  # frames, the first onset of each new pattern
    switches_heard: int
    beyond_block: int  # onsets more than 64 frames off
    dropped_cycles: int


# -- the run ----------------------------------------------------------------------------------


def _live(client, ready, args, score, pattern_id, roll) -> None:
    print(
        f"\n2. The engine process live (JACK dummy {SAMPLE_RATE} Hz, period "
        f"{args.period}, {'realtime' if args.realtime else 'no realtime'}; "
        f"engine {ready.scheduling}), {args.seconds:g} s each, alternating:"
    )
    ours: dict[str, list[float]] = {"patterns": [], "piano roll": []}
    for _ in range(args.rounds):
        for name, song, pid in (("patterns", score, pattern_id), ("piano roll", roll, None)):
            mine, total = live_cpu(client, ready, song, pid, args.seconds)
            ours[name].append(mine)
            print(f"   {name:<10}: Pianola's threads {mine:.2f} %, whole engine {total:.2f} %")
    p_mean = sum(ours["patterns"]) / len(ours["patterns"])
    r_mean = sum(ours["piano roll"]) / len(ours["piano roll"])
    print(
        f"   mean of Pianola's threads: patterns {p_mean:.2f} %, piano roll {r_mean:.2f} % "
        f"(ratio {p_mean / max(r_mean, 1e-9):.2f})"
    )


def run(args) -> int:
    from engine.bench.cpu import default_soundfont

    soundfont = Path(args.soundfont) if args.soundfont else default_soundfont()
    print(
        f"{platform.node()}: {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)"
    )
    score, pattern_id = pattern_song(args.bpm)
    roll = roll_song(score, pattern_id)
    per_s = roll.tracks[0].notes.__len__() / roll.tick_to_seconds(roll.loop.end_tick)
    print(
        f"16 lanes x 64 steps at 16ths, {args.bpm:g} BPM, probability 80 %, ratchet 2: "
        f"about {per_s:.0f} notes/s; the piano-roll case plays the same notes as free notes"
    )
    parts = set(args.parts.split(","))
    if "offline" in parts:
        _offline(soundfont, score, pattern_id, roll, args.seconds)
    if parts & {"live", "switch"}:
        return _with_engine(args, parts, soundfont, score, pattern_id, roll)
    return 0


def _offline(soundfont, score, pattern_id, roll, seconds: float) -> None:
    print("\n1. Scheduling alone (file backend, one service per 4 ms, thread CPU time):")
    (pattern_us, pattern_notes), (roll_us, roll_notes) = time_offline(
        soundfont, [(score, pattern_id), (roll, None)], seconds
    )
    for name, us, notes in (
        ("patterns", pattern_us, pattern_notes),
        ("piano roll", roll_us, roll_notes),
    ):
        percent = us * SAMPLE_RATE / SERVICE_PERIOD_FRAMES / 1e4
        print(
            f"   {name:<10}: {us:7.1f} µs per service = {percent:.2f} % of one core "
            f"({notes} notes in {seconds:g} s)"
        )
    print(f"   patterns / piano roll: {pattern_us / roll_us:.2f}")


def _with_engine(args, parts, soundfont, score, pattern_id, roll) -> int:
    name = f"pianola-steps-{os.getpid()}"
    try:
        with DummyJackServer(name, SAMPLE_RATE, args.period, realtime=args.realtime) as srv:
            watchdog = threading.Timer(4 * args.seconds + 120, srv.stop)
            watchdog.daemon = True
            watchdog.start()
            try:
                client, ready = engine_client(srv.name, args.period, soundfont)
                try:
                    if "live" in parts:
                        _live(client, ready, args, score, pattern_id, roll)
                    if "switch" not in parts:
                        return 0
                    print(
                        f"\n3. Pattern switches ({args.switches}, queued mid-pass, 16ths at {args.bpm:g} BPM):"
                    )
                    f = measure_switches(client, srv.name, args.bpm, args.switches)
                    print(
                        f"   {f.onsets} onsets on one grid of sixteenths: {f.missing} missing, "
                        f"{f.extra} extra; {f.switches_heard} switches heard; worst error at a "
                        f"switch {f.worst_at_switch:.0f} frames (beyond the 64-frame block: "
                        f"{max(0.0, f.worst_at_switch - 64):.0f}); worst of all onsets "
                        f"{f.worst:.0f} frames, {f.beyond_block} beyond 64; dropped JACK "
                        f"cycles {f.dropped_cycles}"
                    )
                finally:
                    client.close()
            finally:
                watchdog.cancel()
    except (PianolaError, OSError, RuntimeError) as exc:
        print(f"engine measurement failed: {exc}")
        return 1
    return 0
