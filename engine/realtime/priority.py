"""Realtime scheduling for the engine (runs in the engine process: its main thread at
start, and the scheduler thread).

The engine asks Linux for ``SCHED_FIFO`` at a configurable priority, and for a lower nice
value with it (for the threads libraries start with an ordinary policy, which take the
nice but not the realtime policy).  Where SCHED_FIFO is refused (a desktop user without
an rtprio limit), the lower nice value is what it gets, and where even that is refused it
runs at the nice it was started with -- and says which it got, and why, so the ready
message and ``pianola doctor`` can tell the user.  The nice value is absolute: the
engine's does not depend on the nice Pianola was started with, except that a stronger
one is kept.

On Linux both the policy and the nice value belong to the calling *thread*, and a new
thread inherits them from the thread that creates it: so the engine calls
``request_realtime`` in its main thread before it starts any other thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PRIORITY = 70
FALLBACK_NICE = -10
_ADVICE = (
    "allow realtime priority (add the user to the 'audio' group with an rtprio "
    "limit in /etc/security/limits.d)"
)


@dataclass(frozen=True, slots=True)
class Scheduling:
    """What the calling thread got: ``kind`` is "SCHED_FIFO", "nice" or "normal"."""

    kind: str
    priority: int  # SCHED_FIFO priority (0 unless kind == "SCHED_FIFO")
    nice: int
    detail: str

    def __str__(self) -> str:
        """``"SCHED_FIFO 70"``, ``"nice -10"`` or ``"normal"``, as ``chrt`` would say it."""
        if self.kind == "SCHED_FIFO":
            return f"SCHED_FIFO {self.priority}"
        if self.kind == "nice":
            return f"nice {self.nice}"
        return "normal"


def check_priority(priority: int) -> None:
    """Raise ValueError unless ``priority`` is a SCHED_FIFO priority this system accepts."""
    lo = os.sched_get_priority_min(os.SCHED_FIFO)
    hi = os.sched_get_priority_max(os.SCHED_FIFO)
    if isinstance(priority, bool) or not isinstance(priority, int) or not lo <= priority <= hi:
        raise ValueError(f"realtime priority must be from {lo} to {hi}, not {priority!r}")


def request_realtime(
    priority: int | None = DEFAULT_PRIORITY, fallback_nice: int = FALLBACK_NICE
) -> Scheduling:
    """Give the calling thread SCHED_FIFO ``priority``, else ``fallback_nice``, else nothing.

    ``priority=None`` skips SCHED_FIFO (the user turned realtime off) but still asks for
    the nice value.  Never raises for a refusal: the refusal is the answer.

    The nice value asked for is absolute, so the engine gets it whatever nice the program
    was started with (``nice -n 10 pianola``), wherever the system allows it; a thread
    started at a stronger nice than ``fallback_nice`` keeps it (never made weaker than the
    window that feeds it).  Whatever the outcome, the answer is the nice really in force.
    """
    started_nice = os.getpriority(os.PRIO_PROCESS, 0)  # the calling thread's, on Linux
    wanted = min(fallback_nice, started_nice)
    refusal = "realtime was not asked for"
    if priority is not None:
        check_priority(priority)
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
        except PermissionError as exc:
            refusal = f"SCHED_FIFO {priority} was refused ({exc.strerror})"
        else:
            # The nice too, where allowed: libraries start their helper threads with
            # an explicit ordinary policy, which takes the nice but not SCHED_FIFO, and
            # libjack refuses a client whose helper thread has not run within a second
            # (then crashes), as it may not on a busy machine at a weak nice.
            try:
                os.setpriority(os.PRIO_PROCESS, 0, wanted)
            except PermissionError:
                pass  # realtime is what matters; the helpers keep the started nice
            nice = os.getpriority(os.PRIO_PROCESS, 0)
            return Scheduling("SCHED_FIFO", priority, nice, "granted")
    advice = f"; to fix: {_ADVICE}" if priority is not None else ""
    try:
        # PRIO_PROCESS with who=0 is the calling thread on Linux.
        os.setpriority(os.PRIO_PROCESS, 0, wanted)
    except PermissionError as exc:
        nice = os.getpriority(os.PRIO_PROCESS, 0)
        kept = f"; running at nice {nice}, as started" if nice != 0 else ""
        return Scheduling(
            "nice" if nice != 0 else "normal",
            0,
            nice,
            f"{refusal} and nice {fallback_nice} too ({exc.strerror}){kept}{advice}",
        )
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    if wanted == fallback_nice:
        running = f"running at nice {nice} instead"
    else:
        running = f"running at nice {nice}, as started (stronger than nice {fallback_nice})"
    return Scheduling("nice" if nice != 0 else "normal", 0, nice, f"{refusal}; {running}{advice}")


def name_os_thread(name: str) -> None:
    """Give the calling thread a name the OS shows (``top -H``, ``/proc/PID/task/*/comm``),
    so the realtime threads can be told apart and checked.  Python 3.11 does not do it."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # 15 = PR_SET_NAME; 15 bytes + NUL
    except (OSError, AttributeError):  # not Linux: names are a nicety
        pass


def current_scheduling(pid: int = 0) -> Scheduling:
    """Read back the policy of ``pid`` (its main thread; 0: the calling thread)."""
    policy = os.sched_getscheduler(pid)
    nice = os.getpriority(os.PRIO_PROCESS, pid)
    if policy == os.SCHED_FIFO:
        return Scheduling("SCHED_FIFO", os.sched_getparam(pid).sched_priority, nice, "")
    if nice != 0:
        return Scheduling("nice", 0, nice, "")
    return Scheduling("normal", 0, nice, "")


def realtime_allowed(priority: int = DEFAULT_PRIORITY) -> tuple[bool, str]:
    """Whether this user is granted SCHED_FIFO ``priority``: asked by a short-lived child
    process that really requests it, so nothing about the caller changes."""
    import subprocess
    import sys

    check_priority(priority)
    code = (
        "import os, sys\n"
        "try:\n"
        f"    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param({priority}))\n"
        "except PermissionError as exc:\n"
        "    sys.exit(exc.strerror)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    if res.returncode == 0:
        return True, f"SCHED_FIFO {priority} is granted"
    reason = res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "refused"
    return False, f"SCHED_FIFO {priority} is refused ({reason}); to fix: {_ADVICE}"
