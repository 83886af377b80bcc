"""Scenes between a Link peer of the test's own and Pianola's Link session (run by
``netns.run_isolated`` inside a private network namespace; prints one JSON line)."""

from __future__ import annotations

import json
import sys
import time

import link

from engine.sync.link_session import LinkSession


def wait_for(predicate, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def peer_tempo(peer) -> float:
    return peer.captureAppSessionState().tempo()


def scene_tempo() -> dict:
    """Join a session at 97 BPM, follow its change to 133, push 111 to it."""
    peer = link.Link(97.0)
    peer.enabled = True
    time.sleep(0.5)  # the peer's session exists before Pianola's
    report = {}
    with LinkSession(120.0) as ours:
        report["joined"] = wait_for(lambda: ours.peers() == 1)
        report["tempo_on_joining"] = ours.snapshot().tempo_bpm
        clock = peer.clock()
        now = clock.micros()
        peer_phase = peer.captureAppSessionState().phaseAtTime(now, 4.0)
        report["phase_difference"] = (ours.beat_at(now) - peer_phase) % 4.0
        state = peer.captureAppSessionState()
        state.setTempo(133.0, clock.micros())
        peer.commitAppSessionState(state)
        wait_for(lambda: abs(ours.snapshot().tempo_bpm - 133.0) < 1e-6, 5.0)
        report["tempo_after_peer_change"] = ours.snapshot().tempo_bpm
        ours.set_tempo(111.0)
        wait_for(lambda: abs(peer_tempo(peer) - 111.0) < 1e-6, 5.0)
        report["peer_tempo_after_ours"] = peer_tempo(peer)
    peer.enabled = False
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    {"tempo": scene_tempo}[sys.argv[1]](*sys.argv[2:])
