"""The transport bar in the real window (Xvfb, no engine): the position readout follows
every cursor move, the tempo and meter boxes edit at the cursor."""

import pytest

from engine.core.score import Score, Track

pytestmark = pytest.mark.gui


def readout(window) -> str:
    return window.transport.position.get()


def test_the_position_readout_follows_a_click_in_the_ruler(window):
    ruler = window.roll.ruler
    g = window.roll.geometry
    x = g.tick_to_x(2 * 1920 + 480) - g.scroll_x_px  # bar 3, beat 2
    ruler.canvas.event_generate("<ButtonPress-1>", x=round(x) + 1, y=ruler.height - 4)
    ruler.canvas.event_generate("<ButtonRelease-1>", x=round(x) + 1, y=ruler.height - 4)
    window.root.update()
    assert window.roll.cursor_tick == 2 * 1920 + 480
    assert readout(window) == "3.2.000"


def test_the_position_readout_starts_over_with_another_song(window):
    window.roll.set_cursor(5 * 1920)
    assert readout(window) == "6.1.000"
    window.document.replace(Score(tracks=(Track(),)), None)
    window.root.update()
    assert readout(window) == "1.1.000"


def type_into(window, widget, text: str):
    widget.focus_force()
    widget.delete(0, "end")
    widget.insert(0, text)
    widget.event_generate("<Return>")
    window.root.update()


def test_typing_a_position_moves_the_cursor_there(window):
    type_into(window, window.transport.position, "5.3")
    assert window.roll.cursor_tick == 4 * 1920 + 2 * 480
    assert readout(window) == "5.3.000"
    type_into(window, window.transport.position, "2.1.240")
    assert window.roll.cursor_tick == 1920 + 240
    type_into(window, window.transport.position, "bar nine")
    assert window.roll.cursor_tick == 1920 + 240  # refused, in one sentence
    assert "bar.beat.tick" in window.status.message.cget("text")
    window.roll.canvas.focus_force()
    window.root.update()
    assert readout(window) == "2.1.240"


def test_the_tempo_box_edits_the_tempo_in_force_or_adds_one_at_the_cursor(window):
    doc, transport = window.document, window.transport
    window.roll.set_cursor(2 * 1920)  # bar 3 of a song with one tempo
    type_into(window, transport.tempo, "90")
    assert [(c.tick, round(c.bpm)) for c in doc.score.tempo_map.changes] == [(0, 90)]
    transport.tempo_var.set("140")
    transport.add_tempo_button.invoke()
    window.root.update()
    changes = [(c.tick, round(c.bpm)) for c in doc.score.tempo_map.changes]
    assert changes == [(0, 90), (2 * 1920, 140)]
    assert doc.history.undo_label == "Add tempo change"
    # the box shows what is in force where the cursor is, and edits that change
    window.roll.set_cursor(480)
    assert transport.tempo_var.get() == "90"
    window.roll.set_cursor(3 * 1920)
    assert transport.tempo_var.get() == "140"
    type_into(window, transport.tempo, "150")
    changes = [(c.tick, round(c.bpm)) for c in doc.score.tempo_map.changes]
    assert changes == [(0, 90), (2 * 1920, 150)]


def test_the_meter_box_edits_the_meter_at_the_cursor_not_at_the_start(window):
    doc, transport = window.document, window.transport
    window.roll.set_cursor(2 * 1920 + 700)  # inside bar 3
    transport.meter_var.set("3/4")
    transport.add_meter_button.invoke()
    window.root.update()
    sigs = [(s.tick, s.numerator, s.denominator) for s in doc.score.time_signatures.signatures]
    assert sigs == [(0, 4, 4), (2 * 1920, 3, 4)]
    window.roll.set_cursor(2 * 1920 + 1440 + 10)  # bar 4, the 3/4 in force
    assert transport.meter_var.get() == "3/4"
    transport.meter_var.set("6/8")
    transport.meter.event_generate("<<ComboboxSelected>>")
    window.root.update()
    sigs = [(s.tick, s.numerator, s.denominator) for s in doc.score.time_signatures.signatures]
    assert sigs == [(0, 4, 4), (2 * 1920, 6, 8)]
