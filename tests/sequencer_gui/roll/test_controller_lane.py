"""The controller lane in the real window (Xvfb): draw, drag and erase points of the
edited track's controller, each gesture one undo step."""

from __future__ import annotations

import pytest

from engine.core import controller_edits as ce
from engine.core.controllers import ControlEvent

pytestmark = pytest.mark.gui

MOD = 1


def _drag(root, canvas, points, button=1):
    x, y = points[0]
    canvas.event_generate(f"<ButtonPress-{button}>", x=x, y=y)
    for x, y in points[1:]:
        canvas.event_generate(
            f"<B{button}-Motion>", x=x, y=y, state=0x100 if button == 1 else 0x400
        )
    canvas.event_generate(f"<ButtonRelease-{button}>", x=x, y=y)
    root.update()


def _mod(window):
    return ce.lane_events(window.document.score, 0, "control", MOD)


def test_draw_drag_and_erase_points_each_one_undo_step(window, tk_root):
    lane = window.recording.controller_lane
    assert lane.canvas.winfo_ismapped()
    lane.choose("Modulation (CC 1)")
    g = window.roll.geometry
    grid = window.roll.grid_ticks
    x0 = g.tick_to_x(0) - g.scroll_x_px
    step_px = g.tick_to_x(grid) - g.tick_to_x(0)
    xs = [round(x0 + 2 + i * step_px) for i in range(4)]
    _drag(tk_root, lane.canvas, [(x, lane.y_of(20 + 30 * i)) for i, x in enumerate(xs)])
    drawn = _mod(window)
    assert [e.tick for e in drawn] == [0, grid, 2 * grid, 3 * grid]
    assert all(abs(e.value - (20 + 30 * i)) <= 3 for i, e in enumerate(drawn))
    assert len(lane.dots) == 4
    assert window.document.history.undo_label == "Draw controller"

    # drag the third point up to the top
    third = drawn[2]
    x = round(g.tick_to_x(third.tick) - g.scroll_x_px)
    _drag(tk_root, lane.canvas, [(x, lane.y_of(third.value)), (x, 0)])
    assert _mod(window)[2] == ControlEvent(third.tick, "control", MOD, 127)
    assert window.document.history.undo_label == "Move controller point"

    # erase the first two with the right button
    _drag(tk_root, lane.canvas, [(xs[0], 30), (xs[1], 30)], button=3)
    assert [e.tick for e in _mod(window)] == [2 * grid, 3 * grid]
    window.editor.undo()
    window.editor.undo()
    assert _mod(window) == drawn
    window.editor.undo()
    assert _mod(window) == []
    assert len(lane.dots) == 0


def test_the_pitch_wheel_lane_shows_only_bends(window, tk_root):
    lane = window.recording.controller_lane
    score = ce.draw(window.document.score, 0, "control", MOD, {0: 64})
    window.document.apply(ce.draw(score, 0, "pitch_bend", 0, {480: 4000}), "bend")
    lane.choose("Pitch bend")
    tk_root.update()
    assert [key[1].kind for key in lane.dots.keys()] == ["pitch_bend"]
    with pytest.raises(ValueError, match="no controller lane"):
        lane.choose("Breath")


def test_hovering_and_dragging_a_point_says_its_controller_and_value(window, tk_root):
    lane = window.recording.controller_lane
    window.document.apply(ce.draw(window.document.score, 0, "control", 64, {0: 0}), "pedal")
    lane.choose("Sustain pedal (CC 64)")
    tk_root.update()
    g = window.roll.geometry
    x = round(g.tick_to_x(0) - g.scroll_x_px)
    y = round(lane.y_of(0))
    lane.canvas.event_generate("<Motion>", x=x, y=y)
    assert lane.readout_text == "Sustain pedal (CC 64): 0 (up)"
    # the readout sits beside the point, inside the lane
    left, top, right, bottom = lane.canvas.bbox(lane.readout)
    assert left > lane.canvas.canvasx(x) and 0 <= top and bottom <= lane.canvas.winfo_height()
    # dragging it to the top says the value it is being set to, as it goes
    lane.canvas.event_generate("<ButtonPress-1>", x=x, y=y)
    lane.canvas.event_generate("<B1-Motion>", x=x, y=0, state=0x100)
    assert lane.readout_text == "Sustain pedal (CC 64): 127 (down)"
    lane.canvas.event_generate("<ButtonRelease-1>", x=x, y=0)
    tk_root.update()
    assert ce.lane_events(window.document.score, 0, "control", 64)[0].value == 127
    # away from any point, and on leaving the lane, it is gone
    lane.canvas.event_generate("<Motion>", x=x + 200, y=30)
    assert lane.readout_text == ""
    lane.canvas.event_generate("<Motion>", x=x, y=0)
    assert lane.readout_text.startswith("Sustain pedal")
    lane.canvas.event_generate("<Leave>", x=x, y=0)
    assert lane.readout_text == ""


def test_drawing_says_each_value_drawn(window, tk_root):
    lane = window.recording.controller_lane
    lane.choose("Pan (CC 10)")
    g = window.roll.geometry
    x = round(g.tick_to_x(0) - g.scroll_x_px) + 2
    lane.canvas.event_generate("<ButtonPress-1>", x=x, y=round(lane.y_of(34)))
    drawn = ce.lane_events(window.document.score, 0, "control", 10)[0].value
    assert lane.readout_text == f"Pan (CC 10): {drawn} (left {64 - drawn})"
    lane.canvas.event_generate("<ButtonRelease-1>", x=x, y=round(lane.y_of(34)))
