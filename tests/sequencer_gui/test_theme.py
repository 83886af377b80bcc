"""The theme on the real window under Xvfb: every widget and canvas from one palette,
readable sizes, a real monospaced font, and a dark/light switch that reaches everything."""

import tkinter.font as tkfont
from tkinter import ttk

import pytest

from sequencer_gui import palette
from sequencer_gui.fonts import BOLD, MONO, MONO_LARGE, SMALL, UI

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _dark_after():
    yield
    palette.use("dark")


def test_fonts_are_nine_points_or_more_and_numbers_are_monospaced(window):
    root = window.root
    for name in (UI, SMALL, BOLD, MONO, MONO_LARGE, "TkDefaultFont", "TkFixedFont"):
        assert tkfont.nametofont(name, root=root).actual("size") >= 9, name
    for name in (MONO, MONO_LARGE, "TkFixedFont"):
        font = tkfont.nametofont(name, root=root)
        assert font.metrics("fixed") == 1, name
        assert font.measure("1111") == font.measure("MMMM") == font.measure("0.0."), name
    assert str(window.transport.position.cget("font")) == MONO_LARGE


def test_the_help_list_of_shortcuts_has_straight_columns(window):
    top = window.show_shortcuts()
    window.root.update()
    text = top.text
    font = tkfont.Font(root=window.root, font=text.cget("font"))
    assert font.metrics("fixed") == 1
    lines = text.get("1.0", "end").splitlines()
    # each description starts at the same column, so at the same pixel
    from sequencer_gui.shortcuts import KEYS_WIDTH

    starts = {font.measure(line[:KEYS_WIDTH]) for line in lines if line and not line.endswith(":")}
    assert len(starts) == 1
    top.destroy()


def test_widgets_and_canvases_share_the_palette_and_switch_to_light(window):
    root, roll = window.root, window.roll
    style = ttk.Style(root)
    dark = palette.DARK
    assert style.lookup("TFrame", "background") == dark.window
    assert style.lookup("TEntry", "fieldbackground") == dark.field
    assert roll.canvas.cget("background") == dark.row_white
    assert roll.ruler.canvas.cget("background") == dark.canvas
    assert str(window.menubar.cget("background")) == dark.raised

    window.theme.apply("light")
    root.update()
    light = palette.LIGHT
    assert style.lookup("TFrame", "background") == light.window
    assert style.lookup("TEntry", "fieldbackground") == light.field
    assert roll.canvas.cget("background") == light.row_white
    assert roll.ruler.canvas.cget("background") == light.canvas
    assert roll.velocity.canvas.cget("background") == light.canvas
    assert roll.canvas.itemcget(roll.cursor_item, "fill") == light.cursor
    assert str(window.menubar.cget("background")) == light.raised
    assert str(window.menus["edit"].cget("background")) == light.raised
    keys = roll.keyboard
    assert keys.canvas.itemcget(keys.key_items[60], "fill") == light.key_white
    assert keys.canvas.itemcget(keys.key_items[61], "fill") == light.key_black
    grid = [
        i for i in roll.canvas.find_withtag("grid") if roll.canvas.itemcget(i, "state") != "hidden"
    ]
    assert grid and all(
        roll.canvas.itemcget(i, "fill") in (light.grid_bar, light.grid_beat, light.grid_line)
        for i in grid
    )


def test_each_track_strip_shows_its_colour_and_the_edited_track_is_outlined(window):
    window.tracks.add_track()
    window.root.update()
    rows = window.tracks.rows
    assert [r.strip.cget("background") for r in rows] == list(palette.TRACK_COLOURS[:2])
    assert [r.frame.cget("style") for r in rows] == ["Track.TFrame", "CurrentTrack.TFrame"]
