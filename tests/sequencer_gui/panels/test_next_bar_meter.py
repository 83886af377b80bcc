"""The meter box "at the next bar" in the real window with a real engine (Xvfb, the
"none" driver): the engine places the change on a bar line it has not played and the
document gets the same change, one undo step."""

import pytest

from engine.core.score import LoopRegion, Note, Score, Track
from tests.sequencer_gui.conftest import pump

pytestmark = pytest.mark.gui


def switch_on(window) -> None:
    """Tick Transport > Meter Changes at the Next Bar, as a click on it would."""
    menu = window.menus["transport"]
    menu.invoke(menu.index("Meter Changes at the Next Bar"))
    assert window.next_bar_meter.var.get()


def choose(window, meter: str) -> None:
    bar = window.transport
    bar.meter_var.set(meter)
    bar.meter.event_generate("<<ComboboxSelected>>")
    window.root.update()


def test_a_meter_chosen_at_the_next_bar_while_playing_lands_on_a_bar_line(playing_window):
    win = playing_window
    song = Score(
        tracks=(Track("Piano", notes=(Note(0, 480, 60),)),),
        loop=LoopRegion(0, 16 * 1920),
        loop_enabled=True,
    )
    win.document.replace(song, None)
    win.root.update()
    switch_on(win)
    win.playback.play()
    assert pump(win.root, 10, lambda: win.link.read_position().tick > 480)
    before = win.link.read_position().tick
    signatures = win.document.score.time_signatures
    choose(win, "6/8")
    assert pump(win.root, 10, lambda: len(win.document.score.time_signatures.signatures) == 2)
    change = win.document.score.time_signatures.signatures[1]
    assert (change.numerator, change.denominator) == (6, 8)
    assert change.tick % 1920 == 0 and change.tick > before  # a bar line still to come
    assert win.document.score.time_signatures.signatures[0].numerator == 4
    assert "6/8 from bar" in win.status.message.cget("text")
    win.playback.stop()
    win.document.undo()
    assert win.document.score.time_signatures == signatures  # one undo step


def test_stopped_the_meter_box_edits_at_the_cursor_as_always(playing_window):
    win = playing_window
    win.document.replace(Score(tracks=(Track("Piano"),)), None)
    switch_on(win)
    win.roll.set_cursor(0)
    choose(win, "3/4")
    assert [(s.tick, s.numerator) for s in win.document.score.time_signatures.signatures] == [
        (0, 3)
    ]
