"""File ▸ Export WAV: the offline render in a worker thread with a progress dialog (GUI thread
for the dialog, one worker thread for ``engine.render.render_score``).

The render runs beside the Tk loop, which polls its progress with ``after()``, so the window
keeps drawing and editing meanwhile.  Cancel really stops it: the render's progress
callback raises in the worker, and ``render_score`` then deletes its temporary file, so no
partial file is ever left at (or beside) the target path.

Why the shared fields are safe without a lock: the worker only assigns ``fraction`` (a
float) and, once, the outcome fields before setting ``finished``; the GUI thread only reads
them, and reads the outcome only after it has seen ``finished`` set.
"""

from __future__ import annotations

import threading
import tkinter as tk
from pathlib import Path
from tkinter import filedialog, messagebox, ttk

from engine.errors import PianolaError

POLL_MS = 50
WAV_TYPES = [("WAV audio", "*.wav"), ("All files", "*")]


class RenderCancelled(Exception):
    """Raised inside the render (from its progress callback) to stop it."""


class WavExport:
    """One render of a score to a WAV file on a worker thread."""

    def __init__(self, score, path, soundfont, *, settings=None, sample_rate: int = 48000):
        self.score = score
        self.path = Path(path)
        self.soundfont = soundfont
        self.settings = settings
        self.sample_rate = sample_rate
        self.fraction = 0.0
        self.result = None  # engine.render.RenderResult when it succeeded
        self.error: Exception | None = None
        self.cancelled = False
        self.finished = threading.Event()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="export-wav", daemon=True)

    def start(self) -> "WavExport":
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        return self.finished.wait(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.finished.is_set()

    def _progress(self, fraction: float) -> None:
        # At 1.0 the file is complete (or about to be renamed into place): finishing is
        # then quicker than cancelling and leaves no doubt about what is on disk.
        if self._cancel.is_set() and fraction < 1.0:
            raise RenderCancelled()
        self.fraction = fraction

    def _run(self) -> None:
        from engine.render import render_score
        try:
            if self._cancel.is_set():
                raise RenderCancelled()
            self.result = render_score(self.score, self.path, self.soundfont,
                                       sample_rate=self.sample_rate, settings=self.settings,
                                       progress=self._progress)
        except RenderCancelled:
            self.cancelled = True
        except (PianolaError, OSError) as exc:
            self.error = exc
        finally:
            self.finished.set()


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
        self.bar = ttk.Progressbar(frame, orient="horizontal", length=320, mode="determinate",
                                   maximum=1000)
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
        self.bar.configure(value=int(export.fraction * 1000))
        if not export.finished.is_set():
            self._after_id = self.top.after(POLL_MS, self._poll)
            return
        self.top.destroy()
        if export.cancelled:
            self.window.set_status("Export cancelled; no file was written.")
        elif export.error is not None:
            self.window.set_status(str(export.error))
            messagebox.showerror("Cannot export", str(export.error), parent=self.window.root)
        else:
            r = export.result
            self.window.set_status(f"Exported {r.path.name} ({r.seconds:.1f} s).")
        if self.on_done is not None:
            self.on_done(export)


def ask_and_export_wav(window, prefs) -> ExportWavDialog | None:
    """Ask where to write, then render the window's song there with a progress dialog."""
    from engine.audio_settings import AudioSettings
    from engine.soundfonts import choose_soundfont
    current = window.document.path
    name = filedialog.asksaveasfilename(
        parent=window.root, title="Export WAV", defaultextension=".wav", filetypes=WAV_TYPES,
        initialfile=(current.stem if current else "Untitled") + ".wav")
    if not name:
        return None
    settings = window.link.settings or AudioSettings()
    try:
        soundfont = choose_soundfont(settings.soundfont or prefs.soundfont or None).path
    except PianolaError as exc:
        window.set_status(str(exc))
        messagebox.showerror("Cannot export", str(exc), parent=window.root)
        return None
    export = WavExport(window.document.score, name, soundfont, settings=settings,
                       sample_rate=prefs.sample_rate)
    return ExportWavDialog(window, export)
