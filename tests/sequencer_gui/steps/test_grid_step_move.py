"""Ctrl+arrows in the real step grid under Xvfb: the step under the cursor moves along
its lane or across lanes with all its settings, one undo step per press, and stops at a
lane's ends."""

import pytest

from engine.core.pattern import OFF
from engine.core.pattern_edits import set_lane_length
from tests.sequencer_gui.steps.steps_helpers import GridDriver, drum_window, set_steps

pytestmark = pytest.mark.gui


@pytest.fixture
def d(window):
    drum_window(window)
    set_steps(window, 0, [2], velocity=90, ratchet=3, probability=60)
    d = GridDriver(window)
    d.grid_view.cursor = (0, 2)
    d.grid_view.show_cursor()
    return d


def test_ctrl_arrows_move_the_step_with_its_settings_one_undo_step_each(window, d):
    moved = d.step(0, 2)
    d.key("<Control-Right>")
    assert d.step(0, 3) == moved and d.step(0, 2) == OFF
    assert d.grid_view.cursor == (0, 3)
    assert window.document.history.undo_label == "Move step"
    assert d.level_item(0, 3) is not None and d.level_item(0, 2) is None  # redrawn at once
    d.key("<Control-Down>")
    assert d.step(1, 3) == moved and d.on_steps(0) == [] and d.grid_view.cursor == (1, 3)
    d.key("<Control-Left>")
    d.key("<Control-Up>")
    assert d.on_steps(0) == [2] and d.step(0, 2) == moved and d.on_steps(1) == []
    for _ in range(4):
        d.key("<Control-z>")
    assert d.on_steps(0) == [2] and d.on_steps(1) == []
    d.key("<Control-y>")
    assert d.on_steps(0) == [3]


def test_a_step_moved_onto_another_trades_places_with_it(window, d):
    set_steps(window, 0, [3], velocity=30)
    other = d.step(0, 3)
    moved = d.step(0, 2)
    d.key("<Control-Right>")
    assert d.step(0, 3) == moved and d.step(0, 2) == other


def test_nothing_moves_past_a_lane_end_or_the_first_and_last_lane(window, d):
    doc = window.document
    pattern = window.steps.session.pattern
    doc.apply(set_lane_length(doc.score, pattern.id, pattern.lanes[1].id, 2), "length")
    window.root.update()
    before = doc.score
    d.key("<Control-Down>")  # lane 2 is two steps long: no step 3 there
    d.key("<Control-Up>")  # no lane above the first
    assert doc.score is before and d.grid_view.cursor == (0, 2)
    d.grid_view.cursor = (0, 0)
    set_steps(window, 0, [0])
    before = doc.score
    d.key("<Control-Left>")
    assert doc.score is before
