"""File ▸ Export WAV: the offline render in a child process with a progress dialog (GUI
thread for the dialog and the polling; ``engine.realtime.offline_render.render_score`` in the child).

The render runs beside the Tk loop, which polls its progress with ``after()``, so the window
keeps drawing and editing meanwhile.  It runs in its own process, not a thread: a thread of
the GUI process that allocates a lot may run the garbage collector, and a collected Tk
object must never be freed outside Tk's thread (Tcl aborts the whole program).

Cancel really stops it: the render's progress callback raises in the child, and
``render_score`` then deletes its temporary file, so no partial file is ever left at (or
beside) the target path.  Should the child not stop, it is terminated and its temporary
file removed here.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import tkinter as tk
from pathlib import Path
from tkinter import filedialog, messagebox, ttk

from engine.core.errors import PianolaError

POLL_MS = 50
CANCEL_GRACE_S = 5.0  # a cancelled render stops within one progress step; then terminate
WAV_TYPES = [("WAV audio", "*.wav"), ("All files", "*")]


class RenderCancelled(Exception):
    """Raised inside the render (from its progress callback) to stop it."""


class ExportError(PianolaError):
    """The render failed; the message is the child's one sentence."""


def _render_in_child(score, path, soundfont, settings, sample_rate, fraction, cancel, conn):
    """The child process: render, reporting progress in ``fraction`` and the outcome on
    ``conn`` as ("done", seconds, container) / ("cancelled",) / ("error", sentence)."""
    from engine.audio.library_log import quiet_fluidsynth, route_library_output
    from engine.realtime.offline_render import render_score

    route_library_output("wav export")  # FluidSynth's messages: to the log, not the terminal
    quiet_fluidsynth()

    def progress(value: float) -> None:
        # At 1.0 the file is complete (or about to be renamed into place): finishing is
        # then quicker than cancelling and leaves no doubt about what is on disk.
        if cancel.is_set() and value < 1.0:
            raise RenderCancelled()
        fraction.value = value

    try:
        result = render_score(
            score, path, soundfont, sample_rate=sample_rate, settings=settings, progress=progress
        )
    except RenderCancelled:
        conn.send(("cancelled",))
    except (PianolaError, OSError) as exc:
        conn.send(("error", str(exc)))
    else:
        conn.send(("done", result.seconds, result.container))


class WavExport:
    """One render of a score to a WAV file in a child process.

    ``poll()`` (GUI thread) takes in the outcome; ``finished`` is set once it is known.
    """

    def __init__(self, score, path, soundfont, *, settings=None, sample_rate: int = 48000):
        self.path = Path(path)
        self.seconds: float | None = None  # length of the WAV written, when it succeeded
        self.container = "WAV"  # "RF64" (WAV's 64-bit form) for audio past 4 GiB
        self.error: Exception | None = None
        self.cancelled = False
        self.finished = threading.Event()
        ctx = multiprocessing.get_context("spawn")
        self._fraction = ctx.Value("d", 0.0, lock=False)  # one writer: a torn read is harmless
        self._cancel = ctx.Event()
        self._conn, child_conn = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=_render_in_child,
            name="pianola-export-wav",
            daemon=True,
            args=(
                score,
                str(self.path),
                str(soundfont),
                settings,
                sample_rate,
                self._fraction,
                self._cancel,
                child_conn,
            ),
        )
        self._cancelled_at: float | None = None

    def start(self) -> WavExport:
        self._process.start()
        return self

    @property
    def fraction(self) -> float:
        return self._fraction.value

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    def cancel(self) -> None:
        if self._cancelled_at is None:
            self._cancelled_at = time.monotonic()
        self._cancel.set()

    def poll(self) -> bool:
        """Take in the outcome if the child has sent it (never blocks); True once finished."""
        if self.finished.is_set():
            return True
        if self._conn.poll():
            try:
                outcome = self._conn.recv()
            except EOFError:
                outcome = ("error", "The export stopped unexpectedly; no file was written.")
            self._finish(outcome)
        elif self._process.exitcode is not None:
            self._finish(("error", "The export stopped unexpectedly; no file was written."))
        elif (
            self._cancelled_at is not None
            and time.monotonic() - self._cancelled_at > CANCEL_GRACE_S
        ):
            self._process.terminate()
            self._process.join(5)
            self._remove_temporary_files()
            self._finish(("cancelled",))
        return self.finished.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self.poll():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _finish(self, outcome) -> None:
        kind = outcome[0]
        if kind == "done":
            self.seconds, self.container = outcome[1], outcome[2]
            self._fraction.value = 1.0
        elif kind == "cancelled":
            self.cancelled = True
        else:
            self.error = ExportError(outcome[1])
        self._process.join(5)
        self._conn.close()
        self.finished.set()

    def _remove_temporary_files(self) -> None:
        # engine.realtime.offline_render writes ".NAME.*.tmp" beside the target and renames it at the end
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            leftover.unlink(missing_ok=True)


class ExportWavDialog:
    """A small window with a progress bar and Cancel while a ``WavExport`` runs."""

    def __init__(self, window, export: WavExport, on_done=None):
        self.window = window
        self.export = export
        self.on_done = on_done
        top = self.top = tk.Toplevel(window.root)
        top.title("Export WAV - Pianola")
        top.transient(window.root)
        frame = ttk.Frame(top, padding=16)
        frame.pack(fill="both", expand=True)
        ttk.Label(frame, text=f"Rendering {export.path.name}…").pack(anchor="w")
        self.bar = ttk.Progressbar(
            frame, orient="horizontal", length=320, mode="determinate", maximum=1000
        )
        self.bar.pack(fill="x", pady=8)
        self.cancel_button = ttk.Button(frame, text="Cancel", command=self.cancel)
        self.cancel_button.pack(anchor="e")
        top.protocol("WM_DELETE_WINDOW", self.cancel)
        top.bind("<Escape>", lambda _e: self.cancel())
        export.start()
        self._after_id = top.after(POLL_MS, self._poll)

    @property
    def running(self) -> bool:
        return self.export.running

    def cancel(self) -> None:
        self.export.cancel()
        self.cancel_button.configure(state="disabled")
        self.window.set_status("Cancelling the export…")

    def _poll(self) -> None:
        export = self.export
        done = export.poll()
        self.bar.configure(value=int(export.fraction * 1000))
        if not done:
            self._after_id = self.top.after(POLL_MS, self._poll)
            return
        self.top.destroy()
        if export.cancelled:
            self.window.set_status("Export cancelled; no file was written.")
        elif export.error is not None:
            self.window.set_status(str(export.error))
            messagebox.showerror("Cannot export", str(export.error), parent=self.window.root)
        else:
            kind = ", RF64: WAV past 4 GiB" if export.container == "RF64" else ""
            self.window.set_status(f"Exported {export.path.name} ({export.seconds:.1f} s{kind}).")
        if self.on_done is not None:
            self.on_done(export)


def ask_and_export_wav(window, prefs) -> ExportWavDialog | None:
    """Ask where to write, then render the window's song there with a progress dialog."""
    from engine.core.audio_settings import AudioSettings
    from engine.files.soundfonts import choose_soundfont

    current = window.document.path
    name = filedialog.asksaveasfilename(
        parent=window.root,
        title="Export WAV",
        defaultextension=".wav",
        filetypes=WAV_TYPES,
        initialfile=(current.stem if current else "Untitled") + ".wav",
    )
    if not name:
        return None
    settings = window.link.settings or AudioSettings()
    try:
        soundfont = choose_soundfont(settings.soundfont or prefs.soundfont or None).path
    except PianolaError as exc:
        window.set_status(str(exc))
        messagebox.showerror("Cannot export", str(exc), parent=window.root)
        return None
    export = WavExport(
        window.document.score, name, soundfont, settings=settings, sample_rate=prefs.sample_rate
    )
    return ExportWavDialog(window, export)
