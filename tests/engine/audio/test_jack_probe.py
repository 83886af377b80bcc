"""Asking the real dummy JACK server whether it answers, many at once (real jackd)."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from engine.audio.drivers import JackProbe, probe_jack, server_answers

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd2 not installed")

AT_ONCE = 16


def _probes_at_once(server: str, count: int) -> list[JackProbe]:
    found: list[JackProbe] = []
    start = threading.Barrier(count)

    def ask() -> None:
        start.wait()
        found.append(probe_jack(server, timeout_s=30))

    threads = [threading.Thread(target=ask) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_many_probes_at_once_all_find_the_server(jack_server):
    """Engines, the server watch and `pianola doctor` may all ask at the same moment: every
    one of them hears the server, with its rate and period, never "no server"."""
    for _ in range(3):
        found = _probes_at_once(jack_server, AT_ONCE)
        assert len(found) == AT_ONCE
        assert [p for p in found if not p.answers] == []
        assert {(p.sample_rate, p.period_frames) for p in found} == {(48000, 256)}


def test_no_server_is_said_at_once_and_not_asked_again():
    probe = probe_jack(f"pianola-nobody-{os.getpid()}", timeout_s=30)
    assert not probe.answers and not probe.refused
    assert probe.problem == "no JACK server is running under that name"
    assert not server_answers(f"pianola-nobody-{os.getpid()}")


def test_a_probe_is_checked_when_made():
    with pytest.raises(ValueError):
        JackProbe(True, refused=True)
    with pytest.raises(ValueError):
        JackProbe(False)
    with pytest.raises(ValueError):
        JackProbe(True, sample_rate=-1)
