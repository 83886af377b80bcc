"""Children started by a test end with it: a killed test leaves no session server behind
(real processes, a real `pianola serve`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from engine.files.processes import process_is_running, process_start_time
from engine.files.tied_child import TIED_ENV

ROOT = Path(__file__).resolve().parents[3]

# a test's process, as far as its children see: it starts the session tests' server
STARTER = """
import sys
from pathlib import Path
from tests.engine.collab.conftest import ServerProcess
server = ServerProcess(Path(sys.argv[1])).start()
print(server.proc.pid, flush=True)
sys.stdin.read()
"""


def _alive(pid: int, start_time: int | None) -> bool:
    """Running (a zombie nobody reaps yet has ended: it runs no more)."""
    if not process_is_running(pid, start_time):
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_session_server_ends_when_the_test_that_started_it_is_killed(tmp_path):
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    pid = None
    try:
        line = starter.stdout.readline()
        assert line.strip().isdigit(), f"the starter did not start its server: {line!r}"
        pid = int(line)
        start_time = process_start_time(pid)
        assert _alive(pid, start_time)
        starter.send_signal(signal.SIGKILL)  # as a runner's timeout kills a test
        starter.wait(60)
        assert _wait_until(lambda: not _alive(pid, start_time), 60), "the server outlived its test"
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait(60)
        if pid is not None and _alive(pid, None):  # the test failed: leave nothing behind
            os.kill(pid, signal.SIGKILL)


def test_a_tied_child_whose_parent_is_already_gone_ends_at_once():
    # the parent named in the environment is not this child's parent: it ended before
    # the child could ask to end with it, and the child must not run on unowned
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from engine.files.tied_child import end_with_parent; end_with_parent(); print('ran')",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, TIED_ENV: str(os.getpid() + 1_000_000)},
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL and "ran" not in child.stdout


def test_an_untied_child_is_left_alone():
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from engine.files.tied_child import end_with_parent; print(end_with_parent())",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != TIED_ENV},
        timeout=120,
    )
    assert child.returncode == 0 and child.stdout.strip() == "False"
