"""`pianola bench gui`: the piano-roll window on a 10 000-note score (benchmark main thread = Tk).

Measures, in the real window on a real X server (a private Xvfb unless DISPLAY is set)
with the real engine on a private dummy JACK server: open + first draw; scroll and zoom
frame times (each redraw timed including ``update_idletasks``, so Tk's own drawing is
counted); the cursor's frame rate during playback and how far the drawn cursor trails the
engine's position counter; the time from a click on an empty cell to the note's onset in
a JACK recording; and the engine's onset error while playing with the GUI idle and while
it redraws as fast as it can (the recording is made in a separate process so that the
busy GUI process cannot disturb the listener).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.bench.timing import ENGINE_PORTS, drum_score, engine_settings
from engine.core.errors import AudioDriverError
from engine.core.score import Note, Score, Track
from engine.measure.capture import Recorder
from engine.measure.drum_timing import SAMPLE_RATE, analyse
from engine.measure.jackserver import DummyJackServer
from engine.measure.onsets import find_onsets


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--notes", type=int, default=10_000, help="notes in the score")
    parser.add_argument("--period", type=int, default=256, help="JACK period in frames")
    parser.add_argument("--frames", type=int, default=100, help="scroll/zoom frames timed")
    parser.add_argument(
        "--play-seconds",
        type=float,
        default=5.0,
        help="seconds of playback for the cursor and onset figures",
    )
    parser.add_argument("--clicks", type=int, default=10, help="clicks timed to their onset")
    parser.add_argument(
        "--no-audio",
        action="store_true",
        help="no engine: only the drawing figures (open, scroll, zoom)",
    )
    parser.add_argument(
        "--no-realtime-jack",
        action="store_true",
        help="run the dummy JACK server without realtime scheduling",
    )


def big_score(count: int) -> Score:
    """``count`` notes: a four-voice pattern of sixteenths and eighths over many bars."""
    notes: list[Note] = []
    step = 120
    i = 0
    while len(notes) < count:
        tick = i * step
        notes.append(Note(tick, step, 60 + (i * 7) % 24, 40 + (i * 13) % 88))
        if i % 2 == 0 and len(notes) < count:
            notes.append(Note(tick, 2 * step, 48 + (i * 5) % 12, 90))
        if i % 4 == 0 and len(notes) < count:
            notes.append(Note(tick, 4 * step, 36 + (i // 4) % 12, 110))
        i += 1
    half = count // 2
    return Score(
        tracks=(
            Track(name="Lead", notes=tuple(notes[:half])),
            Track(name="Pad", channel=1, program=89, notes=tuple(notes[half:])),
        )
    )


def start_xvfb():
    """A private Xvfb when there is no display; returns the process (or None)."""
    if os.environ.get("DISPLAY"):
        return None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise AudioDriverError("no DISPLAY and Xvfb is not installed.")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        os.environ["DISPLAY"] = f":{f.readline().strip()}"
    return proc


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed_frames(root, action, count: int) -> list[float]:
    times = []
    for i in range(count):
        t0 = time.perf_counter()
        action(i)
        root.update_idletasks()
        times.append(time.perf_counter() - t0)
    root.update()
    return times


def report_frames(name: str, times: list[float]) -> None:
    p95 = float(np.percentile(times, 95))
    print(
        f"{name:<28} median {ms(statistics.median(times)):>9}   95% {ms(p95):>9}   worst "
        f"{ms(max(times)):>9}   (target <= 16 ms, {len(times)} frames)"
    )


def pump(root, seconds: float, until=None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        root.update()
        if until is not None and until():
            return True
        time.sleep(0.002)
    return until is None


def run(args) -> int:
    import tkinter as tk

    from engine.files.project_file import load_project, save_project
    from engine.files.soundfonts import BUNDLED_SOUNDFONT
    from sequencer_gui.app import MainWindow
    from sequencer_gui.document import Document

    xvfb = start_xvfb()
    # JACK realtime as on a musician's machine (its clients' audio threads get SCHED_FIFO);
    # --no-realtime-jack shows what happens without it.
    server = DummyJackServer(
        f"pianola-bench-gui-{os.getpid()}",
        sample_rate=SAMPLE_RATE,
        period_frames=args.period,
        realtime=not args.no_realtime_jack,
    ).start()
    tmp = Path(tempfile.mkdtemp(prefix="pianola-bench-gui-"))
    window = root = None
    try:
        score = big_score(args.notes)
        song = tmp / "big.pianola"
        save_project(score, song)
        print(
            f"score: {score.note_count} notes in {len(score.tracks)} tracks, "
            f"{score.end_tick // (4 * score.ppq)} bars; display {os.environ['DISPLAY']}; "
            f"JACK dummy {SAMPLE_RATE} Hz period {args.period}"
        )

        # -- open + first draw -----------------------------------------------------------
        t0 = time.perf_counter()
        root = tk.Tk()
        root.geometry("1400x860+0+0")
        loaded = load_project(song)
        t1 = time.perf_counter()
        settings = (
            None if args.no_audio else engine_settings(server.name, args.period, BUNDLED_SOUNDFONT)
        )
        window = MainWindow(
            root, Document(loaded, song), settings, start_engine=settings is not None
        )
        root.update()
        t2 = time.perf_counter()
        roll = window.roll
        print(
            f"{'open + first draw':<28} {ms(t2 - t0):>9}   (file {ms(t1 - t0)}, window "
            f"{ms(t2 - t1)}; {len(roll.note_pool) + len(roll.faint_pool)} note items "
            f"drawn; target <= 1000 ms)"
        )

        # Drawing figures in steady state: with the engine running, not while it starts.
        if not args.no_audio and (
            not pump(root, 30, lambda: window.link.state != "starting")
            or window.link.state != "ready"
        ):
            print(f"audio figures skipped: {window.link.error}")
            return 1

        # -- scroll and zoom -------------------------------------------------------------
        width = roll.geometry.width_px
        report_frames(
            "scroll sideways (1/8 view)",
            timed_frames(
                root,
                lambda i: roll.scroll(width / 8 if i < args.frames // 2 else -width / 8, 0),
                args.frames,
            ),
        )
        report_frames(
            "scroll up/down (3 rows)",
            timed_frames(root, lambda i: roll.scroll(0, 36 if (i // 10) % 2 else -36), args.frames),
        )
        report_frames(
            "zoom (x1.25 / x0.8)",
            timed_frames(
                root, lambda i: roll.zoom(1.25 if (i // 10) % 2 == 0 else 0.8), args.frames
            ),
        )

        if args.no_audio:
            return 0

        # -- cursor during playback ------------------------------------------------------
        roll.set_geometry(roll.geometry.scrolled_to(0, roll.geometry.scroll_y_px))
        window.playback.play()
        pump(root, args.play_seconds)
        window.playback.stop()
        pb = window.playback
        intervals = np.diff(pb.frame_times)
        fps = (len(pb.frame_times) - 1) / (pb.frame_times[-1] - pb.frame_times[0])
        us_per_tick = loaded.tempo_map.change_at(0).us_per_quarter / loaded.ppq
        lag_ms = np.array(pb.frame_lag_ticks) * us_per_tick / 1000
        print(
            f"{'cursor while playing':<28} {fps:.1f} frames/s (target >= 50); frame "
            f"interval median {ms(float(np.median(intervals)))}, worst "
            f"{ms(float(intervals.max()))}; drawn cursor trails the position counter by "
            f"median {np.median(lag_ms):.2f} ms, worst {lag_ms.max():.2f} ms"
        )

        click_latency(window, root, server.name, args.clicks)
        busy_onsets(window, root, server.name, args.play_seconds)
    finally:
        if window is not None:
            window.close()
        if root is not None:
            root.destroy()
        server.stop()
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def click_to_onset_s(root, canvas, x: int, y: int, server_name: str, period: int) -> float | None:
    """Click at view (x, y) of ``canvas`` while recording the engine's output: seconds from
    the JACK frame of the click to the first onset heard at or after it (None: none)."""
    with Recorder(ENGINE_PORTS, channels=2, server_name=server_name, max_seconds=2) as rec:
        rec.start()
        pump(root, 0.15)
        click_frame = rec.frame_time_now()
        # explicit event times, seconds apart: Tk must not take two clicks at the same
        # spot for a double click (which deletes)
        now_ms = int(time.monotonic() * 1000)
        canvas.event_generate("<ButtonPress-1>", x=x, y=y, time=now_ms)
        canvas.event_generate("<ButtonRelease-1>", x=x, y=y, time=now_ms + 20)
        root.update()
        pump(root, 0.4)
        recording = rec.stop()
    mag = recording.magnitude()
    onsets = find_onsets(mag, max(1e-3, float(mag.max()) * 0.1), 4800)
    frames = recording.jack_frames(onsets)
    later = frames[frames >= click_frame - period]
    return (int(later[0]) - click_frame) / SAMPLE_RATE if len(later) else None


def click_latency(window, root, server_name: str, clicks: int) -> None:
    """Click empty cells; JACK frames from the click to the note's onset."""
    roll = window.roll
    period = window.link.ready.period_frames
    g = roll.geometry
    delays = []
    for k in range(clicks):
        tick = roll.score.end_tick + 1920 * (k + 1)
        roll.set_geometry(g.scrolled_to(g.tick_to_x(tick) - 100, g.scroll_y_px))
        g = roll.geometry
        x = round(g.tick_to_x(tick) + 4 - g.scroll_x_px)
        y = round(g.pitch_to_y(72) + 4 - g.scroll_y_px)
        root.update()
        delay = click_to_onset_s(root, roll.canvas, x, y, server_name, period)
        if delay is not None:
            delays.append(delay)
        window.editor.undo()
        pump(root, 0.3)  # let the blip end before the next click
    target = period / SAMPLE_RATE + 0.005
    if delays:
        print(
            f"{'click -> onset heard':<28} median {ms(statistics.median(delays)):>9}   worst "
            f"{ms(max(delays)):>9}   ({len(delays)}/{clicks} heard; target <= one period + "
            f"5 ms = {ms(target)}; JACK frame time of the click vs. of the period that carries the "
            f"onset, +-1 period)"
        )
        print(f"{'':<28} each: " + " ".join(f"{d * 1000:.1f}" for d in delays) + " ms")
    else:
        print("click -> onset heard: no onset found")


def _record(server_name: str, seconds: float, conn) -> None:
    """In a child process: say "started" once recording, then send the Recording."""
    with Recorder(
        ENGINE_PORTS, channels=1, server_name=server_name, max_seconds=seconds + 1
    ) as rec:
        rec.start()
        conn.send("started")
        rec.wait_frames(int(seconds * rec.sample_rate))
        conn.send(rec.stop())


def busy_onsets(window, root, server_name: str, seconds: float) -> None:
    """Onset error of a hi-hat pattern with the GUI idle, then redrawing flat out."""
    roll = window.roll
    drums = drum_score(120.0, seconds, 42)
    offsets = np.array(
        [
            drums.tempo_map.tick_to_frame(n.start_tick, drums.ppq, SAMPLE_RATE)
            for n in drums.tracks[0].notes
        ],
        dtype=np.int64,
    )
    ctx = multiprocessing.get_context("spawn")
    results = {}
    for case in ("idle", "busy"):
        window.document.replace(drums, None)
        pump(root, 0.5)
        xruns_before = window.link.xruns
        parent, child = ctx.Pipe()
        listener = ctx.Process(target=_record, args=(server_name, seconds + 1.0, child))
        listener.start()
        try:
            if not pump(root, 30, parent.poll) or parent.recv() != "started":
                raise AudioDriverError("the listening process did not start recording.")
            window.playback.play()
            frames = 0
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                if case == "busy":  # redraw as fast as possible: zoom and scroll
                    roll.zoom(1.25 if frames % 20 < 10 else 0.8)
                    roll.scroll(40 if frames % 8 < 4 else -40, 36 if frames % 6 < 3 else -36)
                    root.update_idletasks()
                    frames += 1
                root.update()
                if case == "idle":
                    time.sleep(0.002)
            window.playback.stop()  # (the song may have ended by itself already)
            if not parent.poll(seconds + 20):
                raise AudioDriverError("the listening process sent no recording.")
            recording = parent.recv()
        finally:
            listener.join(10)
        if float(recording.magnitude().max(initial=0.0)) <= 0.0:
            print(
                f"onset error, GUI {case}: the recording is silent "
                f"({len(recording.samples)} frames recorded, "
                f"{window.link.xruns - xruns_before} JACK xruns)"
            )
            continue
        stats = analyse(recording, offsets, 2400)[0]  # (stats, latency, notes...)
        results[case] = (stats, frames / seconds, window.link.xruns - xruns_before)
    for case, (stats, fps, xruns) in results.items():
        extra = f", GUI redrew {fps:.0f} frames/s" if case == "busy" else ""
        print(
            f"{'onset error, GUI ' + case:<28} worst {stats.worst_frames:.0f} frames, std "
            f"{stats.std_frames:.1f} frames, {stats.count} onsets, missing {stats.missing}, "
            f"JACK xruns {xruns}{extra}"
        )
