"""Mode changes, a queued pattern and pattern mode's tempo under Ableton Link, on the real
engine against a real Link peer of the test's own in a private network namespace (see
pattern_bar_scene.py): each change starts on the session's next bar, so the music stays in
phase with the peers, and pattern mode's tempo is the session's."""

from __future__ import annotations

import pytest

from tests.engine.sync.netns import run_isolated
from tests.engine.sync.test_link_engine import rt_jack_server  # noqa: F401

# the music's bar against the session's, read a moment apart (the output's few ms, a
# service period): a change made at once instead would be a beat and a half off
PHASE_BOUND_BEATS = 0.25


def in_phase(phase: float) -> bool:
    return min(phase, 4.0 - phase) < PHASE_BOUND_BEATS


@pytest.mark.audio
@pytest.mark.slow
def test_mode_changes_and_pattern_tempo_follow_the_sessions_bars(rt_jack_server):  # noqa: F811
    report = run_isolated(
        "tests.engine.sync.pattern_bar_scene", env={"JACK_DEFAULT_SERVER": rt_jack_server}
    )
    assert report["saw_peer"] and report["started"] and report["playing"], report
    assert in_phase(report["pattern_phase"]), report  # song -> pattern on the bar
    assert report["switched"] and in_phase(report["queued_phase"]), report
    assert report["peer_took_tempo"], report
    assert report["tempo_shown_bpm"] == pytest.approx(111.0, abs=0.01), report
    assert in_phase(report["song_phase"]), report  # pattern -> song on the bar
