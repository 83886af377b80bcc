"""Session fixtures: a private Xvfb display and a private dummy JACK server.

The suite starts what it needs itself, so `./test.sh` (and plain `pytest`) work on a
headless machine with no sound card.  Both are started lazily, only when a test asks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from hypothesis import settings

from engine.measure.jackserver import DummyJackServer, realtime_allowed
from tests.hypothesis_profiles import chosen_profile

settings.load_profile(chosen_profile())


@pytest.fixture(autouse=True)
def own_preferences(tmp_path_factory, monkeypatch):
    """Each test reads and writes preferences of its own: a choice one test saves (a sync
    source, a MIDI input, an audio driver) must not change how the engines of the tests
    after it start."""
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


MODAL_DIALOGS = {
    "messagebox": (
        "showerror",
        "showwarning",
        "showinfo",
        "askyesno",
        "askyesnocancel",
        "askokcancel",
        "askquestion",
        "askretrycancel",
    ),
    "simpledialog": ("askstring", "askinteger", "askfloat"),
    "filedialog": ("askopenfilename", "asksaveasfilename", "askdirectory"),
}


@pytest.fixture(autouse=True)
def modal_dialogs_answered(monkeypatch):
    """A modal dialog waits for a click that never comes under Xvfb, and the whole run
    hangs in it (a test window whose engine cannot restart on a starved machine shows one).
    Each dialog a test does not answer itself is recorded here and answered "cancel", so
    the test goes on and fails on what it asserts next.  Tests that expect a dialog patch
    it themselves, which takes precedence over this."""
    from tkinter import filedialog, messagebox, simpledialog

    shown: list[tuple[str, tuple, dict]] = []
    modules = {"messagebox": messagebox, "simpledialog": simpledialog, "filedialog": filedialog}
    for module_name, names in MODAL_DIALOGS.items():
        for name in names:

            def answer(*args, _name=name, **kwargs):
                shown.append((_name, args, kwargs))
                return None

            monkeypatch.setattr(modules[module_name], name, answer)
    return shown


@pytest.fixture(scope="session", autouse=True)
def private_user_dirs(tmp_path_factory):
    """Preferences and recovery files of the tests -- and of the `pianola` processes they
    start -- go to a private folder, never the user's own; and no start-up dialog offers
    another test's leftover recovery file (test_faults.py asks for that prompt itself)."""
    base = tmp_path_factory.mktemp("user-dirs")
    wanted = {
        "PIANOLA_CONFIG_DIR": str(base / "config"),
        "PIANOLA_STATE_DIR": str(base / "state"),
        "PIANOLA_NO_RECOVERY_PROMPT": "1",
    }
    old = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    yield base
    for name, value in old.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def xdisplay():
    """A private Xvfb display; sets DISPLAY for the session and returns it (":N")."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is not installed: run ./test.sh, which installs it")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    display = f":{number}"
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    yield display
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old
    proc.terminate()
    proc.wait(timeout=5)


@pytest.fixture(scope="session")
def jack_server():
    """A private dummy JACK server (48 kHz, period 256); returns its name.

    JACK_DEFAULT_SERVER is set to it for the session, so child processes (the engine)
    find it too.
    """
    name = f"pianola-test-{os.getpid()}"
    # With realtime scheduling the server's cycle and every client's process thread (the
    # synth, the recorder) run SCHED_FIFO, so a busy machine cannot drop cycles, which a
    # recorder would hear as notes out of time.  Where the OS refuses it, jackd says so
    # and runs without.
    server = DummyJackServer(
        name, sample_rate=48000, period_frames=256, realtime=realtime_allowed()
    ).start()
    old = os.environ.get("JACK_DEFAULT_SERVER")
    os.environ["JACK_DEFAULT_SERVER"] = name
    yield name
    if old is None:
        os.environ.pop("JACK_DEFAULT_SERVER", None)
    else:
        os.environ["JACK_DEFAULT_SERVER"] = old
    server.stop()
    time.sleep(0.1)
