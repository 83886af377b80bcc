"""The real ``pianola`` command line in a child process, as a shell would start it (test
helper for the command tests)."""

from __future__ import annotations

import subprocess
import sys

PIANOLA = [sys.executable, "-m", "engine.commands.cli"]


def run_pianola(*args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """Run ``pianola ARGS`` to its end; its output is text.  ``timeout`` only ends a
    failing run."""
    return subprocess.run(
        [*PIANOLA, *args], capture_output=True, text=True, timeout=timeout, **kwargs
    )


def start_pianola(*args: str, **kwargs) -> subprocess.Popen:
    """Start ``pianola ARGS`` with its output and errors on text pipes (unless given)."""
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **kwargs}
    return subprocess.Popen([*PIANOLA, *args], **options)
