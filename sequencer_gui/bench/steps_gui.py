"""`pianola bench steps_gui`: the step grid on 16 lanes x 64 steps while playing, and step click -> heard (benchmark main thread = Tk).

Measures, in the real window on a real X server (a private Xvfb unless DISPLAY is set)
with the real engine on a private dummy JACK server:

- the grid's work per step: a pattern of 16 lanes x 64 sixteenths at 180 BPM, every step
  on with a probability and a ratchet, placed on a drum track; first with positions
  handed to the grid step after step, then played by the engine, each animation frame
  whose lit step changed timed from the position read to the end of
  ``update_idletasks`` (so Tk's own drawing counts), with the rest of the window's
  pending drawing flushed first (the grid's own work) and counted in (the whole frame);
- a full redraw of that grid after an edit (every cell, level and mark synced);
- a click on a step -> its onset in a JACK recording of the engine's output.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.bench.timing import engine_settings
from engine.core import pattern_edits as pe
from engine.core.pattern import Step
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Score, Track
from engine.core.timing import TempoMap
from engine.measure.drum_timing import SAMPLE_RATE
from engine.measure.jackserver import DummyJackServer
from sequencer_gui.bench.gui import click_to_onset_s, ms, pump, start_xvfb

LANE_KEYS = (36, 38, 42, 46, 39, 37, 45, 49, 41, 43, 47, 48, 50, 51, 44, 40)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lanes", type=int, default=16, help="lanes in the pattern")
    parser.add_argument("--steps", type=int, default=64, help="steps per lane")
    parser.add_argument("--bpm", type=float, default=180.0, help="tempo")
    parser.add_argument("--period", type=int, default=256, help="JACK period in frames")
    parser.add_argument("--play-seconds", type=float, default=8.0, help="seconds played")
    parser.add_argument("--clicks", type=int, default=10, help="step clicks timed to their onset")
    parser.add_argument("--redraws", type=int, default=50, help="full grid redraws timed")


def busy_score(lanes: int, steps: int, bpm: float) -> Score:
    """A drum track with one pattern, every step on with a probability and a ratchet,
    placed for 8 passes."""
    score = Score(
        tracks=(Track(name="Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True),),
        tempo_map=TempoMap.constant(bpm),
    )
    keys = [LANE_KEYS[i % len(LANE_KEYS)] for i in range(lanes)]
    pattern = pe.new_pattern("Busy", keys, length_steps=steps)
    lanes_full = tuple(
        lane.__class__(
            lane.id,
            lane.key,
            tuple(
                Step(
                    on=True,
                    velocity=40 + (i * 7 + j * 13) % 88,
                    probability=50 + (i + j) % 51,
                    ratchet=1 + (i + 2 * j) % 4,
                )
                for i in range(steps)
            ),
        )
        for j, lane in enumerate(pattern.lanes)
    )
    pattern = pattern.__class__(pattern.id, pattern.name, steps, "1/16", 50, lanes_full)
    score = pe.add_pattern(score, pattern)
    score, _ = pe.place_pattern(score, pattern.id, 0, 0, 8)
    return score


def run(args) -> int:
    import tkinter as tk

    from engine.files.soundfonts import BUNDLED_SOUNDFONT
    from sequencer_gui.app import MainWindow
    from sequencer_gui.document import Document

    xvfb = start_xvfb()
    server = DummyJackServer(
        f"pianola-bench-steps-{os.getpid()}", sample_rate=SAMPLE_RATE, period_frames=args.period
    ).start()
    tmp = Path(tempfile.mkdtemp(prefix="pianola-bench-steps-"))
    window = root = None
    try:
        score = busy_score(args.lanes, args.steps, args.bpm)
        root = tk.Tk()
        root.geometry("1400x900+0+0")
        settings = engine_settings(server.name, args.period, BUNDLED_SOUNDFONT)
        window = MainWindow(root, Document(score), settings)
        if not pump(root, 30, lambda: window.link.state != "starting") or (
            window.link.state != "ready"
        ):
            print(f"no engine: {window.link.error}")
            return 1
        window.views.select(1)
        pump(root, 0.5)
        panel = window.steps.panel
        g = panel.grid_view.geometry
        print(
            f"pattern: {g.lane_count} lanes x {g.columns} steps at 1/16, {args.bpm:g} BPM "
            f"(a step every {60_000 / args.bpm / 4:.1f} ms), every step on with probability "
            f"and ratchet; {len(panel.grid_view.cell_pool)} cells, {len(panel.grid_view.level_pool)} "
            f"levels, {len(panel.grid_view.mark_pool)} marks on the canvas; display "
            f"{os.environ['DISPLAY']}; JACK dummy {SAMPLE_RATE} Hz period {args.period}"
        )
        lit_steps_driven(window, root, 4 * g.columns)
        lit_frames(window, root, args.play_seconds)
        full_redraws(window, root, args.redraws)
        click_latency(window, root, server.name, args.clicks)
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


def lit_steps_driven(window, root, count: int) -> None:
    """The grid's own work per step, with positions handed to it step after step (no
    engine in the loop): what a frame costs when the lit step moves."""
    from engine.realtime.position import Position

    panel = window.steps.panel
    columns = panel.grid_view.geometry.columns
    times = []
    for k in range(count):
        position = Position(
            playing=True, pattern_index=0, pattern_pass=k // columns, pattern_step=k % columns
        )
        t0 = time.perf_counter()
        panel.show_position(position)
        root.update_idletasks()
        times.append(time.perf_counter() - t0)
    panel.stopped()
    root.update()
    p95 = float(np.percentile(times, 95))
    print(
        f"{'grid per step, driven':<30} median {ms(statistics.median(times)):>8}   95% "
        f"{ms(p95):>8}   worst {ms(max(times)):>8}   ({count} steps; target <= 4 ms)"
    )


def lit_frames(window, root, seconds: float) -> None:
    """Play; time every frame that moved the lit step (position read -> drawn).

    Two figures: the whole frame (the window's other drawing pending since the last
    frame -- the position display, the level meters -- included), and the grid's own
    work (that other drawing flushed first, then position read -> grid drawn).
    """
    panel = window.steps.panel
    grid = panel.grid_view
    times: list[float] = []
    whole: list[float] = []
    listeners = window.playback.frame_listeners
    original = list(listeners)

    def timed(tick: int) -> None:
        before = dict(grid.lit)
        t_frame = time.perf_counter()
        root.update_idletasks()
        t0 = time.perf_counter()
        panel.show_position(window.link.read_position())
        root.update_idletasks()
        if grid.lit != before:
            t1 = time.perf_counter()
            times.append(t1 - t0)
            whole.append(t1 - t_frame)

    # the transport's position label stays; the steps view's own frame hook is replaced
    # by the timed one
    listeners[:] = [f for f in original if getattr(f, "__self__", None) is window.transport] + [
        timed
    ]
    window.playback.play()
    pump(root, seconds)
    window.playback.stop()
    listeners[:] = original
    if not times:
        print("grid per step while playing: no step was lit (did the engine play?)")
        return
    for label, values, note in (
        ("grid per lit step, playing", times, "target <= 4 ms"),
        ("  whole frame, playing", whole, "the window's other drawing included"),
    ):
        p95 = float(np.percentile(values, 95))
        print(
            f"{label:<30} median {ms(statistics.median(values)):>8}   95% "
            f"{ms(p95):>8}   worst {ms(max(values)):>8}   ({len(values)} steps; {note})"
        )


def full_redraws(window, root, count: int) -> None:
    """A step toggled and back: the whole grid synced with the new pattern each time."""
    panel = window.steps.panel
    pattern = panel.pattern
    lane = pattern.lanes[0]
    doc = window.document
    times = []
    for i in range(count):
        score = pe.toggle_step(doc.score, pattern.id, lane.id, i % lane.length_steps)
        t0 = time.perf_counter()
        doc.apply(score, "bench")
        root.update_idletasks()
        times.append(time.perf_counter() - t0)
    root.update()
    print(
        f"{'edit -> grid redrawn':<30} median {ms(statistics.median(times)):>8}   worst "
        f"{ms(max(times)):>8}   ({count} edits; the whole window's listeners included)"
    )


def click_latency(window, root, server_name: str, clicks: int) -> None:
    """Click off steps of an empty lane; JACK frames from the click to the onset."""
    panel = window.steps.panel
    doc = window.document
    pattern = panel.pattern
    score, lane = pe.add_lane(doc.score, pattern.id, 39, length_steps=pattern.length_steps)
    doc.apply(score, "bench: an empty lane")
    root.update()
    grid = panel.grid_view
    lane_index = len(panel.pattern.lanes) - 1
    period = window.link.ready.period_frames
    delays = []
    for k in range(clicks):
        g = grid.geometry
        grid.canvas.yview_moveto(1.0)
        root.update()
        x = round(g.step_centre_x(k % g.columns) - grid.canvas.canvasx(0))
        y = round(g.lane_y(lane_index) + g.lane_height_px / 2 - grid.canvas.canvasy(0))
        delay = click_to_onset_s(root, grid.canvas, x, y, server_name, period)
        if delay is not None:
            delays.append(delay)
        window.editor.undo()
        pump(root, 0.3)
    target = period / SAMPLE_RATE + 0.005
    if delays:
        print(
            f"{'step click -> onset heard':<30} median {ms(statistics.median(delays)):>8}   "
            f"worst {ms(max(delays)):>8}   ({len(delays)}/{clicks} heard; target <= one "
            f"period + 5 ms = {ms(target)})"
        )
        print(f"{'':<30} each: " + " ".join(f"{d * 1000:.1f}" for d in delays) + " ms")
    else:
        print("step click -> onset heard: no onset found")
