"""Pianola's Link session against a real Link peer, in a private network namespace."""

from __future__ import annotations

import builtins

import pytest

from engine.sync.link_session import LinkSession, LinkUnavailable
from tests.engine.sync.netns import run_isolated


def test_joins_the_sessions_tempo_and_beat_follows_it_and_leads_it():
    report = run_isolated("tests.engine.sync.link_scene", "tempo")
    assert report["joined"]
    assert report["tempo_on_joining"] == pytest.approx(97.0)
    # joining took the session's beat: the phases agree (up to the read's microseconds)
    assert min(report["phase_difference"], 4.0 - report["phase_difference"]) < 1e-3
    assert report["tempo_after_peer_change"] == pytest.approx(133.0)
    assert report["peer_tempo_after_ours"] == pytest.approx(111.0)


def test_a_missing_link_library_says_so_in_one_sentence(monkeypatch):
    real_import = builtins.__import__

    def no_link(name, *args, **kwargs):
        if name == "link":
            raise ImportError("No module named 'link'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_link)
    with pytest.raises(
        LinkUnavailable,
        match=r"^Ableton Link is not available: the "
        r"LinkPython-extern package is not installed \(.*\)\.$",
    ):
        LinkSession(120.0).open()


def test_the_quantum_is_checked():
    with pytest.raises(ValueError, match="quantum must be from 1 to 64 beats, not 0"):
        LinkSession(120.0, quantum=0)
