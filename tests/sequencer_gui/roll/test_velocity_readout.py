"""The velocity lane in the real window (Xvfb): hovering over a stem and dragging it say
the note's velocity and name beside the pointer."""

from __future__ import annotations

import pytest

from engine.core.score import Note

pytestmark = pytest.mark.gui


def _with_notes(window, tk_root, *notes):
    from dataclasses import replace

    score = window.document.score
    track = replace(score.tracks[0], notes=tuple(notes))
    window.document.apply(replace(score, tracks=(track,)), "notes")
    tk_root.update()
    return window.roll.velocity


def _x(window, tick: int) -> int:
    g = window.roll.geometry
    return round(g.tick_to_x(tick) - g.scroll_x_px) + 2


def test_hovering_and_dragging_a_stem_says_its_velocity_and_note(window, tk_root):
    lane = _with_notes(window, tk_root, Note(0, 480, 60, 96), Note(960, 480, 67, 40))
    x = _x(window, 0)
    lane.canvas.event_generate("<Motion>", x=x, y=10)
    assert lane.readout_text == "Velocity 96 · C4"
    # beside the stem, inside the lane
    left, top, right, bottom = lane.canvas.bbox(lane.readout)
    assert left > lane.canvas.canvasx(x) and 0 <= top and bottom <= lane.canvas.winfo_height()
    lane.canvas.event_generate("<Motion>", x=_x(window, 960), y=10)
    assert lane.readout_text == "Velocity 40 · G4"
    # dragging to the top says the velocity it is being set to, as it goes
    lane.canvas.event_generate("<ButtonPress-1>", x=x, y=lane.height // 2)
    lane.canvas.event_generate("<B1-Motion>", x=x, y=0, state=0x100)
    assert lane.readout_text == "Velocity 127 · C4"
    lane.canvas.event_generate("<ButtonRelease-1>", x=x, y=0)
    tk_root.update()
    assert window.document.score.tracks[0].notes[0].velocity == 127
    assert lane.readout_text == "Velocity 127 · C4"
    # away from every stem, and on leaving the lane, it is gone
    lane.canvas.event_generate("<Motion>", x=x + 300, y=10)
    assert lane.readout_text == ""
    lane.canvas.event_generate("<Motion>", x=x, y=10)
    assert lane.readout_text.startswith("Velocity")
    lane.canvas.event_generate("<Leave>", x=x, y=10)
    assert lane.readout_text == ""
