"""Run a helper in a private network namespace whose only interface is a multicast loopback.

Link finds its peers by multicast on every interface; a test must never announce itself on
the machine's real network, nor meet a stranger's session there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.files.tied_child import tied_env

ROOT = Path(__file__).resolve().parents[3]
SETUP = (
    "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"
    ' && exec "$0" "$@"'
)
# `python -m MODULE ARGS` for a child that ends with the test (engine.files.tied_child)
TIED_MAIN = (
    "import runpy, sys; from engine.files.tied_child import end_with_parent; "
    "end_with_parent(); runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)"
)


def run_isolated(module: str, *args: str, timeout_s: float = 120.0, env=None) -> dict:
    """``python -m module args`` in a fresh network namespace; returns its JSON output."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("unshare and ip (util-linux, iproute2) are needed for a private network")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this user may not make a private network namespace (unshare -n)")
    out = subprocess.run(
        ["unshare", "-n", "sh", "-c", SETUP, sys.executable, "-c", TIED_MAIN, module, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout_s,
        # killed (its time ran out) or left by a killed test, the helper ends, and the
        # session server it started ends with it
        env=tied_env(dict(os.environ, **(env or {}))),
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])
