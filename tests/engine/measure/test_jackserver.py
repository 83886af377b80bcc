"""The private dummy JACK server: starts, answers, and survives a registry full of dead
servers (real jackd)."""

import os
import shutil
import signal
import subprocess
import time

import pytest

from engine.measure.jackserver import (
    DummyJackServer,
    _registry_entries,
    free_registry_slots,
    server_answers,
)

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd2 not installed")


def _kill_hard(name: str) -> int:
    """Start a jackd called ``name`` and SIGKILL it, as a crashed test run would."""
    proc = subprocess.Popen(
        ["jackd", "--no-realtime", "-n", name, "-d", "dummy"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120  # the bound only ends a failing run
    while not server_answers(name):
        assert time.monotonic() < deadline, f"jackd {name} did not start"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return proc.pid


def test_a_server_starts_answers_and_stops():
    name = f"pianola-js-{os.getpid()}"
    with DummyJackServer(name, period_frames=128) as server:
        assert server.running and server_answers(name)
        assert any(n == name for _, n in _registry_entries())
    assert not server_answers(name)
    assert all(n != name for _, n in _registry_entries())


def test_a_registry_full_of_killed_servers_does_not_stop_the_next_one():
    free = free_registry_slots()
    dead = [_kill_hard(f"pianola-dead-{os.getpid()}-{i}") for i in range(free)]
    assert free_registry_slots() == 0  # what "Too many servers already active" comes from
    assert {pid for pid, _ in _registry_entries()} >= set(dead)
    with DummyJackServer(f"pianola-after-{os.getpid()}") as server:
        assert server.running
    assert not set(dead) & {pid for pid, _ in _registry_entries()}
