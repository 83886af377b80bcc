"""A live session whose peers share a Link session: Link leads the tempo and the phase,
the session follows it and the session's re-aligner stands aside (real `pianola serve`,
two engine processes, Link in a private network namespace; see session_link_scene.py)."""

from __future__ import annotations

import json
import statistics

import pytest

from tests.engine.sync.netns import run_isolated

pytestmark = [pytest.mark.slow]

# as for two session peers without Link: one hit, not a flam (the phase is benchmarked)
TOGETHER_MS = 20.0


def by_beat(lines: list[str]) -> dict[float, set[str]]:
    beats: dict[float, set[str]] = {}
    for line in lines:
        beats.setdefault(json.loads(line)["beat"], set()).add(line)
    return beats


def test_link_leads_a_session_and_both_peers_play_the_same_bar_together(jack_server):
    report = run_isolated(
        "tests.engine.sync.session_link_scene",
        "session",
        timeout_s=240.0,
        env={"JACK_DEFAULT_SERVER": jack_server},
    )
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
    # and heard together, bar for bar: the loop's two bars differ, so clicks of peers a
    # bar apart would pair with nothing; a busy machine may move a few clicks apart
    onsets, errors = report["onsets"], report["errors_ms"]
    assert min(onsets) >= 30, str(report)
    assert len(errors) >= 2 * max(onsets) / 3, str(report)
    assert statistics.median(abs(e) for e in errors) < TOGETHER_MS, str(report)
