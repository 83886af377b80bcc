"""End to end, as a musician would: the real `pianola` window in its own process on the
private JACK server, driven by `xdotool` (real X pointer events), heard through a JACK
client recording the engine's output.

A click on an empty cell must be heard at once (the preview path), and so must a note
dragged to another pitch; Ctrl+S then writes both edits to the song file.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine.core.score import Note, Score, Track
from engine.files.project_file import load_project, save_project
from engine.measure.capture import Recorder
from engine.measure.onsets import find_onsets

pytestmark = [pytest.mark.gui, pytest.mark.audio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
FONT = ROOT / "assets" / "pianola.sf2"
PIANOLA = Path(sys.executable).parent / "pianola"
ENGINE_PORTS = r"^pianola:"


def xdotool(*args) -> str:
    return subprocess.run(
        ["xdotool", *map(str, args)], check=True, capture_output=True, text=True, timeout=20
    ).stdout.strip()


def screen_point(layout, tick: int, pitch: int) -> tuple[int, int]:
    """Screen coordinates of (tick, pitch) in the grid, a few pixels into the cell."""
    px_per_tick = layout["pixels_per_quarter"] / layout["ppq"]
    x = tick * px_per_tick - layout["scroll_x_px"] + layout["grid_root_x"] + 4
    y = (
        (127 - pitch) * layout["key_height_px"]
        + layout["key_height_px"] // 2
        - layout["scroll_y_px"]
        + layout["grid_root_y"]
    )
    return round(x), round(y)


def heard_onsets(recording) -> np.ndarray:
    """JACK frame times of the onsets in a recording (silence gives none)."""
    mag = recording.magnitude()
    if mag.max() < 1e-3:
        return np.zeros(0, np.int64)
    found = find_onsets(mag, threshold=max(1e-3, mag.max() * 0.1), min_gap_frames=2400)
    return recording.jack_frames(found)


@pytest.fixture
def running_window(tmp_path, xdisplay, jack_server):
    if shutil.which("xdotool") is None:
        pytest.fail("xdotool is not installed: run ./test.sh, which installs it")
    song = tmp_path / "song.pianola"
    save_project(Score(tracks=(Track(name="Piano", notes=(Note(1920, 480, 64),)),)), song)
    layout_file = tmp_path / "layout.json"
    env = dict(os.environ, DISPLAY=xdisplay, PIANOLA_LAYOUT_FILE=str(layout_file))
    proc = subprocess.Popen(
        [
            str(PIANOLA),
            str(song),
            "--driver",
            "jack",
            "--jack-server",
            jack_server,
            "--soundfont",
            str(FONT),
            "--no-realtime",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 40
        while not layout_file.exists():
            assert proc.poll() is None, f"pianola exited: {proc.stdout.read()}"
            assert time.monotonic() < deadline, "the window never reported its layout"
            time.sleep(0.05)
        layout = json.loads(layout_file.read_text())
        assert layout["engine"] == "ready", layout["error"]
        wid = xdotool("search", "--sync", "--onlyvisible", "--name", "song.pianola").split()[0]
        yield proc, song, layout, wid
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_click_and_drag_are_heard_and_saved(running_window, jack_server):
    proc, song, layout, wid = running_window
    with Recorder(ENGINE_PORTS, channels=2, server_name=jack_server, max_seconds=8) as rec:
        rec.start()
        time.sleep(0.3)  # some silence first
        x, y = screen_point(layout, 0, 60)  # an empty cell
        click_frame = rec.frame_time_now()
        xdotool("mousemove", x, y, "click", "1")
        time.sleep(0.8)
        heard = heard_onsets(rec.stop())
    assert len(heard) >= 1, "the click on an empty cell was not heard"
    delay_s = (heard[0] - click_frame) / rec.sample_rate
    # Heard after the click (how soon is `pianola bench gui`'s figure, not a function).
    assert delay_s >= 0, f"the note was heard {-delay_s * 1000:.0f} ms before the click"

    with Recorder(ENGINE_PORTS, channels=2, server_name=jack_server, max_seconds=8) as rec:
        rec.start()
        time.sleep(0.3)
        x0, y0 = screen_point(layout, 1920 + 120, 64)  # the note's body
        x1, y1 = screen_point(layout, 1920 + 120, 69)
        start_frame = rec.frame_time_now()
        xdotool("mousemove", x0, y0, "mousedown", "1")
        time.sleep(0.7)  # the pressed note sounds (480 ticks = 0.5 s at 120 BPM)
        xdotool("mousemove", x1, y1)
        time.sleep(0.7)  # the note sounds again at its new pitch
        xdotool("mouseup", "1")
        heard = heard_onsets(rec.stop())
    assert len(heard) >= 2, f"expected the note at its old and its new pitch, heard {len(heard)}"
    assert heard[0] >= start_frame

    before = song.stat().st_mtime_ns
    xdotool("key", "--window", wid, "ctrl+s")
    deadline = time.monotonic() + 10
    while song.stat().st_mtime_ns == before:
        assert time.monotonic() < deadline, "Ctrl+S did not save the song"
        time.sleep(0.05)
    notes = load_project(song).tracks[0].notes
    assert Note(0, 120, 60) in notes and Note(1920, 480, 69) in notes and len(notes) == 2
