"""Whether a process still runs, from the kernel's process table (any thread; Linux /proc).

Used to tell a crashed session's recovery file from a live one's and a dead JACK server's
registry entry from a live one's.  A pid can be reused, so a process is also told apart
by the kernel's start time of it.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_start_time(pid: int) -> int | None:
    """The kernel's start time of process ``pid`` (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    return int(stat.rsplit(")", 1)[1].split()[19])


def process_is_running(pid: int, start_time: int | None = None) -> bool:
    """True if ``pid`` exists (someone else's too) and, when ``start_time`` is given,
    started then (not a later process that was given the same pid)."""
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
