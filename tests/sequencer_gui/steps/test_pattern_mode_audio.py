"""Pattern mode through the real engine, as the window shows it: the lit step follows the
engine's position counter and a picked pattern is shown queued until the counter reaches
it on a pass boundary."""

from __future__ import annotations

import pytest

from tests.sequencer_gui.steps.test_steps_audio import pump, steps_window  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.audio, pytest.mark.slow]


def test_pattern_mode_lights_the_playing_step_and_a_picked_pattern_waits_for_the_boundary(
    steps_window,
):
    """The real engine plays pattern mode: the grid lights the step its position counter
    reports, and a pattern picked mid-pass is shown queued until the counter says the
    engine reached it -- on a pass boundary (step 0 of the new pattern's first pass)."""
    from engine.core import pattern_edits as pe

    window = steps_window
    root = window.root
    session = window.steps.session
    doc = window.document
    first = session.pattern
    score = doc.score
    for i in range(0, 16, 2):
        score = pe.set_step(score, first.id, first.lanes[2].id, i, on=True)
    doc.apply(score, "hats")
    window.steps.panel.bar.new_pattern()
    second = session.pattern
    session.select(first.id)
    window.steps.panel.bar.mode_var.set("pattern")
    session.set_mode("pattern")
    window.playback.play()
    try:
        # lit steps follow the real counter
        seen_lit = set()

        def lit_now():
            seen_lit.update(window.steps.panel.grid_view.lit.values())
            return len(seen_lit) >= 4

        assert pump(root, 30, lit_now), (
            f"the grid lit only steps {sorted(seen_lit)}; counter {window.link.read_position()}"
            f" playing {window.playback.playing}"
        )
        session.select(second.id)
        assert session.queued_id == second.id
        assert window.steps.panel.bar.queued_label.cget("text").startswith("queued:")
        seen = []

        def switched():
            position = window.link.read_position()
            seen.append((position.pattern_index, position.pattern_pass, position.pattern_step))
            return session.queued_id is None

        assert pump(root, 30, switched), "the queued pattern never started"
        assert session.playing_id == second.id
        # the counter went from the first pattern straight to step 0 or 1 of the second
        firsts = [s for s in seen if s[0] == 1]
        assert firsts and firsts[0][1] == 0 and firsts[0][2] <= 1, seen[-5:]
        assert all(s[0] in (0, 1) for s in seen)
        assert window.steps.panel.bar.queued_label.cget("text") == ""
    finally:
        window.playback.stop()
        pump(root, 0.3)
