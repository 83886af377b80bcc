"""Autosave and crash recovery (GUI thread; the file writes run on one worker thread).

While a document has unsaved changes, a copy of it is written a few seconds after the
first change since the last copy (so steady editing is still saved every few seconds),
to ``recovery/<session>.pianola`` in the per-user state directory
(``platformdirs.user_state_dir("pianola")``; ``PIANOLA_STATE_DIR`` overrides it).  A small
JSON sidecar beside it names the document it belongs to, the time and the process.

At the next start, recovery files whose process is no longer running are offered back
(Restore / Discard / Later).  A recovery file is removed only after its document has been
saved, after an explicit Discard, or when the window closes on a document with nothing
unsaved -- never silently before.

The project text is made in the GUI thread and only the writing (with its fsync, the slow
part) runs on the worker: the worker allocates almost nothing, so Python's garbage collector
does not run there and never frees a Tk object outside Tk's thread.  Every file operation
of one session goes through the same single worker, so a removal never overtakes a write.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from engine.core.errors import FileWriteError
from sequencer_gui.settings.preferences import (
    user_dir,
    write_bytes_atomically,
    write_text_atomically,
)

RECOVERY_SUFFIX = ".pianola"
INFO_SUFFIX = ".json"


def state_dir() -> Path:
    """The per-user state directory (``$PIANOLA_STATE_DIR`` wins)."""
    return user_dir("PIANOLA_STATE_DIR", "state")


def recovery_dir() -> Path:
    return state_dir() / "recovery"


def process_start_time(pid: int) -> int | None:
    """The kernel's start time of process ``pid`` (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    return int(stat.rsplit(")", 1)[1].split()[19])


def process_is_running(pid: int, start_time: int | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    if start_time is None:
        return True
    now = process_start_time(pid)
    return now is None or now == start_time


def encode_score(score) -> bytes:
    """The project file's bytes for ``score`` (GUI thread: see Autosaver)."""
    from engine.files.project_file import dumps_project

    return dumps_project(score).encode("utf-8")


@dataclass(frozen=True, slots=True)
class RecoveryEntry:
    """A recovery file left by a session that ended without saving."""

    project_path: Path
    info_path: Path
    document_path: str | None  # the file the work belongs to; None for an untitled song
    saved_at: float  # seconds since the epoch
    pid: int
    process_start: int | None

    @property
    def document_name(self) -> str:
        return Path(self.document_path).name if self.document_path else "Untitled"

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        return f"{self.document_name} (unsaved work from {when})"


class RecoveryStore:
    """The recovery directory: one project file + sidecar per session."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory is not None else recovery_dir()

    def new_session(self) -> RecoverySlot:
        name = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        return RecoverySlot(
            self.directory / (name + RECOVERY_SUFFIX), self.directory / (name + INFO_SUFFIX)
        )

    def entries(self) -> list[RecoveryEntry]:
        """Every recovery file with a readable sidecar, newest first."""
        found = []
        try:
            infos = list(self.directory.glob("*" + INFO_SUFFIX))
        except OSError:
            return []
        for info_path in infos:
            project_path = info_path.with_suffix(RECOVERY_SUFFIX)
            if not project_path.exists():
                continue  # the sidecar of a copy never completed: nothing to restore
            try:
                data = json.loads(info_path.read_text(encoding="utf-8"))
                found.append(
                    RecoveryEntry(
                        project_path,
                        info_path,
                        data.get("document_path"),
                        float(data["saved_at"]),
                        int(data["pid"]),
                        data.get("process_start"),
                    )
                )
            except (OSError, ValueError, KeyError, TypeError):
                # A damaged sidecar must not hide the work: offer it as an untitled song,
                # owned by the process its file name says (names are "<pid>-<random>").
                pid = info_path.stem.split("-", 1)[0]
                found.append(
                    RecoveryEntry(
                        project_path,
                        info_path,
                        None,
                        project_path.stat().st_mtime,
                        int(pid) if pid.isdigit() else 0,
                        None,
                    )
                )
        return sorted(found, key=lambda e: e.saved_at, reverse=True)

    def orphans(self) -> list[RecoveryEntry]:
        """Recovery files whose session is no longer running, newest first."""
        return [
            e
            for e in self.entries()
            if e.pid != os.getpid()
            and (e.pid <= 0 or not process_is_running(e.pid, e.process_start))
        ]

    @staticmethod
    def discard(entry: RecoveryEntry) -> None:
        for path in (entry.project_path, entry.info_path):
            try:
                path.unlink()
            except FileNotFoundError:
                pass


class RecoverySlot:
    """This session's recovery file and its sidecar."""

    def __init__(self, project_path: Path, info_path: Path):
        self.project_path = Path(project_path)
        self.info_path = Path(info_path)

    @classmethod
    def adopt(cls, entry: RecoveryEntry) -> RecoverySlot:
        """Take over a restored session's files: they stay until its document is saved."""
        slot = cls(entry.project_path, entry.info_path)
        slot.write_info(entry.document_path)
        return slot

    def write(self, score, document_path) -> None:
        """Write ``score`` (atomically) and then the sidecar; raises FileWriteError."""
        self.write_data(encode_score(score), document_path)

    def write_data(self, data: bytes, document_path) -> None:
        """Write an encoded project (see ``encode_score``), then the sidecar."""
        write_bytes_atomically(self.project_path, data)
        self.write_info(document_path)

    def write_info(self, document_path) -> None:
        write_text_atomically(
            self.info_path,
            json.dumps(
                {
                    "format": 1,
                    "document_path": str(document_path) if document_path else None,
                    "saved_at": time.time(),
                    "pid": os.getpid(),
                    "process_start": process_start_time(os.getpid()),
                },
                indent=2,
            )
            + "\n",
        )

    def remove(self) -> None:
        # the project goes first: a lone sidecar is ignored by RecoveryStore.entries
        for path in (self.project_path, self.info_path):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    @property
    def exists(self) -> bool:
        return self.project_path.exists()


class Autosaver:
    """Writes the open document to its recovery slot a few seconds after changes.

    Parameters
    ----------
    widget : any Tk widget, for ``after()``
    slot : RecoverySlot of this session
    get_document : callable returning ``(score, is_modified, document_path)``
    interval_s : seconds from the first unsaved change to the copy on disk
    on_error : called with one sentence when a copy cannot be written (once per streak)

    Changes are noticed by the identity of the current score (every edit makes a new
    Score), so this works across a document being replaced by New or Open.
    """

    POLL_MS = 250  # how often the document is looked at (an identity test: cheap)

    def __init__(
        self, widget, slot: RecoverySlot, get_document, interval_s: float = 3, on_error=None
    ):
        self.widget = widget
        self.slot = slot
        self.get_document = get_document
        self.interval_s = interval_s
        self.on_error = on_error
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._written = None  # the score the slot holds (or that is on disk: nothing to do)
        self._due: float | None = None
        self._in_flight: Future | None = None
        self._in_flight_score = None
        self._failing = False
        self._after_id = None
        self.writes = 0  # how many copies were written (status bar, tests)

    def start(self) -> None:
        score, _modified, _path = self.get_document()
        self._written = score
        self._tick()

    def stop(self) -> None:
        """Stop watching; waits for a copy being written (so it is complete on disk)."""
        if self._after_id is not None:
            self.widget.after_cancel(self._after_id)
            self._after_id = None
        self._executor.shutdown(wait=True)

    def _tick(self) -> None:
        self._after_id = self.widget.after(self.POLL_MS, self._tick)
        self._collect()
        score, modified, path = self.get_document()
        if not modified or score is self._written or score is self._in_flight_score:
            self._due = None
            return
        now = time.monotonic()
        if self._due is None:
            self._due = now + self.interval_s  # not moved by later changes: bounded loss
        if now >= self._due and self._in_flight is None:
            self._due = None
            self._in_flight_score = score
            # encoded here, in Tk's thread (~25 ms for 10 000 notes): the worker then only
            # writes bytes and allocates next to nothing, so the garbage collector never
            # runs on it -- a Tk object freed outside Tk's thread would abort the program
            self._in_flight = self._executor.submit(self.slot.write_data, encode_score(score), path)

    def _collect(self) -> None:
        """Take in the result of a finished write (GUI thread)."""
        future = self._in_flight
        if future is None or not future.done():
            return
        self._in_flight = None
        score, self._in_flight_score = self._in_flight_score, None
        try:
            future.result()
        except (FileWriteError, OSError) as exc:
            if not self._failing and self.on_error is not None:
                self.on_error(f"Autosave failed: {exc}")
            self._failing = True
            return
        self._failing = False
        self._written = score
        self.writes += 1

    def flush(self) -> None:
        """Write the current document now if it has changes not yet copied (blocks)."""
        if self._in_flight is not None:
            try:
                self._in_flight.result()
            except (FileWriteError, OSError):
                pass  # reported by _collect just below
            self._collect()
        score, modified, path = self.get_document()
        if modified and score is not self._written:
            self._executor.submit(self.slot.write_data, encode_score(score), path).result()
            self._written = score
            self.writes += 1
        self._due = None

    def document_saved(self) -> None:
        """The document is safely on disk: its recovery copy is no longer needed."""
        self._due = None
        # queued behind any write in flight, so the copy cannot reappear after this
        self._executor.submit(self.slot.remove).result()
        self._in_flight = self._in_flight_score = None
        self._written = self.get_document()[0]

    def adopt(self, slot: RecoverySlot) -> None:
        """Continue in a restored session's files (they hold the current score)."""
        self._executor.submit(self.slot.remove).result()
        self.slot = slot
        self._written = self.get_document()[0]
        self._due = None


# ------------------------------------------------------------------ the restore dialog

RESTORE, DISCARD, LATER = "restore", "discard", "later"


def ask_choice(parent, title: str, text: str, choices, default: str, escape: str) -> str:
    """A modal question with one button per ``(label, value)`` in ``choices``.

    Return picks ``default``; Escape and closing the window pick ``escape`` (always the
    answer that loses nothing).  Returns the chosen value.
    """
    import tkinter as tk
    from tkinter import ttk

    answer = tk.StringVar(master=parent, value=escape)
    dialog = tk.Toplevel(parent)
    dialog.title(title)
    dialog.transient(parent)
    frame = ttk.Frame(dialog, padding=16)
    frame.pack(fill="both", expand=True)
    ttk.Label(frame, wraplength=420, justify="left", text=text).pack(anchor="w")
    buttons = ttk.Frame(frame)
    buttons.pack(anchor="e", pady=(16, 0))

    def choose(value):
        answer.set(value)
        dialog.destroy()

    for label, value in choices:
        ttk.Button(
            buttons,
            text=label,
            command=lambda v=value: choose(v),
            default="active" if value == default else "normal",
        ).pack(side="left", padx=4)
    dialog.bind("<Return>", lambda _e: choose(default))
    dialog.bind("<Escape>", lambda _e: choose(escape))
    dialog.protocol("WM_DELETE_WINDOW", lambda: choose(escape))
    dialog.wait_visibility()
    dialog.grab_set()
    dialog.focus_force()  # also without a window manager (Xvfb), so Return/Escape work
    parent.wait_window(dialog)
    return answer.get()


def ask_restore(parent, entry: RecoveryEntry) -> str:
    """Restore / Later / Discard for ``entry``; Escape means Later, which keeps the file."""
    return ask_choice(
        parent,
        "Recover unsaved work - Pianola",
        f"Pianola ended without saving {entry.describe()}.\n\n"
        "Restore opens that work now. Later keeps it and asks again at the next start. "
        "Discard deletes it.",
        (("Restore", RESTORE), ("Later", LATER), ("Discard", DISCARD)),
        default=RESTORE,
        escape=LATER,
    )


def offer_recovery(parent, store: RecoveryStore, restore, ask=ask_restore) -> RecoveryEntry | None:
    """Offer each orphaned recovery file, newest first, until one is restored.

    ``restore(entry)`` opens it in the window (it raises PianolaError for a damaged
    file, which is then kept and reported).  Returns the restored entry or None.
    """
    from tkinter import messagebox

    from engine.core.errors import PianolaError

    for entry in store.orphans():
        choice = ask(parent, entry)
        if choice == DISCARD:
            store.discard(entry)
        elif choice == RESTORE:
            try:
                restore(entry)
            except PianolaError as exc:
                messagebox.showerror(
                    "Pianola",
                    f"{exc} The recovery file is kept in {entry.project_path.parent}.",
                    parent=parent,
                )
                continue
            return entry
    return None
