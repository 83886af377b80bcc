"""`pianola serve` started in a process of its own on loopback, for the session tests and
benchmarks (the caller's thread)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from engine.files.tied_child import tied_env


class SessionServerError(RuntimeError):
    """The server process did not say where it listens."""


def start_session_server(
    directory: Path, port: int = 0, stderr=subprocess.DEVNULL
) -> tuple[subprocess.Popen, int]:
    """A `pianola serve` process keeping its rooms in ``directory``, on ``port`` (0: one
    the system picks), its log to ``stderr``; the process and the port it listens on.

    The server's first line on its standard output names its address; a process that
    ends or says something else instead is stopped and the line raised."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.commands.cli",
            "serve",
            "--port",
            str(port),
            "--dir",
            str(directory),
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=tied_env(),  # a test or benchmark killed midway leaves no server behind
    )
    if proc.stdout is None:  # opened with stdout=PIPE: never
        raise SessionServerError("the session server has no output pipe")
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if match is None:
        proc.kill()
        proc.wait(10)
        raise SessionServerError(f"the session server did not start: {line!r}")
    return proc, int(match.group(1))
