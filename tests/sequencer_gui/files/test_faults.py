"""Faults a musician must survive, made for real: the GUI process killed with SIGKILL in
the middle of editing, and the engine process killed with SIGKILL during playback.

(Write failures -- read-only disk, full disk, unwritable folder -- are in test_files.py.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.core.score import Note, Score, Track
from engine.files.project_file import load_project, save_project
from tests.sequencer_gui.test_e2e_audio import screen_point

pytestmark = [pytest.mark.gui, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
FONT = ROOT / "assets" / "pianola.sf2"
PIANOLA = Path(sys.executable).parent / "pianola"


def xdotool(*args) -> str:
    done = subprocess.run(["xdotool", *map(str, args)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"xdotool {' '.join(map(str, args))}: {done.stderr}"
    return done.stdout.strip()


def wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def recovery_notes(state_dir: Path):
    """The notes of the (single) recovery file, or None while there is none."""
    files = list((state_dir / "recovery").glob("*.pianola"))
    if len(files) != 1:
        return None
    try:
        return load_project(files[0]).tracks[0].notes
    except Exception:  # noqa: BLE001 -- read while being replaced: try again
        return None


class App:
    """The real `pianola` program on the private display, with private config/state."""

    def __init__(self, tmp_path: Path, display: str, song: Path):
        self.layout_file = tmp_path / "layout.json"
        self.env = dict(
            os.environ,
            DISPLAY=display,
            PIANOLA_LAYOUT_FILE=str(self.layout_file),
            PIANOLA_CONFIG_DIR=str(tmp_path / "config"),
            PIANOLA_STATE_DIR=str(tmp_path / "state"),
        )
        self.env.pop("PIANOLA_NO_RECOVERY_PROMPT", None)
        self.song = song
        self.proc = None

    def start(self):
        self.layout_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [
                str(PIANOLA),
                str(self.song),
                "--driver",
                "none",
                "--no-realtime",
                "--geometry",
                "1200x760+0+0",
            ],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self

    def layout(self):
        def ready():
            assert self.proc.poll() is None, f"pianola exited: {self.proc.stdout.read()}"
            return self.layout_file.exists()

        wait_for(ready, 60, "the window to report its layout")
        return json.loads(self.layout_file.read_text())

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def app_env(tmp_path, xdisplay):
    config = tmp_path / "config"
    config.mkdir()
    # autosave after 1 s so the test is quick; the default is 3 s
    (config / "preferences.json").write_text(json.dumps({"autosave_interval_s": 1}))
    song = tmp_path / "song.pianola"
    save_project(Score(tracks=(Track(name="Piano", notes=(Note(1920, 480, 64),)),)), song)
    apps = []

    def make():
        app = App(tmp_path, xdisplay, song)
        apps.append(app)
        return app

    yield make, song, tmp_path / "state"
    for app in apps:
        app.stop()


def test_sigkill_of_the_gui_loses_at_most_the_last_seconds(app_env):
    make, song, state_dir = app_env
    first = make().start()
    layout = first.layout()
    wid = xdotool("search", "--sync", "--onlyvisible", "--name", "song.pianola").split()[0]
    for tick, pitch in ((0, 60), (480, 62)):
        x, y = screen_point(layout, tick, pitch)
        xdotool("mousemove", x, y, "click", "1")
    wanted = {(0, 60), (480, 62), (1920, 64)}
    wait_for(
        lambda: (
            (n := recovery_notes(state_dir)) is not None
            and {(x.start_tick, x.pitch) for x in n} == wanted
        ),
        15,
        "the autosave",
    )
    assert "*song.pianola" in xdotool("getwindowname", wid)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()

    second = make().start()
    dialog = xdotool("search", "--sync", "--onlyvisible", "--name", "Recover unsaved work")
    # Restore is the default.  Key down only: the dialog is gone before a key-up could
    # reach it (xdotool would then fail on the vanished window).
    xdotool("keydown", "--window", dialog.split()[0], "Return")
    subprocess.run(["xdotool", "keyup", "Return"], capture_output=True, timeout=10)
    second.layout()
    wid = xdotool("search", "--sync", "--onlyvisible", "--name", r"\*song.pianola").split()[0]
    before = song.stat().st_mtime_ns
    xdotool("key", "--window", wid, "ctrl+s")
    wait_for(lambda: song.stat().st_mtime_ns != before, 15, "Ctrl+S to save")
    notes = load_project(song).tracks[0].notes
    assert {(n.start_tick, n.pitch) for n in notes} == wanted
    # saved: the recovery copy has gone, and nothing is left to offer next time
    wait_for(
        lambda: not list((state_dir / "recovery").glob("*.pianola")),
        10,
        "the recovery file to be removed after the save",
    )


# ------------------------------------------------------------------ the engine dies


@pytest.fixture
def audio_window(xdisplay, jack_server, tmp_path, monkeypatch):
    import tkinter as tk

    from engine.core.audio_settings import AudioSettings
    from sequencer_gui.app import MainWindow
    from sequencer_gui.document import Document
    from sequencer_gui.files import commands as files

    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PIANOLA_STATE_DIR", str(tmp_path / "state"))
    # sixteenth notes for 6 s at 120 BPM, then nothing
    score = Score(
        tracks=(
            Track(name="Piano", notes=tuple(Note(i * 120, 60, 60 + i % 12) for i in range(48))),
        )
    )
    root = tk.Tk()
    root.geometry("1000x600+0+0")
    settings = AudioSettings(driver="jack", jack_server=jack_server, soundfont=str(FONT))
    window = MainWindow(root, Document(score), settings, realtime=False)
    commands = files.install(window, offer_restore=False)
    yield window
    commands.autosaver.stop()
    window.close()
    root.destroy()


def pump(root, condition, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        root.update()
        time.sleep(0.005)


@pytest.mark.audio
def test_engine_killed_during_playback_is_restarted_with_the_song(audio_window, jack_server):
    from engine.measure.capture import Recorder
    from engine.measure.onsets import find_onsets

    window, root = audio_window, audio_window.root
    pump(root, lambda: window.link.state == "ready", 30, "the engine")
    score = window.document.score
    window.toggle_play()
    pump(
        root,
        lambda: (pos := window.link.read_position()) is not None and pos.playing and pos.tick > 480,
        10,
        "playback to start",
    )
    old_pid = window.link.client.pid
    os.kill(old_pid, signal.SIGKILL)
    pump(root, lambda: window.link.state == "died", 5, "the death to be noticed")
    assert "stopped unexpectedly" in window.status.message.cget("text")
    pump(
        root,
        lambda: window.link.state == "ready" and window.link.client.pid != old_pid,
        30,
        "the automatic restart",
    )
    assert "restarted" in window.status.message.cget("text")
    assert window.document.score is score  # the document never left the window

    # the new engine plays on from where the old one was; after the song's last note
    # and its release there is silence: no note was left sounding
    with Recorder(r"^pianola", channels=2, server_name=jack_server, max_seconds=20) as rec:
        rec.start()
        end_s = score.tick_to_seconds(score.end_tick)
        pump(
            root,
            lambda: (
                window.link.read_position().tick >= score.end_tick
                or not window.link.read_position().playing
            ),
            15,
            "the song to end",
        )
        time.sleep(2.5)
        recording = rec.stop()
    mag = recording.magnitude()
    rate = recording.sample_rate
    assert mag.max() > 1e-2, "the restarted engine played nothing: the song was not re-sent"
    onsets = find_onsets(mag, threshold=mag.max() * 0.1, min_gap_frames=rate // 20)
    assert len(onsets) >= 3, f"expected the rest of the song, heard {len(onsets)} onsets"
    tail = mag[-rate // 2 :]
    assert tail.max() < 1e-3, f"something still sounds {end_s:.1f} s song + 2.5 s later"


# ------------------------------------------------------------------ audio that will not start


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"driver": "jack", "jack_server": "no-such-server"}, "No JACK server is running"),
        ({"driver": "none", "soundfont": "/nonexistent/font.sf2"}, "font.sf2"),
    ],
)
def test_audio_that_will_not_start_gives_one_dialog_and_no_restart_loop(
    xdisplay, tmp_path, monkeypatch, settings, words
):
    import tkinter as tk
    from tkinter import messagebox

    from engine.core.audio_settings import AudioSettings
    from sequencer_gui.app import MainWindow
    from sequencer_gui.document import Document
    from sequencer_gui.files import commands as files

    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PIANOLA_STATE_DIR", str(tmp_path / "state"))
    shown = []
    monkeypatch.setattr(messagebox, "showerror", lambda title, msg, **kw: shown.append(msg))
    score = Score(tracks=(Track(name="Piano", notes=(Note(0, 480, 60),)),))
    root = tk.Tk()
    window = MainWindow(root, Document(score), AudioSettings(**settings), realtime=False)
    commands = files.install(window, offer_restore=False)
    try:
        pump(
            root,
            lambda: window.link.state in ("failed", "died") and shown,
            30,
            "the engine's error",
        )
        deadline = time.monotonic() + 2  # time for a (wrong) restart attempt to show
        while time.monotonic() < deadline:
            root.update()
            time.sleep(0.01)
        assert len(shown) == 1 and words in shown[0] and "\n" not in shown[0]
        assert window.link.keeper.restarts == []
        assert window.document.score is score and not window.document.is_modified
        assert words in window.status.engine.cget("text")  # and the status bar says it
    finally:
        commands.autosaver.stop()
        window.close()
        root.destroy()
