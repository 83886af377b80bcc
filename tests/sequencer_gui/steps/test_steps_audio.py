"""Heard, as a musician hears it: a real X click (xdotool) on a step of the real window's
step grid sounds at once, through the real engine on the private JACK server, recorded by
a JACK client of the test's own and found as an onset in the samples."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Score, Track
from engine.measure.capture import Recorder
from engine.measure.onsets import find_onsets

pytestmark = [pytest.mark.gui, pytest.mark.audio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
FONT = ROOT / "assets" / "pianola.sf2"
ENGINE_PORTS = r"^pianola:"


def pump(root, seconds: float, until=None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        root.update()
        if until is not None and until():
            return True
        time.sleep(0.005)
    return until is None


def heard(recording) -> np.ndarray:
    mag = recording.magnitude()
    if mag.max() < 1e-3:
        return np.zeros(0, np.int64)
    found = find_onsets(mag, threshold=max(1e-3, mag.max() * 0.1), min_gap_frames=2400)
    return recording.jack_frames(found)


@pytest.fixture
def steps_window(xdisplay, jack_server):
    import tkinter as tk

    from engine.core.audio_settings import AudioSettings
    from sequencer_gui.app import MainWindow
    from sequencer_gui.document import Document

    if shutil.which("xdotool") is None:
        pytest.fail("xdotool is not installed: run ./test.sh, which installs it")
    score = Score(
        tracks=(Track(name="Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True),)
    )
    root = tk.Tk()
    root.geometry("1200x700+0+0")
    settings = AudioSettings(
        driver="jack", jack_server=jack_server, soundfont=str(FONT), reverb=False, chorus=False
    )
    window = MainWindow(root, Document(score), settings, realtime=False)
    try:
        assert pump(root, 40, lambda: window.link.state != "starting"), "no engine"
        assert window.link.state == "ready", window.link.error
        window.steps.panel.bar.new_pattern()
        window.views.select(1)
        pump(root, 0.3)
        yield window
    finally:
        window.close()
        root.destroy()


def test_a_click_on_a_step_is_heard_at_once(steps_window):
    window = steps_window
    root = window.root
    grid = window.steps.panel.grid_view
    g = grid.geometry
    c = grid.canvas
    x = c.winfo_rootx() + round(g.step_centre_x(4) - c.canvasx(0))
    y = c.winfo_rooty() + round(g.lane_y(0) + g.lane_height_px / 2 - c.canvasy(0))

    def lane():
        return window.steps.session.pattern.lanes[0]

    with Recorder(ENGINE_PORTS, channels=2, server_name=window.link.settings.jack_server) as rec:
        rec.start()
        pump(root, 0.3)  # some silence first
        click_frame = rec.frame_time_now()
        subprocess.run(
            ["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True, timeout=20
        )
        assert pump(root, 20, lambda: lane().steps[4].on), "the click did not set the step"
        # a second of the server's own frames after the window took the click: how soon
        # within it the step sounds is the steps_gui benchmark's figure, not this test's
        set_frame = rec.frame_time_now()
        while (rec.frame_time_now() - set_frame) % 2**32 < rec.sample_rate:
            pump(root, 0.05)
        rec.wait_until_frame(set_frame + rec.sample_rate, 20)
        onsets = heard(rec.stop())
    assert [i for i, s in enumerate(lane().steps) if s.on] == [4], "the click set other steps"
    assert len(onsets) >= 1, "the click on a step was not heard"
    assert (int(onsets[0]) - click_frame) % 2**32 < 2**31, "the step sounded before the click"

    # a click that turns the step off is silent
    with Recorder(ENGINE_PORTS, channels=2, server_name=window.link.settings.jack_server) as rec:
        rec.start()
        pump(root, 0.3)
        subprocess.run(["xdotool", "click", "1"], check=True, timeout=20)
        assert pump(root, 20, lambda: not lane().steps[4].on), "the click left the step on"
        off_frame = rec.frame_time_now()
        while (rec.frame_time_now() - off_frame) % 2**32 < rec.sample_rate // 2:
            pump(root, 0.05)
        onsets = heard(rec.stop())
    assert len(onsets) == 0, "turning a step off sounded it"
