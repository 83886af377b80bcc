"""Rows in the real window (Xvfb, no engine): drum tracks as drum maps, scale highlighting
and folding, note names when zoomed in, a song opening on music."""

import pytest

from engine.core import edits
from engine.core.gm_drums import GM_DRUM_NAMES
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Note, Score, Track
from sequencer_gui import palette
from sequencer_gui.roll.rows import RowStyle

pytestmark = pytest.mark.gui


def shown(canvas, item) -> bool:
    return canvas.itemcget(item, "state") != "hidden"


def row_fill(roll, pitch) -> str:
    return roll.canvas.itemcget(roll.rows_bg.items[pitch], "fill")


def drum_song() -> Score:
    piano = Track(name="Piano", notes=tuple(Note(i * 240, 240, 36 + i % 12) for i in range(16)))
    kit = Track(
        name="Drums",
        channel=GM_DRUM_CHANNEL,
        bank=DRUM_BANK,
        is_drum=True,
        notes=tuple(Note(i * 480, 120, 36 if i % 2 == 0 else 38) for i in range(8)),
    )
    return Score(tracks=(piano, kit))


def test_a_drum_track_is_a_drum_map_with_its_kit_in_view(window):
    roll, doc = window.roll, window.document
    doc.replace(drum_song(), None)
    window.root.update()
    roll.set_geometry(roll.geometry.centred_on_pitch(100))  # far from the kit
    doc.set_track_index(1)
    window.root.update()
    colours = palette.current()
    # only the kit's rows, no piano striping: rows alternate by position, not by key
    assert set(roll.geometry.rows) == set(GM_DRUM_NAMES)
    assert not shown(roll.canvas, roll.rows_bg.items[100])
    fills = [row_fill(roll, p) for p in roll.geometry.rows]
    assert fills[0::2] == [colours.row_white] * len(fills[0::2])
    assert fills[1::2] == [colours.row_black] * len(fills[1::2])
    assert row_fill(roll, 37) == row_fill(roll, 39) != row_fill(roll, 38)  # black keys too
    # other tracks' notes are not laid over the kit
    assert not [k for k in roll.faint_pool.keys() if shown(roll.canvas, roll.faint_pool.item(k))]
    # the kit is in view: its notes are drawn, the keys named
    kick = Note(0, 120, 36)
    assert roll.note_pool.item(kick) is not None and shown(roll.canvas, roll.note_pool.item(kick))
    keys = roll.keyboard
    assert keys.canvas.itemcget(keys.label_items[38], "text") == "Acoustic Snare"
    assert keys.canvas.itemcget(keys.key_items[37], "fill") == colours.key_white
    # all rows on demand, and back to the piano striping on a piano track
    roll.set_row_style(RowStyle(all_drum_rows=True))
    assert roll.geometry.rows == ()
    doc.set_track_index(0)
    window.root.update()
    assert row_fill(roll, 61) == colours.row_black and row_fill(roll, 60) == colours.row_white


def test_scale_highlighting_shades_rows_out_of_the_scale_and_folds(window):
    roll, doc = window.roll, window.document
    score, _ = edits.add_notes(doc.score, 0, [Note(0, 480, 61)])
    doc.apply(score, "a C sharp")
    colours = palette.current()
    roll.set_row_style(RowStyle(scale="Major", root=0))
    assert row_fill(roll, 60) == colours.row_root
    assert row_fill(roll, 62) == colours.row_white
    assert row_fill(roll, 63) == colours.row_out_of_scale
    roll.set_row_style(RowStyle(scale="Major", root=0, fold=True))
    rows = roll.geometry.rows
    assert 63 not in rows and 62 in rows and 61 in rows  # the note out of scale stays
    assert not shown(roll.canvas, roll.rows_bg.items[63])
    assert not shown(roll.keyboard.canvas, roll.keyboard.key_items[63])
    roll.set_row_style(RowStyle())
    assert roll.geometry.rows == () and row_fill(roll, 63) == colours.row_black


def test_notes_show_their_name_when_zoomed_in(window):
    roll, doc = window.roll, window.document
    note = Note(0, 480, 64)
    score, _ = edits.add_notes(doc.score, 0, [note])
    doc.apply(score, "E")
    for _ in range(2):
        roll.canvas.event_generate("<Alt-minus>")
    window.root.update()
    assert roll.name_pool.item(note) is None or not shown(roll.canvas, roll.name_pool.item(note))
    for _ in range(5):
        roll.canvas.event_generate("<Alt-equal>")
    window.root.update()
    item = roll.name_pool.item(note)
    assert item is not None and shown(roll.canvas, item)
    assert roll.canvas.itemcget(item, "text") == "E4"


def test_a_song_opens_on_a_track_whose_notes_are_on_screen(window):
    from pathlib import Path

    from engine.files.project_file import load_project

    demo = Path(__file__).resolve().parents[3] / "assets" / "demo.pianola"
    window.document.replace(load_project(demo), demo)
    window.root.update()
    roll = window.roll
    g = roll.geometry
    start, end = g.visible_ticks()
    low, high = g.visible_pitches()
    on_screen = [n for n in roll.track.notes_in_range(start, end) if low <= n.pitch <= high]
    assert on_screen
    assert any(shown(roll.canvas, roll.note_pool.item(n)) for n in on_screen)


def test_alt_wheel_makes_rows_taller_about_the_pointer(window):
    roll = window.roll
    g = roll.geometry
    pitch = g.y_to_pitch(g.scroll_y_px + 100)
    roll.canvas.event_generate("<Button-4>", x=200, y=100, state=0x0008)
    window.root.update()
    assert roll.geometry.key_height_px > g.key_height_px
    assert roll.geometry.y_to_pitch(roll.geometry.scroll_y_px + 100) == pitch


def invoke(menu, label: str) -> None:
    menu.invoke(next(i for i in range(menu.index("end") + 1) if _label(menu, i) == label))


def _label(menu, index: int) -> str:
    try:
        return menu.entrycget(index, "label")
    except Exception:  # a separator has no label
        return ""


def test_the_scale_belongs_to_the_song_saved_with_it_and_undone(window, tmp_path):
    from engine.core.scales import SongScale
    from engine.files.project_file import load_project, save_project

    roll, doc = window.roll, window.document
    colours = palette.current()
    invoke(window.scale_root_menu, "D")
    invoke(window.scale_menu, "Dorian")
    invoke(window.scale_menu, "Fold to Scale")
    window.root.update()
    assert doc.score.scale == SongScale("Dorian", 2, fold=True)
    assert doc.is_modified
    assert roll.row_style == RowStyle("Dorian", 2, fold=True)
    assert 63 not in roll.geometry.rows and 64 in roll.geometry.rows  # D# out, E in
    path = tmp_path / "dorian.pianola"
    save_project(doc.score, path)
    for _ in range(3):  # fold, scale, root: one undo step each
        doc.undo()
    window.root.update()
    assert doc.score.scale == SongScale()
    assert roll.row_style == RowStyle() and roll.geometry.rows == ()
    assert window.scale_var.get() == "" and not window.fold_var.get()
    assert row_fill(roll, 63) == colours.row_black
    # opening the saved song brings its scale back, on the rows and in the menu
    doc.replace(load_project(path), path)
    window.root.update()
    assert roll.row_style == RowStyle("Dorian", 2, fold=True)
    assert (window.scale_var.get(), window.root_var.get(), window.fold_var.get()) == (
        "Dorian",
        2,
        True,
    )
    assert row_fill(roll, 62) == colours.row_root
