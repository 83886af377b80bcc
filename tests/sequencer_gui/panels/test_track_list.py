"""The track list in the real window (Xvfb, no engine): it scrolls instead of growing the
window, tracks move by dragging their strip, colours are chosen and kept."""

import pytest

from engine.core import edits
from engine.core.score import Note
from sequencer_gui import palette

pytestmark = pytest.mark.gui


def test_many_tracks_scroll_in_the_list_instead_of_growing_the_window(window):
    root = window.root
    root.update()
    height = root.winfo_height()
    for _ in range(14):
        window.tracks.add_track()
    root.update()
    assert root.winfo_height() == height
    assert window.tracks.vbar.winfo_ismapped()
    last = window.tracks.rows[-1].frame  # the new track was scrolled into view
    top, bottom = (float(v) for v in window.tracks.scroller.yview())
    body = window.tracks.body.winfo_height()
    assert (
        top * body <= last.winfo_y() and last.winfo_y() + last.winfo_height() <= bottom * body + 4
    )


def test_a_track_moves_by_dragging_its_strip_and_stays_edited(window):
    doc, tracks = window.document, window.tracks
    tracks.add_track()
    tracks.add_track()
    window.root.update()
    doc.set_track_index(0)
    score, _ = edits.add_notes(doc.score, 0, [Note(0, 480, 60)])
    doc.apply(score, "a note on the first track")
    names = [t.name for t in doc.score.tracks]
    strip = tracks.rows[0].strip
    target = tracks.rows[2].frame
    y_below = target.winfo_rooty() + target.winfo_height() - 2
    strip.event_generate("<ButtonPress-1>", x=2, y=2)
    for y in (y_below - 30, y_below):
        strip.event_generate("<B1-Motion>", x=2, y=y - strip.winfo_rooty(), rooty=y, state=0x100)
    strip.event_generate("<ButtonRelease-1>", x=2, y=y_below - strip.winfo_rooty(), rooty=y_below)
    window.root.update()
    assert [t.name for t in doc.score.tracks] == [names[1], names[2], names[0]]
    assert doc.track_index == 2 and doc.track.notes == (Note(0, 480, 60),)
    assert doc.history.undo_label == "Move track"
    # each track kept the colour it showed
    assert tracks.rows[2].strip.cget("background") == palette.TRACK_COLOURS[0]
    assert tracks.rows[0].strip.cget("background") == palette.TRACK_COLOURS[1]


def test_a_chosen_colour_colours_the_strip_and_the_notes(window):
    doc, tracks, roll = window.document, window.tracks, window.roll
    note = Note(0, 480, 60, 127)
    score, _ = edits.add_notes(doc.score, 0, [note])
    doc.apply(score, "note")
    tracks.set_colour(0, "#3366cc")
    window.root.update()
    assert doc.score.tracks[0].colour == "#3366cc"
    assert tracks.rows[0].strip.cget("background") == "#3366cc"
    assert roll.canvas.itemcget(roll.note_pool.item(note), "fill") == "#3366cc"
    window.editor.undo()
    assert doc.score.tracks[0].colour == ""


def test_volume_and_pan_show_their_values_and_double_click_resets(window):
    row = window.tracks.rows[0]
    window.document.apply(edits.update_track(window.document.score, 0, volume=40, pan=20), "mix")
    window.root.update()
    assert row.volume_text.cget("text") == "40" and row.pan_text.cget("text") == "L44"
    for t, widget in ((1000, row.volume), (5000, row.pan)):
        for dt, kind in ((0, "ButtonPress"), (20, "ButtonRelease"), (80, "ButtonPress")):
            widget.event_generate(f"<{kind}-1>", x=5, y=5, time=t + dt)
        widget.event_generate("<ButtonRelease-1>", x=5, y=5, time=t + 100)
    window.root.update()
    track = window.document.score.tracks[0]
    assert (track.volume, track.pan) == (100, 64)
    assert row.volume_text.cget("text") == "100" and row.pan_text.cget("text") == "C"


def test_the_list_opens_wide_enough_to_show_values_and_meters(tk_root):
    # the command line sets the window's size before building it (--geometry), which is
    # when the views beside the list would squeeze it
    from pathlib import Path

    from engine.files.project_file import load_project
    from sequencer_gui.app import MainWindow

    demo = Path(__file__).resolve().parents[3] / "assets" / "demo.pianola"
    tk_root.geometry("1440x880")
    window = MainWindow(tk_root, start_engine=False)
    try:
        window.document.replace(load_project(demo), demo)  # as `pianola demo.pianola` does
        tk_root.update()
        tracks = window.tracks
        right_edge = tracks.winfo_rootx() + tracks.winfo_width()
        for row in tracks.rows:
            for widget in (row.volume_text, row.pan_text, row.meter.canvas):
                assert widget.winfo_ismapped()
                assert widget.winfo_rootx() + widget.winfo_width() <= right_edge, widget
    finally:
        window.close()
