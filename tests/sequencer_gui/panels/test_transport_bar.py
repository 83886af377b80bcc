"""The transport bar in the real window (Xvfb, no engine): the position readout follows
every cursor move, the tempo and meter boxes edit at the cursor."""

import pytest

from engine.core.score import Score, Track

pytestmark = pytest.mark.gui


def readout(window) -> str:
    return window.transport.position_label.cget("text")


def test_the_position_readout_follows_a_click_in_the_ruler(window):
    ruler = window.roll.ruler
    g = window.roll.geometry
    x = g.tick_to_x(2 * 1920 + 480) - g.scroll_x_px  # bar 3, beat 2
    ruler.canvas.event_generate("<ButtonPress-1>", x=round(x) + 1, y=window.roll.RULER_HEIGHT - 4)
    ruler.canvas.event_generate("<ButtonRelease-1>", x=round(x) + 1, y=window.roll.RULER_HEIGHT - 4)
    window.root.update()
    assert window.roll.cursor_tick == 2 * 1920 + 480
    assert readout(window) == "3.2.000"


def test_the_position_readout_starts_over_with_another_song(window):
    window.roll.set_cursor(5 * 1920)
    assert readout(window) == "6.1.000"
    window.document.replace(Score(tracks=(Track(),)), None)
    window.root.update()
    assert readout(window) == "1.1.000"
