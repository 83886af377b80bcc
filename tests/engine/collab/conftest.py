"""A real session server (`pianola serve` in its own process) for the session tests."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.files.tied_child import tied_env
from engine.measure.session_server import start_session_server


class ServerProcess:
    def __init__(self, directory: Path, port: int = 0):
        self.directory = directory
        self.port = port
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> ServerProcess:
        # the server writes its log through its own copy of the descriptor
        with open(self.directory / "server.log", "ab") as log:
            self.proc, self.port = start_session_server(self.directory, self.port, stderr=log)
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def log(self) -> str:
        return (self.directory / "server.log").read_text()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server(tmp_path):
    rooms = tmp_path / "rooms"
    rooms.mkdir()
    srv = ServerProcess(rooms).start()
    yield srv
    srv.stop()


def play_join(
    link, name: str, seconds: float, event_log: Path, stderr: Path, *extra: str
) -> subprocess.Popen:
    """A peer in its own process: `pianola play --join` with its own engine (silent
    driver) for ``seconds``, its scheduled events written to ``event_log``, what it says
    to ``stderr`` (a file) and its report to a pipe; ``extra``: further arguments.

    The child writes ``stderr`` through its own copy of the descriptor, so this one is
    closed once it is started: the text is there to read however the process ends."""
    with open(stderr, "w") as err:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "engine.commands.cli",
                "play",
                "--join",
                link.url,
                "--driver",
                "none",
                "--no-realtime",
                "--seconds",
                str(seconds),
                "--name",
                name,
                "--event-log",
                str(event_log),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=tied_env(),  # a killed test leaves no peer behind
        )


def wait_for_line(proc: subprocess.Popen, text: str, timeout_s: float = 120.0) -> bool:
    """Whether ``proc`` prints a line holding ``text`` within ``timeout_s`` (its stdout a
    pipe nothing else has read yet); what comes before is read and dropped."""
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout_s
    seen = b""
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 4096)
        if not chunk:  # it ended
            break
        seen += chunk
        if text.encode() in seen:
            return True
    return False


def wait_until(condition, timeout_s: float = 30.0, step=None) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if step is not None:
            step()
        if condition():
            return True
        time.sleep(0.02)
    return False


os.environ.setdefault("PYTHONUNBUFFERED", "1")
