"""The parameter lane, the pattern bar and the lit step in the real window under Xvfb."""

import pytest

from engine.core import pattern_edits as pe
from engine.core.gm_drums import GM_DRUM_NAMES
from engine.realtime.position import Position
from sequencer_gui.steps import colours
from sequencer_gui.steps.param_lane import LANE_HEIGHT
from sequencer_gui.steps.params import PARAM_BY_NAME
from tests.sequencer_gui.steps.steps_helpers import CanvasDriver, GridDriver, drum_window, set_steps

pytestmark = pytest.mark.gui


@pytest.fixture
def d(window):
    drum_window(window)
    return GridDriver(window)


@pytest.fixture
def lane(window):
    return CanvasDriver(window.root, window.steps.panel.params.canvas)


def lane_point(d, step: int, param: str, value: int) -> tuple[float, float]:
    """Where a click in the parameter lane sets ``value`` for ``step``."""
    p = PARAM_BY_NAME[param]
    y0, y1 = p.bar(value, LANE_HEIGHT)
    y = y0 if not p.centred or value >= 0 else y1 - 1
    return d.grid_view.geometry.step_centre_x(step), y


# ---------------------------------------------------------------------- parameter lane
@pytest.mark.parametrize(
    "param, value",
    [("Velocity", 64), ("Probability", 25), ("Offset", -25), ("Ratchet", 3), ("Length", 4)],
)
def test_each_parameter_lane_sets_its_value_as_one_undo_step(window, d, lane, param, value):
    set_steps(window, 0, [3])
    window.steps.panel.params.set_param(param)
    window.root.update()
    x, y = lane_point(d, 3, param, value)
    lane.click(x, y)
    p = PARAM_BY_NAME[param]
    got = p.value(d.step(0, 3))
    assert got == p.value_at(round(y), LANE_HEIGHT)  # what the pixel clicked means
    assert abs(got - value) <= (p.hi - p.lo) / 60  # within a pixel's worth of the aim
    assert window.document.history.undo_label == f"Change step {param.lower()}"
    bar = window.steps.panel.params.bars.item(3)
    y0, y1 = p.bar(got, LANE_HEIGHT)
    assert round(lane.canvas.coords(bar)[1]) == round(y0)
    lane.key("<Control-z>")
    assert d.step(0, 3) == type(d.step(0, 3))(on=True)


def test_the_condition_lane_picks_from_the_common_conditions(window, d, lane):
    set_steps(window, 0, [3])
    window.steps.panel.params.set_param("Condition")
    window.root.update()
    lane.click(*lane_point(d, 3, "Condition", 5))
    assert d.step(0, 3).condition.label() == "1:2"
    label = window.steps.panel.params.labels.item(3)
    assert lane.canvas.itemcget(label, "text") == "1:2"


def test_a_drag_in_the_velocity_lane_draws_a_ramp(window, d, lane):
    set_steps(window, 0, range(8))
    before = len(window.document.history._undo)
    lane.drag(lane_point(d, 0, "Velocity", 20), lane_point(d, 7, "Velocity", 120), steps=14)
    velocities = [d.step(0, i).velocity for i in range(8)]
    assert velocities == sorted(velocities) and velocities[0] < 40 and velocities[-1] > 100
    assert len(window.document.history._undo) == before + 1


def test_the_lane_follows_the_cursor_lane(window, d, lane):
    d.click(*d.cell(2, 0))  # a step of lane 2: the lane shows lane 2
    text = lane.canvas.itemcget(window.steps.panel.params.lane_text, "text")
    assert text == "Velocity: Closed Hi-Hat"


# ---------------------------------------------------------------------- pattern bar
def test_pattern_commands_and_their_undo(window, d, monkeypatch):
    bar = window.steps.panel.bar
    doc = window.document
    set_steps(window, 0, [0, 8])
    first = window.steps.session.pattern
    bar.duplicate_pattern()
    copy = window.steps.session.pattern
    assert copy.id != first.id and copy.name == f"{first.name} copy"
    assert [s.on for s in copy.lanes[0].steps] == [s.on for s in first.lanes[0].steps]
    assert bar.pattern_var.get() == f"2  {copy.name}"
    monkeypatch.setattr("tkinter.simpledialog.askstring", lambda *a, **k: "Verse")
    bar.rename_pattern()
    assert window.steps.session.pattern.name == "Verse"
    assert doc.history.undo_label == "Rename pattern"
    bar.clear_pattern()
    assert d.on_steps(0) == []
    d.key("<Control-z>")
    assert d.on_steps(0) == [0, 8]
    # copy the first, paste over the second after changing it
    window.steps.session.select(first.id)
    bar.copy_pattern()
    window.steps.session.select(copy.id)
    set_steps(window, 1, [4])
    bar.paste_pattern()
    pasted = window.steps.session.pattern
    assert pasted.id == copy.id and pasted.name == "Verse"
    assert d.on_steps(0) == [0, 8] and d.on_steps(1) == []
    assert doc.history.undo_label == "Paste pattern"
    bar.delete_pattern()
    assert [p.id for p in doc.score.patterns] == [first.id]
    assert window.steps.session.pattern_id == first.id
    d.key("<Control-z>")
    assert len(doc.score.patterns) == 2


def test_length_step_size_and_swing_controls(window, d):
    bar = window.steps.panel.bar
    bar.length_var.set("12")
    bar.apply_length()
    assert window.steps.session.pattern.length_steps == 12
    assert d.grid_view.geometry.columns == 12
    bar.size_var.set("1/8t")
    bar.apply_step_size()
    assert window.steps.session.pattern.step_size == "1/8t"
    assert d.grid_view.geometry.steps_per_beat == 3  # triplet eighths: three to the beat
    bar.swing_var.set("62")
    bar.apply_swing()
    assert window.steps.session.pattern.swing == 62
    bar.swing_var.set("80")
    bar.apply_swing()
    assert window.steps.session.pattern.swing == 62
    assert "must be from 50 to 75" in window.status.message.cget("text")


def test_add_and_remove_a_lane(window, d):
    bar = window.steps.panel.bar
    bar.add_lane(56)
    pattern = window.steps.session.pattern
    assert pattern.lanes[-1].key == 56 and len(pattern.lanes) == 9
    name = d.canvas.itemcget(d.grid_view.name_pool.item(8), "text")
    assert name == "Cowbell"
    doc = window.document
    doc.apply(pe.remove_lane(doc.score, pattern.id, pattern.lanes[0].id), "Remove lane")
    assert d.grid_view.geometry.lane_count == 8
    d.key("<Control-z>")
    assert d.grid_view.geometry.lane_count == 9


# ---------------------------------------------------------------------- lit step
def test_the_playing_step_is_lit_per_lane_from_the_position_counter(window, d):
    doc = window.document
    pattern = window.steps.session.pattern
    doc.apply(pe.set_lane_length(doc.score, pattern.id, pattern.lanes[1].id, 3), "set up")
    window.root.update()
    panel = window.steps.panel
    panel.show_position(Position(playing=True, pattern_index=0, pattern_pass=0, pattern_step=5))
    assert d.cell_fill(0, 5) == colours.current().cell_lit
    assert d.cell_fill(1, 2) == colours.current().cell_lit  # a 3-step lane is on its step 5 % 3
    assert d.cell_fill(0, 4) != colours.current().cell_lit
    # second pass, slot 6: the 3-step lane has gone on to (16 + 6) % 3
    panel.show_position(Position(playing=True, pattern_index=0, pattern_pass=1, pattern_step=6))
    assert d.cell_fill(0, 6) == colours.current().cell_lit
    assert d.cell_fill(0, 5) != colours.current().cell_lit
    assert d.cell_fill(1, (16 + 6) % 3) == colours.current().cell_lit
    assert sum(d.cell_fill(1, i) == colours.current().cell_lit for i in range(3)) == 1
    # another pattern plays (or none): nothing is lit here
    panel.show_position(Position(playing=True, pattern_index=-1, pattern_pass=0, pattern_step=-1))
    assert all(d.cell_fill(0, i) != colours.current().cell_lit for i in range(16))
    panel.show_position(Position(playing=True, pattern_index=0, pattern_pass=0, pattern_step=2))
    panel.stopped()
    assert all(d.cell_fill(0, i) != colours.current().cell_lit for i in range(16))


def test_a_moving_step_moves_one_highlight_per_run_of_lanes_and_no_cell(window, d):
    doc = window.document
    pattern = window.steps.session.pattern
    doc.apply(pe.set_lane_length(doc.score, pattern.id, pattern.lanes[3].id, 12), "set up")
    window.root.update()
    grid, panel = window.steps.panel.grid_view, window.steps.panel
    cells = {k: d.canvas.itemcget(grid.cell_pool.item(k), "fill") for k in grid.cell_pool.keys()}
    made = grid.lit_pool.created
    for step in range(14):
        panel.show_position(
            Position(playing=True, pattern_index=0, pattern_pass=0, pattern_step=step)
        )
    window.root.update()
    # lanes 0-2 and 4-7 share step 13; the 12-step lane 3 is on its step 1
    assert len(grid.lit_pool) == 3
    assert grid.lit_pool.created - made <= 3
    lit = [k for k in range(8) if d.cell_fill(k, 13) == colours.current().cell_lit]
    assert lit == [0, 1, 2, 4, 5, 6, 7] and d.cell_fill(3, 1) == colours.current().cell_lit
    assert cells == {
        k: d.canvas.itemcget(grid.cell_pool.item(k), "fill") for k in grid.cell_pool.keys()
    }
    # a new pass: back to step 0 in one move (drawn in two halves), lanes joined again
    panel.show_position(Position(playing=True, pattern_index=0, pattern_pass=1, pattern_step=0))
    assert [d.cell_fill(k, 0) == colours.current().cell_lit for k in range(8)] == [True] * 3 + [
        False
    ] + [True] * 4
    assert d.cell_fill(3, 4) == colours.current().cell_lit  # (16 + 0) % 12
    assert all(d.cell_fill(k, 13) != colours.current().cell_lit for k in range(8))


def test_picking_a_pattern_while_one_plays_queues_it_until_the_counter_shows_it(window, d):
    session = window.steps.session
    bar = window.steps.panel.bar
    first = session.pattern_id
    bar.new_pattern()
    second = session.pattern_id
    session.select(first)
    session.set_mode("pattern")
    assert session.playing_id == first
    session.set_playing(True)
    session.select(second)
    window.root.update()
    assert session.queued_id == second and session.playing_id == first
    assert bar.queued_label.cget("text").startswith("queued: Pattern 2")
    # the counter still on the first pattern: still queued
    window.steps.panel.show_position(Position(playing=True, pattern_index=0, pattern_step=15))
    assert session.queued_id == second
    window.steps.panel.show_position(Position(playing=True, pattern_index=1, pattern_step=0))
    window.root.update()
    assert session.queued_id is None and session.playing_id == second
    assert bar.queued_label.cget("text") == ""


# ---------------------------------------------------------------------- lane tools
def test_euclid_dialog_previews_live_and_ok_is_one_undo_step(window, d):
    from sequencer_gui.steps.euclid_dialog import EuclidDialog

    doc = window.document
    before = len(doc.history._undo)
    dialog = EuclidDialog(window.steps.panel, 2)
    dialog.k_var.set(3)
    dialog.n_var.set(8)
    dialog.preview()
    # heard while the dialog is open: the document (and so the engine) has it already
    assert [s.on for s in d.lane(2).steps] == [True, False, False, True, False, False, True, False]
    assert d.level_item(2, 3) is not None
    assert dialog.shown.cget("text") == "x..x..x."
    dialog.r_var.set(1)
    dialog.preview()
    assert d.on_steps(2) == [1, 4, 7]
    dialog.ok()
    assert len(doc.history._undo) == before + 1
    assert doc.history.undo_label == "Euclidean rhythm"
    d.key("<Control-z>")
    assert d.on_steps(2) == [] and d.lane(2).length_steps == 16


def test_euclid_dialog_cancel_puts_the_lane_back(window, d):
    from sequencer_gui.steps.euclid_dialog import EuclidDialog

    set_steps(window, 0, [0, 1, 2])
    dialog = EuclidDialog(window.steps.panel, 0)
    dialog.k_var.set(5)
    dialog.preview()
    assert len(d.on_steps(0)) == 5
    dialog.cancel()
    assert d.on_steps(0) == [0, 1, 2]


def test_lane_menu_rhythm_tools(window, d):
    set_steps(window, 1, [0, 4])
    g = d.grid_view.geometry
    # build the menu without posting it (a posted popup grabs the pointer)
    import tkinter as tk

    posted = []
    original = tk.Menu.tk_popup
    tk.Menu.tk_popup = lambda self, *a: posted.append(self)
    try:
        d.click(20, g.lane_y(1) + 5, button=3)
    finally:
        tk.Menu.tk_popup = original
    (menu,) = posted
    labels = [
        menu.entrycget(i, "label")
        for i in range(menu.index("end") + 1)
        if menu.type(i) != "separator"
    ]
    assert labels[:4] == ["Sound", "Rename…", "Euclidean…", "Rhythm"]
    rhythm = menu.nametowidget(menu.entrycget(3, "menu"))
    index = {
        rhythm.entrycget(i, "label"): i
        for i in range(rhythm.index("end") + 1)
        if rhythm.type(i) != "separator"
    }
    rhythm.invoke(index["Shift right"])
    assert d.on_steps(1) == [1, 5]
    assert window.document.history.undo_label == "Shift right"
    rhythm.invoke(index["Fill every 4"])
    assert d.on_steps(1) == [0, 4, 8, 12]
    panel = window.steps.panel
    lane_id = panel.pattern.lanes[1].id
    entries = {
        menu.entrycget(i, "label"): i
        for i in range(menu.index("end") + 1)
        if menu.type(i) != "separator"
    }
    sound = menu.nametowidget(menu.entrycget(entries["Sound"], "menu"))
    sound.invoke(0)
    assert panel.pattern.lanes[1].key == min(GM_DRUM_NAMES)
    assert window.document.history.undo_label == "Change lane sound"
    menu.invoke(entries["Move down"])
    assert panel.pattern.lanes[2].id == lane_id


def test_fill_is_held_or_latched(window, d):
    bar = window.steps.panel.bar
    session = window.steps.session
    button = bar.fill_button
    button.event_generate("<ButtonPress-1>", x=5, y=5)
    window.root.update()
    assert session.fill and bar.fill_var.get()
    button.event_generate("<ButtonRelease-1>", x=5, y=5)
    window.root.update()
    assert not session.fill
    bar.latch_var.set(True)
    bar._latch()
    for expected in (True, False):
        button.event_generate("<ButtonPress-1>", x=5, y=5)
        button.event_generate("<ButtonRelease-1>", x=5, y=5)
        window.root.update()
        assert session.fill is expected and bar.fill_var.get() is expected


def test_a_theme_switch_recolours_the_step_views(window, d):
    set_steps(window, 0, [0])
    window.theme.apply("light")
    window.root.update()
    try:
        light = colours.current()
        assert light.palette.name == "light"
        assert d.canvas.cget("background") == light.canvas
        item = d.level_item(0, 0)
        assert d.canvas.itemcget(item, "fill") == light.step_fill(
            window.steps.panel.track_colour, d.step(0, 0).velocity
        )
        assert d.cell_fill(0, 1) == light.cell_on_beat
        assert window.steps.song.canvas.cget("background") == light.canvas
    finally:
        window.theme.apply("dark")
        window.root.update()
    assert d.cell_fill(0, 1) == colours.current().cell_on_beat


def test_the_fill_key_fills_while_held_through_autorepeat_and_toggles_when_latched(window, d):
    from tests.sequencer_gui.conftest import pump

    session, bar = window.steps.session, window.steps.panel.bar
    d.key("<KeyPress-grave>")
    assert session.fill and bar.fill_var.get()
    for _ in range(3):  # X repeats a held key as release + press at once
        d.canvas.event_generate("<KeyRelease-grave>")
        d.canvas.event_generate("<KeyPress-grave>")
    assert not pump(window.root, 0.3, lambda: not session.fill), "autorepeat let fill go"
    d.canvas.event_generate("<KeyRelease-grave>")
    assert pump(window.root, 10, lambda: not session.fill)
    assert not bar.fill_var.get()
    bar.latch_var.set(True)
    bar._latch()
    for expected in (True, False):
        d.key("<KeyPress-grave>")
        d.canvas.event_generate("<KeyRelease-grave>")
        pump(window.root, 0.2, lambda: False)
        assert session.fill is expected and bar.fill_var.get() is expected


def test_the_fill_key_held_on_the_real_keyboard_fills_until_let_go(window, d):
    """Real key events through the X server (xdotool): a held key repeats as release +
    press pairs there, and fill must stay on through them."""
    import shutil
    import subprocess

    from tests.sequencer_gui.conftest import pump

    if shutil.which("xdotool") is None:
        pytest.fail("xdotool is not installed: run ./test.sh, which installs it")
    session = window.steps.session
    releases = []
    d.canvas.bind("<KeyRelease-grave>", lambda e: releases.append(e.time))
    window.root.lift()
    d.canvas.focus_force()
    window.root.update()
    subprocess.run(["xdotool", "keydown", "grave"], check=True, timeout=20)
    assert pump(window.root, 10, lambda: session.fill), "the key did not switch fill on"
    seen_off = []
    pump(window.root, 1.5, lambda: seen_off.append(not session.fill) and False)
    subprocess.run(["xdotool", "keyup", "grave"], check=True, timeout=20)
    assert not any(seen_off), "fill went off while the key was held"
    assert pump(window.root, 10, lambda: not session.fill), "fill stayed on after the key went up"
    # the hold was long enough for X to repeat the key (so the repeats were seen through)
    assert len(releases) >= 2, "X did not repeat the held key: the test proved nothing"
