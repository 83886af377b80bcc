"""Keys over focused widgets in the real window (Xvfb, real engine on the "none" driver):
Space is play/stop wherever the focus is, and never also presses the focused button."""

import tkinter as tk
from tkinter import ttk

import pytest

pytestmark = pytest.mark.gui


def press(widget, key):
    widget.focus_force()
    widget.update()
    widget.event_generate(key)
    widget.update()


def test_space_over_a_focused_mute_button_plays_and_leaves_the_mute_alone(playing_window):
    win = playing_window
    row = win.tracks.rows[0]
    press(row.mute, "<space>")
    assert win.playback.playing
    assert not row.mute_var.get() and not win.document.score.tracks[0].mute
    press(row.solo, "<space>")
    assert not win.playback.playing
    assert not row.solo_var.get() and not win.document.score.tracks[0].solo
    # the keyboard still toggles it: Return presses the focused button
    press(row.mute, "<Return>")
    assert row.mute_var.get() and win.document.score.tracks[0].mute
    assert not win.playback.playing


def test_space_in_a_dialog_still_presses_its_button(playing_window):
    win = playing_window
    top = tk.Toplevel(win.root)
    var = tk.BooleanVar(top, False)
    box = ttk.Checkbutton(top, text="an option", variable=var)
    box.pack()
    press(box, "<space>")
    assert var.get() is True
    assert not win.playback.playing
    top.destroy()


def test_the_roll_shows_when_it_has_the_keyboard(window):
    roll = window.roll
    roll.canvas.focus_force()
    window.root.update()
    assert roll.cget("style") == "RollFocus.TFrame"
    window.transport.position.focus_force()
    window.root.update()
    assert roll.cget("style") == "Roll.TFrame"
