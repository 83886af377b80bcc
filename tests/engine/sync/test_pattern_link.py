"""Pattern mode under Ableton Link, heard at the real engine's JACK output against a real
Link peer of the test's own, in a private network namespace (see pattern_link_scene.py):
it starts on the session's bar, follows the peer's tempo, and stops with the peer."""

from __future__ import annotations

import pytest

from tests.engine.sync.netns import run_isolated
from tests.engine.sync.test_link_engine import (
    in_bar_phase,
    mostly_steady,
    off_beat_s,
    rt_jack_server,  # noqa: F401  (the module's realtime JACK server)
)

# Functional: on the session's beats rather than drifting off them (an unsynced loop is
# soon a whole step off); the millisecond figures are `pianola bench sync`'s.
BOUND_S = 0.03


def on_the_beats(beats, bpm: float) -> bool:
    timed = [b for b in beats if b is not None]
    return len(timed) >= 3 and all(off_beat_s(b, bpm) < BOUND_S for b in timed)


@pytest.mark.audio
@pytest.mark.slow
def test_a_pattern_follows_the_link_session(rt_jack_server):  # noqa: F811
    report = run_isolated(
        "tests.engine.sync.pattern_link_scene", env={"JACK_DEFAULT_SERVER": rt_jack_server}
    )
    assert report["saw_peer"] and report["started"], report
    assert report["pattern_index"] == 0 and report["pattern_pass"] >= 1, report
    assert 0 <= report["tick_in_pattern"] < 1920  # the counter shows the place in it
    before = report["beats"]  # heard at 97 BPM
    after = [b for b in report["beats_after"] if b is not None and b >= report["change_beat"] + 1]
    first = before[0]  # the pattern's first kick: on the session's bar line
    assert first is None or (round(first) % 4 == 0 and off_beat_s(first, 97.0) < 0.05), report
    assert on_the_beats(before, 97.0) and mostly_steady(before, before[0] or 0.0), report
    assert on_the_beats(after, 133.0), report  # the peer's new tempo, on its beats
    assert in_bar_phase(report), report
    assert report["tempo_shown_bpm"] == pytest.approx(133.0, abs=0.01)
    assert report["stopped_by_peer"], report
