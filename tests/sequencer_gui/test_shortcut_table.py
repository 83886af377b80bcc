"""The one shortcut table: what is bound, what the menus say and what Help lists agree
(the real window under Xvfb)."""

import pytest

from sequencer_gui.shortcuts import SHORTCUTS, help_lines

pytestmark = pytest.mark.gui


def test_every_shortcut_of_the_table_is_bound_and_listed_in_help(window):
    for shortcut in SHORTCUTS:
        for sequence in shortcut.sequences:
            assert window.root.bind(sequence), f"{sequence} is not bound"
    listed = window.show_shortcuts().text.get("1.0", "end")
    for shortcut in SHORTCUTS:
        assert f"{shortcut.keys}" in listed and shortcut.what in listed
    assert listed.strip().splitlines()[: len(help_lines())] == help_lines()


def test_menu_accelerators_name_keys_of_the_table(window):
    keys = {alt for s in SHORTCUTS for alt in s.keys.split(" / ")}
    seen = 0
    stack = list(window.menus.values())
    while stack:
        menu = stack.pop()
        for i in range((menu.index("end") or 0) + 1):
            kind = menu.type(i)
            if kind == "cascade":
                stack.append(window.root.nametowidget(menu.entrycget(i, "menu")))
            elif kind in ("command", "checkbutton", "radiobutton"):
                accel = menu.entrycget(i, "accelerator")
                if accel:
                    seen += 1
                    assert accel in keys, f"{menu.entrycget(i, 'label')}: {accel}"
    assert seen > 20


def test_keys_do_what_the_table_says(window):
    from engine.core import edits
    from engine.core.score import Note

    doc, roll = window.document, window.roll
    score, _ = edits.add_notes(doc.score, 0, [Note(0, 480, 60), Note(7680, 480, 72)])
    doc.apply(score, "notes")
    window.tracks.add_track()
    window.root.update()
    roll.canvas.focus_force()

    def key(sequence):
        roll.canvas.event_generate(sequence)
        window.root.update()

    key("<Alt-Up>")
    assert doc.track_index == 0
    key("<m>")
    assert doc.score.tracks[0].mute and window.tracks.rows[0].mute_var.get()
    key("<s>")
    assert doc.score.tracks[0].solo
    height = roll.geometry.key_height_px
    key("<Alt-equal>")
    assert roll.geometry.key_height_px > height
    key("<F>")  # Shift+F: the whole song in view
    g = roll.geometry
    start, end = g.visible_ticks()
    low, high = g.visible_pitches()
    assert start == 0 and end >= 7680 + 480 and low <= 60 and high >= 72
    key("<l>")
    assert doc.score.loop_enabled
    key("<Control-g>")
    assert window.root.focus_get() is window.transport.position
