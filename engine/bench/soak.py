"""`pianola bench soak`: a looping song played for minutes with an edit every second (benchmark main thread).

The engine is started as the GUI starts it (``EngineClient``, driver ``jack``) on a fresh
private dummy JACK server, plays a looped 16-track song (the one of `pianola bench cpu`),
and receives a live edit every second (a ``ReplaceScoreCommand`` moving one note, as a
mouse drag does).  Every row (a minute by default) prints:

- the engine process's resident memory (VmRSS) and its CPU (% of one core over the row);
- late events (the scheduler woke after its look-ahead ran out) and the worst lateness;
- xruns reported by the JACK server;
- clock drift: how far the engine's sample clock has moved against the JACK server's own
  frame counter since the first row: frames the synth did not render (cycles lost to
  xruns), within a period or so of reading noise;
- tick error: the position the engine publishes against the one its frames give at the
  song's tempo (0 = the musical position never drifts from the audio clock).
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
from dataclasses import dataclass, replace

from engine.core.errors import PianolaError
from engine.measure.jackserver import DummyJackServer

SAMPLE_RATE = 48000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=30.0, help="how long (default 30)")
    parser.add_argument(
        "--row-seconds", type=float, default=60.0, help="seconds per printed row (default 60)"
    )
    parser.add_argument("--period", type=int, default=256, help="JACK period (default 256)")
    parser.add_argument("--bpm", type=float, default=120.0, help="tempo (default 120)")
    parser.add_argument(
        "--edit-seconds", type=float, default=1.0, help="seconds between edits (default 1)"
    )
    parser.add_argument(
        "--jack-server",
        metavar="NAME",
        help="play through this running JACK server instead of a private dummy one",
    )
    parser.add_argument(
        "--realtime",
        action=argparse.BooleanOptionalAction,
        default=os.geteuid() == 0,
        help="run the JACK server with realtime scheduling (default: when root may)",
    )


def process_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def process_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the command name: fields[11] utime, fields[12] stime (man 5 proc)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def moved(score, step: int):
    """The score with its first track's first note moved by a sixteenth, back and forth."""
    track = score.tracks[0]
    first = track.notes[0]
    shift = 120 if step % 2 else 0
    notes = (replace(first, start_tick=shift),) + track.notes[1:]
    return replace(score, tracks=(replace(track, notes=notes),) + score.tracks[1:])


@dataclass
class Row:
    minute: float
    rss_mib: float
    cpu_percent: float
    late: int
    worst_late_frames: int
    xruns: int
    clock_drift_frames: int
    tick_error: float


def soak(server: str, args, print_row) -> list[Row]:
    import jack

    from engine.bench.cpu import default_soundfont, sixteen_track_score
    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
    from engine.core.protocol import events as evt
    from engine.realtime.client import EngineClient

    settings = AudioSettings(
        driver="jack",
        sample_rate=SAMPLE_RATE,
        period_frames=args.period,
        jack_server=server,
        soundfont=str(default_soundfont()),
    )
    score = sixteen_track_score(args.bpm)
    loop_ticks = score.loop.length_ticks
    us_per_quarter = score.tempo_map.changes[0].us_per_quarter
    ticks_per_frame = score.ppq * 1_000_000 / (us_per_quarter * SAMPLE_RATE)
    clock = jack.Client("pianola-soak-clock", servername=server, no_start_server=True)
    client = EngineClient(settings)
    client.start()
    rows: list[Row] = []
    try:
        ready = client.wait_ready(60)
        pid = ready.pid
        client.load_score(score)
        client.play(0)
        time.sleep(1.0)
        first = client.read_position()
        anchor_frame = first.frame - (first.loop_count * loop_ticks + first.tick) / ticks_per_frame
        offset0 = clock.frame_time - first.frame
        started = time.monotonic()
        rows_wanted = max(1, round(args.minutes * 60 / args.row_seconds))
        next_edit, next_row, step = started, started + args.row_seconds, 0
        cpu0, late, worst, xruns = process_cpu_s(pid), 0, 0, 0
        row_start = started
        while len(rows) < rows_wanted:
            now = time.monotonic()
            if now >= next_edit:
                step += 1
                client.send(cmd.ReplaceScoreCommand(moved(score, step)))
                next_edit += args.edit_seconds
            for event in client.poll_events():
                if isinstance(event, evt.LateEvent):
                    late += event.count
                    worst = max(worst, event.worst_frames)
                elif isinstance(event, evt.XrunEvent):
                    xruns += event.count
                elif isinstance(event, (evt.EngineDiedEvent, evt.ErrorEvent)):
                    raise PianolaError(f"the engine stopped: {event.message}")
            if now >= next_row:
                position, jack_frame = client.read_position(), clock.frame_time
                cpu = process_cpu_s(pid)
                total_ticks = position.loop_count * loop_ticks + position.tick
                row = Row(
                    minute=(now - started) / 60,
                    rss_mib=process_rss_kib(pid) / 1024,
                    cpu_percent=100 * (cpu - cpu0) / (now - row_start),
                    late=late,
                    worst_late_frames=worst,
                    xruns=xruns,
                    clock_drift_frames=(jack_frame - position.frame) - offset0,
                    tick_error=total_ticks - (position.frame - anchor_frame) * ticks_per_frame,
                )
                rows.append(row)
                print_row(row)
                cpu0, row_start, late, worst, xruns = cpu, now, 0, 0, 0
                next_row += args.row_seconds
            time.sleep(0.05)
        client.stop()
    finally:
        client.close()
        clock.close()
    return rows


def print_header() -> None:
    print(
        f"{'min':>6} {'RSS MiB':>8} {'CPU %':>6} {'late':>5} {'worst':>6} {'xruns':>5} "
        f"{'drift fr':>8} {'tick err':>8}"
    )


def print_row(row: Row) -> None:
    print(
        f"{row.minute:6.1f} {row.rss_mib:8.1f} {row.cpu_percent:6.2f} {row.late:5d} "
        f"{row.worst_late_frames:6d} {row.xruns:5d} {row.clock_drift_frames:8d} "
        f"{row.tick_error:8.2f}",
        flush=True,
    )


def run(args) -> int:
    print(
        f"{platform.node()}: {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)"
    )
    print(
        f"soak: {args.minutes:g} min, 16 tracks of sixteenths looping at {args.bpm:g} BPM, "
        f"an edit every {args.edit_seconds:g} s; JACK dummy {SAMPLE_RATE} Hz period {args.period}, "
        f"{'realtime' if args.realtime else 'not realtime'}"
    )
    name = f"pianola-soak-{os.getpid()}"
    try:
        if args.jack_server:
            print_header()
            rows = soak(args.jack_server, args, print_row)
            _summary(rows)
            return 0
        with DummyJackServer(name, SAMPLE_RATE, args.period, realtime=args.realtime) as srv:
            # a wedged JACK server would block libjack for ever: stop it after a while
            watchdog = threading.Timer(args.minutes * 60 + 120, srv.stop)
            watchdog.daemon = True
            watchdog.start()
            try:
                print_header()
                rows = soak(srv.name, args, print_row)
            finally:
                watchdog.cancel()
    except (PianolaError, OSError, RuntimeError) as exc:
        print(f"soak failed: {exc}")
        return 1
    _summary(rows)
    return 0


def _summary(rows: list[Row]) -> None:
    if rows:
        first, last = rows[0], rows[-1]
        print(
            f"memory {first.rss_mib:.1f} -> {last.rss_mib:.1f} MiB "
            f"({100 * (last.rss_mib - first.rss_mib) / first.rss_mib:+.2f} %); "
            f"late events {sum(r.late for r in rows)}; xruns {sum(r.xruns for r in rows)}; "
            f"worst clock drift {max(abs(r.clock_drift_frames) for r in rows)} frames; "
            f"worst tick error {max(abs(r.tick_error) for r in rows):.2f} ticks"
        )
