"""Editing in the real step grid under Xvfb: each gesture checked in the model (the
document's score and its undo history) and on the canvas (items, fills, coordinates)."""

import pytest

from sequencer_gui.steps import colours
from tests.sequencer_gui.steps.steps_helpers import SHIFT, GridDriver, drum_window, set_steps

pytestmark = pytest.mark.gui


@pytest.fixture
def d(window):
    drum_window(window)
    return GridDriver(window)


def undo(d):
    d.key("<Control-z>")


def redo(d):
    d.key("<Control-y>")


def test_the_steps_tab_shows_a_row_per_lane_with_drum_names(window, d):
    g = d.grid_view.geometry
    assert g.lane_count == 8 and g.columns == 16
    names = [d.canvas.itemcget(d.grid_view.name_pool.item(i), "text") for i in range(8)]
    assert names[:3] == ["Bass Drum 1", "Acoustic Snare", "Closed Hi-Hat"]
    assert len(d.grid_view.cell_pool) == 8 * 16
    assert d.level_item(0, 0) is None  # a new pattern is silent


def test_click_toggles_a_step_and_undo_redo_follow(window, d):
    d.click(*d.cell(0, 4))
    step = d.step(0, 4)
    assert step.on and d.on_steps(0) == [4]
    item = d.level_item(0, 4)
    assert item is not None
    assert d.canvas.itemcget(item, "fill") == colours.current().step_fill(
        window.steps.panel.track_colour, step.velocity
    )
    assert window.document.history.undo_label == "Add steps"
    d.click(*d.cell(0, 4))
    assert d.on_steps(0) == [] and d.level_item(0, 4) is None
    undo(d)
    assert d.on_steps(0) == [4] and d.level_item(0, 4) is not None
    undo(d)
    assert d.on_steps(0) == [] and d.level_item(0, 4) is None
    redo(d)
    assert d.on_steps(0) == [4]


def test_drag_paints_every_step_crossed_as_one_undo_step(window, d):
    before = len(window.document.history._undo)
    d.drag(d.cell(2, 0), d.cell(2, 7), steps=2)  # a fast drag: 2 motions over 8 cells
    assert d.on_steps(2) == list(range(8))
    assert all(d.level_item(2, i) is not None for i in range(8))
    assert len(window.document.history._undo) == before + 1
    undo(d)
    assert d.on_steps(2) == []


def test_a_drag_that_starts_on_a_lit_step_clears_and_right_drag_erases(window, d):
    set_steps(window, 1, range(16))
    d.drag(d.cell(1, 0), d.cell(1, 3))
    assert d.on_steps(1) == list(range(4, 16))
    d.drag(d.cell(1, 8), d.cell(1, 11), button=3)
    assert d.on_steps(1) == [4, 5, 6, 7, 12, 13, 14, 15]
    assert window.document.history.undo_label == "Erase steps"
    undo(d)
    assert d.on_steps(1) == list(range(4, 16))


def test_shift_drag_sets_velocity_and_the_fill_shows_it(window, d):
    set_steps(window, 0, [0], velocity=60)
    x, y = d.cell(0, 0)
    d.drag((x, y), (x, y - 30), state=SHIFT)
    assert d.step(0, 0).velocity == 90
    item = d.level_item(0, 0)
    assert d.canvas.itemcget(item, "fill") == colours.current().step_fill(
        window.steps.panel.track_colour, 90
    )
    assert [round(v) for v in d.canvas.coords(item)] == list(
        d.grid_view.geometry.level_box(0, 0, 90 / 127)
    )
    assert window.document.history.undo_label == "Change step velocity"
    undo(d)
    assert d.step(0, 0).velocity == 60
    # shift-drag on an empty step turns it on at the velocity drawn
    x, y = d.cell(0, 5)
    d.drag((x, y), (x, y + 40), state=SHIFT)
    assert d.step(0, 5).on and d.step(0, 5).velocity == 60


def test_the_wheel_changes_velocity_one_undo_step_per_burst(window, d):
    set_steps(window, 0, [2], velocity=100)
    before = len(window.document.history._undo)
    for _ in range(3):
        d.wheel(*d.cell(0, 2), up=True)
    assert d.step(0, 2).velocity == 112
    d.window.steps.panel.editor._end_wheel()  # (the burst ends after a pause)
    assert len(window.document.history._undo) == before + 1
    d.wheel(*d.cell(0, 2), up=False)
    assert d.step(0, 2).velocity == 108


def test_mute_solo_and_the_length_handle(window, d):
    g = d.grid_view.geometry
    x0, y0, x1, y1 = g.button_box(3, "mute")
    d.click((x0 + x1) / 2, (y0 + y1) / 2)
    assert d.lane(3).mute
    assert window.document.history.undo_label == "Mute lane"
    x0, y0, x1, y1 = g.button_box(4, "solo")
    d.click((x0 + x1) / 2, (y0 + y1) / 2)
    assert d.lane(4).solo
    undo(d)
    assert not d.lane(4).solo and d.lane(3).mute
    # the handle after step 16 of lane 2, dragged back to 12: polymeter
    y = g.lane_y(2) + g.lane_height_px / 2
    d.drag((g.boundary_x(16) + 1, y), (g.boundary_x(12), y))
    assert d.lane(2).length_steps == 12
    assert (
        d.canvas.itemcget(d.grid_view.cell_pool.item((2, 13)), "fill")
        == colours.current().cell_beyond
    )
    undo(d)
    assert d.lane(2).length_steps == 16


def test_keyboard_cursor_and_enter(window, d):
    d.key("<Right>")
    d.key("<Right>")
    d.key("<Down>")
    assert d.grid_view.cursor == (1, 2)
    d.key("<Return>")
    assert d.on_steps(1) == [2]
    box = [round(v) for v in d.canvas.coords(d.grid_view.cursor_item)]
    assert box == list(d.grid_view.geometry.cell_box(1, 2))
    d.key("<Left>")
    d.key("<Left>")
    d.key("<Left>")  # wraps to the last step
    assert d.grid_view.cursor == (1, 15)


def test_number_keys_pick_patterns(window, d):
    window.steps.panel.bar.new_pattern()
    first, second = window.document.score.patterns
    assert window.steps.session.pattern_id == second.id
    d.key("1")
    assert window.steps.session.pattern_id == first.id
    d.key("2")
    assert window.steps.session.pattern_id == second.id
    d.key("9")  # no ninth pattern: nothing changes
    assert window.steps.session.pattern_id == second.id


def test_double_click_opens_the_step_editor_and_keeps_the_step(window, d):
    set_steps(window, 0, [6], velocity=80)
    x, y = d.view(*d.cell(0, 6))
    for t, kind in ((5000, "ButtonPress"), (5020, "ButtonRelease"), (5100, "ButtonPress")):
        d.canvas.event_generate(f"<{kind}-1>", x=x, y=y, time=t)
    d.canvas.event_generate("<ButtonRelease-1>", x=x, y=y, time=5120)
    window.root.update()
    editors = [w for w in window.root.winfo_children() if w.winfo_class() == "Toplevel"]
    editor = [w for w in d.window.steps.panel.winfo_children() if w.winfo_class() == "Toplevel"]
    assert editor or editors
    dialog = (editor or editors)[0]
    assert d.step(0, 6).on  # the first click's toggle off was taken back
    dialog.vars["ratchet"].set("3")
    dialog.vars["probability"].set("70")
    dialog.kind_var.set("Pass A of every B")
    dialog.a_var.set("2")
    dialog.b_var.set("4")
    dialog.apply()
    step = d.step(0, 6)
    assert (step.ratchet, step.probability, step.condition.label()) == (3, 70, "2:4")
    assert window.document.history.undo_label == "Edit step"
    mark = d.grid_view.mark_pool.item((0, 6))
    assert d.canvas.itemcget(mark, "text") == "2:4"


def test_the_step_editor_refuses_a_bad_value_with_one_sentence(window, d):
    from sequencer_gui.steps.step_editor import StepEditor

    set_steps(window, 0, [1])
    dialog = StepEditor(window.steps.panel, 0, 1)
    before = window.document.score
    dialog.vars["velocity"].set("300")
    dialog.apply()
    assert window.document.score is before
    assert dialog.error.cget("text") == "Velocity must be from 1 to 127, not 300."
    dialog.destroy()
