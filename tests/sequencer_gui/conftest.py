"""Fixtures for GUI tests: a real Tk root on the private Xvfb, and the main window on it.

The window fixture starts no engine, so editing tests are quick and silent; tests that
need sound make their own window with settings for the private JACK server.
"""

from __future__ import annotations

import gc

import pytest


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
