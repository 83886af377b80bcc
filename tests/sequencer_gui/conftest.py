"""Fixtures for GUI tests: a real Tk root on the private Xvfb, and the main window on it.

The window fixture starts no engine, so editing tests are quick and silent; tests that
need sound make their own window with settings for the private JACK server.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest

FONT = Path(__file__).resolve().parents[2] / "assets" / "pianola.sf2"


def pump(root, seconds: float, until) -> bool:
    """Run Tk's loop until ``until()`` holds (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        root.update()
        if until():
            return True
        time.sleep(0.005)
    return False


@pytest.fixture(autouse=True)
def _collect_tk_garbage_in_main_thread():
    """Free each test's dead Tk interpreters here, in the main thread.

    If a later garbage collection ran in a worker thread (the engine client's sender, an
    autosave writer) and freed a dead interpreter there, Tcl would abort the whole run
    ("async handler deleted by the wrong thread").  The app itself has one Tk for its
    whole life, so this only concerns tests, which make and destroy many.
    """
    yield
    gc.collect()


@pytest.fixture
def tk_root(xdisplay):
    import tkinter as tk

    root = tk.Tk()
    root.geometry("1200x760+0+0")
    yield root
    root.destroy()


@pytest.fixture
def window(tk_root):
    """A ``MainWindow`` on an empty song, shown and laid out, with no engine."""
    from sequencer_gui.app import MainWindow

    win = MainWindow(tk_root, start_engine=False)
    tk_root.update()
    yield win
    win.close()


@pytest.fixture
def playing_window(tk_root):
    """A ``MainWindow`` with a real engine on the "none" driver (plays, nothing to hear)."""
    from engine.core.audio_settings import AudioSettings
    from sequencer_gui.app import MainWindow

    settings = AudioSettings(driver="none", soundfont=str(FONT))
    win = MainWindow(tk_root, settings=settings, realtime=False)
    try:
        assert pump(tk_root, 30, lambda: win.link.state != "starting"), "engine never answered"
        assert win.link.state == "ready", win.link.error
        yield win
    finally:
        win.close()
