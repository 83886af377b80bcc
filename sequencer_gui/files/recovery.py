"""Recovery files: where the copies of unsaved work live, and which are left over from a
session that ended without saving (GUI thread; the autosave worker thread writes slots).

A copy of the open document is kept in ``recovery/<session>.pianola`` in the per-user
state directory (``platformdirs.user_state_dir("pianola")``; ``PIANOLA_STATE_DIR``
overrides it), with a small JSON sidecar beside it that names the document it belongs
to, the time and the process.  A recovery file whose process is no longer running is an
orphan: its work is offered back at the next start.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from engine.files.processes import process_is_running, process_start_time
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
        RecoverySlot(entry.project_path, entry.info_path).remove()


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
        """Write the sidecar and then ``score`` (atomically); raises FileWriteError."""
        self.write_data(encode_score(score), document_path)

    def write_data(self, data: bytes, document_path) -> None:
        """Write the sidecar, then the encoded project (see ``encode_score``): whoever sees
        the project sees its sidecar too, and a lone sidecar is ignored by ``entries``."""
        self.write_info(document_path)
        write_bytes_atomically(self.project_path, data)

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
