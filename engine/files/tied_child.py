"""Child processes that end with the process that started them (``tied_env``: the
starter's thread that starts the child; ``end_with_parent``: the child's main thread, as
it begins).

A test or a benchmark that is killed (its time ran out, the runner gave up) must leave
no session server, peer or scene behind: the kernel can signal a process when its parent
ends (Linux's ``PR_SET_PDEATHSIG``).  Asking for that between fork and exec (a
``preexec_fn``) is unsafe in a parent that runs threads, as session tests do, so the
child asks for it itself as it begins: the parent names itself in the child's
environment, and the child, seeing another parent by then (the first one ended before
the child asked), ends at once.

The kernel signals the child when the *thread* that started it ends: start a tied child
from a thread that lives as long as the child should.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

TIED_ENV = "PIANOLA_END_WITH_PID"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def tied_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's environment) for a child that is to end with this
    process (the child calls ``end_with_parent`` as it begins)."""
    return {**(os.environ if env is None else env), TIED_ENV: str(os.getpid())}


def end_with_parent() -> bool:
    """In a child started with ``tied_env``: have the kernel kill this process when its
    parent ends.  True if so tied; False (nothing done) when not started so, or where the
    kernel cannot (not Linux).  The variable is taken out of the environment: this
    process's own children are tied only if it ties them."""
    owner = os.environ.pop(TIED_ENV, None)
    if owner is None or not sys.platform.startswith("linux"):
        return False
    try:
        owner_pid = int(owner)
    except ValueError:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        return False
    if os.getppid() != owner_pid:  # the parent ended before we asked: end as it would
        os.kill(os.getpid(), signal.SIGKILL)
    return True
