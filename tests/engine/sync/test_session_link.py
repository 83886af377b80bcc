"""A live session whose peers share a Link session: Link leads the tempo and the phase,
the session follows it and the session's re-aligner stands aside (real `pianola serve`,
two engine processes, Link in a private network namespace; see session_link_scene.py)."""

from __future__ import annotations

import json

import pytest

from tests.engine.sync.netns import run_isolated

pytestmark = [pytest.mark.slow]

# the scene's own limit: two engines, a server and Link on a busy machine take minutes
SCENE_S = 480.0


def by_beat(lines: list[str]) -> dict[float, set[str]]:
    beats: dict[float, set[str]] = {}
    for line in lines:
        beats.setdefault(json.loads(line)["beat"], set()).add(line)
    return beats


def scene(name: str, jack_server: str) -> dict:
    return run_isolated(
        "tests.engine.sync.session_link_scene",
        name,
        timeout_s=SCENE_S,
        env={"JACK_DEFAULT_SERVER": jack_server},
    )


def test_link_leads_a_session_and_both_peers_play_the_same_bar_together(jack_server):
    report = scene("session", jack_server)
    logs = report.pop("logs")
    assert report["joined"] and report["link_leads"], str(report)
    # Link was there first: its tempo became the session's, then every change followed
    assert report["session_took_link_tempo"], str(report)
    assert report["playing"], str(report)
    assert report["link_tempo_reached_session"], str(report)
    assert report["link_tempo_reached_engines"], str(report)
    assert report["session_tempo_reached_link"], str(report)
    assert report["session_tempo_reached_first"], str(report)
    # Link re-times the music; the session's re-aligner never did meanwhile
    assert report["realigned"] == [0, 0], str(report)
    assert all(s["link_leads"] for s in report["status"]), str(report)
    # the same events at the same session beats: over the beats both logs cover
    first, second = (by_beat(lines) for lines in logs)
    common = sorted(set(first) & set(second))
    assert len(common) > 20, logs
    for beat in common[1:-1]:  # the ends may be cut by a log's first or last batch
        assert first[beat] == second[beat], (beat, first[beat], second[beat])
    # and heard together, click for click: each pairs with the other peer's within half
    # a sixteenth, where the loop's two bars differ (peers a bar or a beat apart pair
    # with nothing); a busy machine may move a few clicks apart.  How close the pairs
    # are is a figure for the benchmarks (`pianola bench collab --part phase` between
    # session peers, `pianola bench sync --parts link` against Link), not judged here
    onsets, errors = report["onsets"], report["errors_ms"]
    assert min(onsets) >= 30, str(report)
    assert len(errors) >= 2 * max(onsets) / 3, str(report)


def test_a_peer_turning_link_off_plays_on_the_sessions_beat_and_tempo_again(jack_server):
    report = scene("link_off", jack_server)
    assert report["joined"] and report["link_leads"], str(report)
    assert report["session_took_link_tempo"] and report["started"], str(report)
    assert report["playing"] and report["playing_after"], str(report)
    # under Link the first peer plays in Link's phase, off the session's: next to none of
    # its clicks pair with the second's (of about 24 each; a busy machine's recorder may
    # lose many)
    onsets, errors = report["onsets_before"], report["errors_ms_before"]
    assert max(onsets) >= 8 and len(errors) <= max(onsets) / 3, str(report)
    # Link off: the first is back on the session's beat (as the second, kept there by its
    # re-aligner), at the session's tempo
    assert report["link_let_go"], str(report)
    onsets, errors = report["onsets_after"], report["errors_ms_after"]
    assert min(onsets) >= 8, str(report)
    assert len(errors) >= 2 * max(onsets) / 3, str(report)
    session_us = report["session_us_per_quarter"]
    assert report["engine_us_per_quarter"] == [session_us, session_us], str(report)
    assert not any(s["link_leads"] for s in report["status"]), str(report)
