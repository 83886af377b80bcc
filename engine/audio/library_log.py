"""Library chatter (FluidSynth, JACK) goes to a log file, never to the terminal or window
(runs once at start-up in the process that loads FluidSynth: the engine, or `render`).

FluidSynth and libjack print their messages on the process's standard error (file
descriptor 2) from C, some of them from the audio thread: a JACK server that goes away
gives a dozen lines, one chord of a few thousand notes a few hundred thousand ("Ringbuffer
full").  ``route_library_output()`` points descriptor 2 at an append-only log file in
Pianola's state folder and keeps the terminal for Python's ``sys.stderr``, so Pianola's
own sentences still reach the user and nothing else does.  What a musician needs from a
library message becomes one of Pianola's sentences where it is noticed (an engine event,
a command's error); the file is for whoever wants the detail: `pianola doctor` names it
and ``--log`` shows its end.

FluidSynth's warnings are dropped at the source (its log function for that level set to
none): they come by the million in floods that say nothing new, and writing them would
cost the audio thread a system call each.  Errors are kept.  The file is started afresh
(the previous one kept as ``.1``) when it grows past ``MAX_LOG_BYTES``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

LOG_NAME = "library.log"
MAX_LOG_BYTES = 4 * 1024 * 1024
_FLUID_LEVELS_DROPPED = (2, 3, 4)  # FLUID_WARN, FLUID_INFO, FLUID_DBG (PANIC=0, ERR=1 kept)


def library_log_path() -> Path:
    """The log file: ``$PIANOLA_STATE_DIR/library.log``, else the per-user state folder."""
    override = os.environ.get("PIANOLA_STATE_DIR")
    if override:
        return Path(override) / LOG_NAME
    import platformdirs

    return Path(platformdirs.user_state_dir("pianola")) / LOG_NAME


def _open_log(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
    except FileNotFoundError:
        pass
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)


def quiet_fluidsynth() -> None:
    """Drop FluidSynth's warning, info and debug messages (errors still go to the log)."""
    from engine.audio import fluid_ffi

    for level in _FLUID_LEVELS_DROPPED:
        fluid_ffi.fluid_set_log_function(level, fluid_ffi.LOG_FUNCTION(), None)


def route_library_output(who: str, path: Path | None = None) -> Path | None:
    """Send what C libraries print on descriptor 2 to the log file, with a line saying
    which process starts writing; Python's ``sys.stderr`` keeps the terminal.  Returns the
    log's path, or None when it cannot be opened (the chatter then stays where it was:
    better seen than a start-up failure)."""
    path = path or library_log_path()
    try:
        log_fd = _open_log(path)
    except OSError:
        return None
    sys.stderr.flush()
    terminal_fd = os.dup(2)
    os.set_inheritable(terminal_fd, False)
    sys.stderr = os.fdopen(terminal_fd, "w", buffering=1, encoding="utf-8", errors="replace")
    os.dup2(log_fd, 2)
    os.close(log_fd)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    os.write(2, f"--- {stamp} {who} (pid {os.getpid()})\n".encode())
    return path


def tail(path: Path | None = None, lines: int = 40) -> list[str]:
    """The last ``lines`` lines of the log (empty if there is none)."""
    path = path or library_log_path()
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]
