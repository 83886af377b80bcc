"""`pianola [FILE] ...` from the command line: a bad file or driver is one sentence."""

import subprocess
import sys
from pathlib import Path

import pytest

PIANOLA = Path(sys.executable).parent / "pianola"

pytestmark = pytest.mark.gui


def test_a_file_that_cannot_be_read_is_one_sentence_and_exit_1(xdisplay, tmp_path):
    bad = tmp_path / "broken.pianola"
    bad.write_text("{ not json")
    out = subprocess.run(
        [str(PIANOLA), str(bad), "--driver", "none"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pianola: Cannot open") and "broken" in lines[0]


def test_gui_options_are_parsed():
    from engine.commands.cli import build_parser

    args = build_parser(only="gui").parse_args(
        ["gui", "song.mid", "--driver", "jack", "--soundfont", "x.sf2", "--jack-server", "s"]
    )
    assert (args.file, args.driver, args.soundfont, args.jack_server) == (
        "song.mid",
        "jack",
        "x.sf2",
        "s",
    )


@pytest.mark.parametrize(
    "driver, words",
    [
        ("bogus", "Unknown audio driver 'bogus'"),  # refused before any engine starts
        ("alsa", "sound card"),  # the engine starts and its driver will not open (no card)
    ],
)
def test_an_audio_driver_that_will_not_open_is_one_dialog_and_editing_goes_on(
    xdisplay, tmp_path, driver, words
):
    import json
    import os
    import time

    from engine.core.score import Note, Score, Track
    from engine.files.project_file import load_project, save_project
    from tests.sequencer_gui.files.test_faults import wait_for, xdotool
    from tests.sequencer_gui.test_e2e_audio import screen_point

    song = tmp_path / "song.pianola"
    save_project(Score(tracks=(Track(name="Piano", notes=(Note(1920, 480, 64),)),)), song)
    layout_file = tmp_path / "layout.json"
    env = dict(
        os.environ,
        DISPLAY=xdisplay,
        PIANOLA_LAYOUT_FILE=str(layout_file),
        PIANOLA_CONFIG_DIR=str(tmp_path / "config"),
        PIANOLA_STATE_DIR=str(tmp_path / "state"),
        PIANOLA_NO_RECOVERY_PROMPT="1",
    )
    proc = subprocess.Popen(
        [
            str(PIANOLA),
            str(song),
            "--driver",
            driver,
            "--no-realtime",
            "--geometry",
            "1200x760+0+0",
        ],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:

        def written():
            assert proc.poll() is None, f"pianola exited: {proc.stdout.read()}"
            return layout_file.exists()

        wait_for(written, 300, "the window to report its layout (once audio has failed)")
        layout = json.loads(layout_file.read_text())
        assert layout["engine"] in ("failed", "died"), layout
        assert words in layout["error"] and "\n" not in layout["error"]
        dialogs = xdotool("search", "--sync", "--onlyvisible", "--name", "Audio is off").split()
        time.sleep(1.5)  # time for a second (wrong) dialog or restart attempt to show
        again = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "Audio is off"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.split()
        assert len(dialogs) == 1 and again == dialogs, "expected exactly one dialog"
        # Key down only: the dialog is gone before a key-up could reach it.
        xdotool("keydown", "--window", dialogs[0], "Return")
        subprocess.run(["xdotool", "keyup", "Return"], capture_output=True, timeout=10)
        wait_for(
            lambda: (
                not subprocess.run(
                    ["xdotool", "search", "--onlyvisible", "--name", "Audio is off"],
                    capture_output=True,
                    text=True,
                    timeout=30,
                ).stdout.split()
            ),
            10,
            "the dialog to go",
        )
        # the song is as it was, and editing works: click a note in, save, read it back
        wid = xdotool("search", "--sync", "--onlyvisible", "--name", "song.pianola").split()[0]
        x, y = screen_point(layout, 0, 60)
        xdotool("mousemove", x, y, "click", "1")
        wait_for(lambda: "*song.pianola" in xdotool("getwindowname", wid), 120, "the edit")
        before = song.stat().st_mtime_ns
        xdotool("key", "--window", wid, "ctrl+s")
        wait_for(lambda: song.stat().st_mtime_ns != before, 120, "Ctrl+S to save")
        assert {(n.start_tick, n.pitch) for n in load_project(song).tracks[0].notes} == {
            (0, 60),
            (1920, 64),
        }
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
