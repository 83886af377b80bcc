"""Reading song files safely and writing any output atomically (caller's thread, file I/O).

Reading: only regular files are read, and the check is made on an open that cannot block,
so a named pipe, a terminal or a device given as a song is refused at once instead of
waiting forever for a writer.

Writing: the data goes to a temporary file beside the target (rename is atomic only
within one file system), is synced, and is renamed over the target, so a crash or a full
disk leaves the previous file whole.  A target that is a symbolic link is written
through (the link stays, the file it names is replaced).  A new file gets the mode the
user's umask gives; an existing file keeps its own.  Temporary files carry the writing
process's id: one left by a save that was killed (SIGKILL, power cut) is removed by the
next save of the same file once its process is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path

from engine.core.error_translation import describe_os_error
from engine.core.errors import FileFormatError, FileWriteError

_TEMP_SUFFIX = ".tmp"
_OPEN_FLAGS = getattr(os, "O_CLOEXEC", 0)


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_regular_file(path) -> bytes:
    """The bytes of ``path``; FileFormatError if it is missing, unreadable or not a regular
    file (a named pipe, a device, a folder), without ever blocking on it."""
    path = Path(path)
    try:
        opened = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _OPEN_FLAGS)
    except OSError as exc:
        raise FileFormatError(path, describe_os_error(exc, reading=True)) from None
    fd: int | None = opened  # None once the file object owns it
    try:
        mode = os.fstat(opened).st_mode
        if not stat.S_ISREG(mode):
            kind = _kind_of(mode)
            raise FileFormatError(path, f"it is {kind}, not a song file")
        # Regular files never block; clear O_NONBLOCK anyway so reads behave plainly.
        os.set_blocking(opened, True)
        with os.fdopen(opened, "rb", closefd=True) as f:
            fd = None
            return f.read()
    except OSError as exc:
        raise FileFormatError(path, describe_os_error(exc, reading=True)) from None
    finally:
        if fd is not None:
            os.close(fd)


def real_target(path) -> Path:
    """Where writing ``path`` really goes: the file a symbolic link names, else ``path``."""
    path = Path(path)
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _temp_pattern(target: Path) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]+{re.escape(_TEMP_SUFFIX)}$")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove temporary files of earlier writes of ``target`` whose process is gone."""
    folder = target.parent if str(target.parent) else Path(".")
    pattern = _temp_pattern(target)
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = pattern.match(name)
        if match is None:
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or not _process_alive(pid):
            try:
                os.unlink(folder / name)
                removed.append(folder / name)
            except OSError:
                pass  # gone already, or not ours to remove: the save goes on regardless
    return removed


def temp_path_for(target: Path) -> Path:
    folder = target.parent if str(target.parent) else Path(".")
    return folder / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{_TEMP_SUFFIX}"


@contextmanager
def atomic_output(path):
    """Yield a binary file object whose contents replace ``path`` when the block ends
    normally; on any exception (or signal turned into one) the temporary file is removed
    and ``path`` is untouched.  OSError becomes FileWriteError naming ``path``."""
    named = Path(path)
    target = real_target(named)
    remove_stale_temps(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None  # a new file: O_CREAT's 0o666 minus the umask
    tmp = temp_path_for(target)
    created = False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o666)
        created = True
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, target)
        created = False
    except FileWriteError:
        raise  # already one of Pianola's sentences (it is an OSError too)
    except OSError as exc:
        raise FileWriteError(named, describe_os_error(exc)) from None
    finally:
        if created:
            try:
                os.unlink(tmp)
            except OSError:
                pass  # never created, or already gone: nothing to clean up
    _sync_folder(target.parent if str(target.parent) else Path("."))


def _sync_folder(folder: Path) -> None:
    # Makes the rename itself survive a power cut; some file systems cannot sync a folder.
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def write_file_atomically(path, data: bytes) -> None:
    """Replace ``path`` with ``data``, whole or not at all (FileWriteError on failure)."""
    with atomic_output(path) as f:
        f.write(data)
