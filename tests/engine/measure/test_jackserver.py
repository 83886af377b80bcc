"""The private dummy JACK server: starts, answers, and survives a registry full of dead
servers (real jackd)."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from engine.measure.jackserver import (
    DummyJackServer,
    _registry_entries,
    free_registry_slots,
    server_answers,
)

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd2 not installed")


def _kill_hard(name: str) -> int | None:
    """Start a jackd called ``name`` and SIGKILL it, as a crashed test run would; None if
    it could not start because another program's server took the last slot meanwhile."""
    proc = subprocess.Popen(
        ["jackd", "--no-realtime", "-n", name, "-d", "dummy"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120  # the bound only ends a failing run
    while not server_answers(name):
        if proc.poll() is not None and not free_registry_slots():
            return None
        assert proc.poll() is None, f"jackd {name} exited with {proc.returncode}"
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
    # Other programs' servers may come and go meanwhile (on a shared machine): the
    # registry is filled until full, whoever took the last slots.
    dead: list[int] = []
    while free_registry_slots():
        pid = _kill_hard(f"pianola-dead-{os.getpid()}-{len(dead)}")
        if pid is not None:
            dead.append(pid)
    assert {pid for pid, _ in _registry_entries()} >= set(dead)
    full = not free_registry_slots()  # what "Too many servers already active" comes from
    with DummyJackServer(f"pianola-after-{os.getpid()}") as server:
        assert server.running
    if full and dead:  # no other program freed a slot: starting had to reclaim ours
        assert not set(dead) & {pid for pid, _ in _registry_entries()}


def test_a_watchdog_stopping_the_server_while_its_owner_stops_it_raises_nothing():
    name = f"pianola-js2-{os.getpid()}"
    server = DummyJackServer(name).start()
    together = threading.Barrier(3)
    errors = []

    def stop():
        together.wait()
        try:
            server.stop()
        except Exception as exc:  # e.g. the loser of the race finding no process
            errors.append(exc)

    threads = [threading.Thread(target=stop) for _ in range(2)]
    for t in threads:
        t.start()
    together.wait()
    server.stop()  # the owner's own stop, at the same moment as both timers'
    for t in threads:
        t.join()
    assert errors == []
    assert not server.running and not server_answers(name)
    server.stop()  # and once more, long after: nothing left to do


SPAMMER = """
import sys, jack
client = jack.Client("pianola-spammer", servername=sys.argv[1], no_start_server=True)
client.activate()
for i in range(int(sys.argv[2])):
    try:
        client.connect(f"nowhere:out{i}", f"nowhere:in{i}")  # jackd reports each one
    except jack.JackError:
        pass
client.close()
"""


def test_a_server_that_has_said_a_lot_still_serves_clients(tmp_path):
    """jackd writes a line or two for every failed connection and every xrun: far more
    than a pipe holds over a long session.  The server keeps serving all the same."""
    script = tmp_path / "spam.py"
    script.write_text(SPAMMER)
    with DummyJackServer(f"pianola-js-talk-{os.getpid()}") as server:
        # ~100 bytes each: twice what a pipe holds
        done = subprocess.run(
            [sys.executable, str(script), server.name, "1400"],
            capture_output=True,
            timeout=300,  # only ends a failing run: a blocked server never answers
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert server_answers(server.name, timeout_s=30)
        assert server.running
