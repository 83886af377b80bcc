"""Make the user guide's pictures of the File menu and the dialogs, in the window's
default (dark) theme: user-guide-file-menu.png, user-guide-preferences.png,
user-guide-export.png, user-guide-unsaved.png and user-guide-restore.png.

Run by make-screenshots.sh (which provides the X display) as
``python docs/img/guide_screenshots.py OUT_DIR``.  The window runs in this process on
the demo song, with no engine (none of these pictures needs sound); the modal questions
are grabbed from a timer while they wait for an answer, then answered with Escape.
"""

import os
import subprocess
import sys
import tempfile
import time
import tkinter as tk
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = Path(tempfile.mkdtemp())
os.environ.update(
    PIANOLA_CONFIG_DIR=str(PRIVATE / "config"),  # default preferences: the dark theme
    PIANOLA_STATE_DIR=str(PRIVATE / "state"),
    PIANOLA_NO_RECOVERY_PROMPT="1",
)

from engine.files.project_file import load_project  # noqa: E402
from sequencer_gui.app import MainWindow  # noqa: E402
from sequencer_gui.document import Document  # noqa: E402
from sequencer_gui.files.dialogs import ask_restore  # noqa: E402
from sequencer_gui.files.export_wav import ExportWavDialog, WavExport  # noqa: E402
from sequencer_gui.files.recovery import RecoveryEntry  # noqa: E402

DEMO = ROOT / "assets" / "demo.pianola"


def pump(root, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        root.update()
        time.sleep(0.005)


def grab(widget, path: Path, crop: str | None = None) -> None:
    widget.update()
    command = ["import", "-window", "root" if crop else widget.winfo_id(), str(path)]
    if crop:
        command[-1:-1] = ["-crop", crop]
    subprocess.run([str(part) for part in command], check=True)


def dialog_of(root) -> tk.Toplevel:
    return next(w for w in root.winfo_children() if isinstance(w, tk.Toplevel))


def grab_question(root, path: Path, ask) -> None:
    """Grab the modal question ``ask()`` shows, then answer it with Escape."""

    def shoot():
        dialog = dialog_of(root)
        pump(root, 0.3)
        grab(dialog, path)
        dialog.event_generate("<Escape>")

    root.after(400, shoot)
    ask()


def file_menu(window, path: Path) -> None:
    root = window.root
    menu = window.menus["file"]
    x, y = root.winfo_rootx() + 2, root.winfo_rooty() + 2
    menu.post(x, y)
    pump(root, 0.4)
    # the menu and the window's corner behind it, as a musician sees it open
    grab(root, path, crop=f"{menu.winfo_reqwidth() + 480}x{menu.winfo_reqheight() + 120}+0+0")
    menu.unpost()
    pump(root, 0.2)


def repeated(score, times: int):
    """The song played ``times`` times end to end (a long render, for the progress bar)."""
    from engine.core.score import Note

    span = score.end_tick
    tracks = tuple(
        replace(
            t,
            notes=tuple(
                Note(n.start_tick + k * span, n.length_ticks, n.pitch, n.velocity)
                for k in range(times)
                for n in t.notes
            ),
        )
        for t in score.tracks
    )
    return replace(score, tracks=tracks, loop=None, loop_enabled=False)


def export_progress(window, path: Path) -> None:
    """The progress of a long render, grabbed on its way and then cancelled."""
    root = window.root
    export = WavExport(
        repeated(window.document.score, 20), PRIVATE / "demo.wav", ROOT / "assets" / "pianola.sf2"
    )
    dialog = ExportWavDialog(window, export)
    end = time.monotonic() + 120
    while export.fraction < 0.3 and export.running and time.monotonic() < end:
        pump(root, 0.05)
    grab(dialog.top, path)
    dialog.cancel()
    end = time.monotonic() + 30
    while export.running and time.monotonic() < end:
        pump(root, 0.05)


def main(out: Path) -> None:
    root = tk.Tk(className="Pianola")
    root.geometry("1440x880+0+0")
    window = MainWindow(root, Document(load_project(DEMO), DEMO), start_engine=False)
    try:
        pump(root, 1.0)
        file_menu(window, out / "user-guide-file-menu.png")

        prefs = window.files.preferences()
        pump(root, 0.5)
        grab(prefs.top, out / "user-guide-preferences.png")
        prefs.top.destroy()
        pump(root, 0.2)

        export_progress(window, out / "user-guide-export.png")

        score = window.document.score
        window.document.apply(replace(score, title=score.title + " (edited)"), "a change")
        grab_question(
            root,
            out / "user-guide-unsaved.png",
            lambda: window.files.confirm_discard("quitting"),
        )

        entry = RecoveryEntry(
            project_path=PRIVATE / "state" / "1-demo.pianola",
            info_path=PRIVATE / "state" / "1-demo.json",
            document_path=str(DEMO),
            saved_at=time.time() - 3600,
            pid=1,
            process_start=None,
        )
        grab_question(root, out / "user-guide-restore.png", lambda: ask_restore(root, entry))
    finally:
        window.close()
        root.destroy()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
