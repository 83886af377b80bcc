"""Arranging in the song view of the real window under Xvfb: blocks of free notes beside
placements, selecting several (Shift+click, rubber band), moving them together, copy,
cut, paste and duplicate, each one undo step."""

import pytest

from engine.core import edits
from engine.core.score import Note, Track
from sequencer_gui.steps import colours
from sequencer_gui.steps.song_items import NoteKey
from tests.sequencer_gui.steps.steps_helpers import SHIFT, CanvasDriver, drum_window, set_steps

pytestmark = pytest.mark.gui

BAR = 1920
CONTROL = 0x0004


@pytest.fixture
def s(window):
    drum_window(window, tab=1)
    set_steps(window, 0, [0, 4, 8, 12])
    doc = window.document
    doc.apply(edits.add_track(doc.score, Track(name="Bass")), "Add track")
    score, _ = edits.add_notes(
        doc.score, 0, [Note(100, 400, 60), Note(BAR + 200, 400, 64), Note(6 * BAR, 480, 67)]
    )
    doc.apply(score, "notes")
    window.views.select(2)
    window.root.update()
    return CanvasDriver(window.root, window.steps.song.canvas)


def cell(window, track: int, tick: int) -> tuple[float, float]:
    g = window.steps.song.geometry
    return g.tick_to_x(tick) + 3, g.track_y(track) + g.row_height_px / 2


def placements(window):
    return sorted((p.track, p.start_tick) for p in window.document.score.placements)


def shown(s, pool, key) -> bool:
    item = pool.item(key)
    return item is not None and s.canvas.itemcget(item, "state") != "hidden"


def test_free_notes_show_as_blocks_of_bars_beside_placements(window, s):
    song = window.steps.song
    s.click(*cell(window, 1, 0))
    g = song.geometry
    blocks = {k for k in song.block_pool.keys() if shown(s, song.block_pool, k)}
    assert blocks == {NoteKey(0, 0), NoteKey(0, 6 * BAR)}
    x0, _, x1, _ = s.canvas.coords(song.block_pool.item(NoteKey(0, 0)))
    assert (round(x0), round(x1)) == (round(g.tick_to_x(0) + 1), round(g.tick_to_x(2 * BAR) - 1))
    label = song.label_pool.item(NoteKey(0, 0))
    assert s.canvas.itemcget(label, "text") == "2 notes"
    colour = window.roll.track_colour() if window.document.track_index == 0 else None
    fill = s.canvas.itemcget(song.block_pool.item(NoteKey(0, 0)), "fill")
    assert fill != colours.current().placement_selected and fill != colour
    # an edit in the roll shows here: a note in bar 3 joins the blocks into one
    doc = window.document
    doc.apply(edits.add_track(doc.score, Track(name="Bass")), "Add track")
    score, _ = edits.add_notes(doc.score, 0, [Note(2 * BAR, 100, 60)])
    doc.apply(score, "add")
    window.root.update()
    assert s.canvas.itemcget(song.label_pool.item(NoteKey(0, 0)), "text") == "3 notes"


def test_shift_click_selects_several_and_a_drag_moves_them_all_as_one_undo_step(window, s):
    song = window.steps.song
    s.click(*cell(window, 1, 0))
    s.click(*cell(window, 1, 2 * BAR))
    s.click(*cell(window, 1, 100))  # select the first placement (plain click)
    s.click(*cell(window, 1, 2 * BAR + 100), state=SHIFT)
    s.click(*cell(window, 0, 100), state=SHIFT)  # and the first block of notes
    assert len(song.selection) == 3
    before = window.document.score
    s.drag(cell(window, 1, 2 * BAR + 100), cell(window, 2, 5 * BAR + 100))
    assert placements(window) == [(2, 3 * BAR), (2, 5 * BAR)]
    assert [n.start_tick for n in window.document.score.tracks[1].notes] == [
        3 * BAR + 100,
        4 * BAR + 200,
    ]
    assert window.document.history.undo_label == "Move in the song"
    assert NoteKey(1, 3 * BAR) in song.selection  # the block stays selected where it went
    s.key("<Control-z>")
    assert window.document.score == before
    s.key("<Control-y>")
    assert placements(window) == [(2, 3 * BAR), (2, 5 * BAR)]
    # the undo took the moved block away; Shift+click takes an item out of the selection
    assert len(song.selection) == 2
    s.click(*cell(window, 2, 3 * BAR + 100), state=SHIFT)
    assert len(song.selection) == 1


def test_a_rubber_band_selects_what_it_touches_and_delete_removes_it_as_one_step(window, s):
    song = window.steps.song
    s.click(*cell(window, 1, 0))
    s.click(*cell(window, 1, 2 * BAR))
    g = song.geometry
    start = (g.tick_to_x(3 * BAR + BAR // 2), g.track_y(0) + 2)  # empty: bar 4 of track 1
    end = (g.tick_to_x(BAR // 2), g.track_y(1) + g.row_height_px - 4)
    s.drag(start, end, state=SHIFT)
    assert s.canvas.itemcget(song.band_item, "state") == "hidden"
    ids = {p.id for p in window.document.score.placements}
    assert song.selection == ids | {NoteKey(0, 0)}, song.selection  # not the notes of bar 7
    item = song.placement_pool.item(next(iter(ids)))
    assert s.canvas.itemcget(item, "fill") == colours.current().placement_selected
    s.key("<Delete>")
    assert placements(window) == []
    assert [n.start_tick for n in window.document.score.tracks[0].notes] == [6 * BAR]
    assert window.document.history.undo_label == "Delete from the song"
    s.key("<Control-z>")
    assert len(placements(window)) == 2 and len(window.document.score.tracks[0].notes) == 3


def test_copy_paste_at_the_cursor_and_duplicate_each_one_undo_step(window, s):
    song = window.steps.song
    s.click(*cell(window, 1, 0))
    s.click(*cell(window, 0, 100), state=SHIFT)  # the placement and the notes above it
    s.key("<Control-c>")
    g = song.geometry
    s.click(g.tick_to_x(8 * BAR + 300), g.ruler_px / 2)  # the cursor to bar 9
    window.document.set_track_index(0)
    s.key("<Control-v>")
    assert placements(window) == [(1, 0), (1, 8 * BAR)]
    assert [n.start_tick for n in window.document.score.tracks[0].notes][-2:] == [
        8 * BAR + 100,
        9 * BAR + 200,
    ]
    assert window.document.history.undo_label == "Paste"
    s.key("<Control-v>")  # again at the same place: the placement would overlap
    assert placements(window) == [(1, 0), (1, 8 * BAR)]
    assert "Nothing pasted" in window.status.message.cget("text")
    s.key("<Control-z>")
    assert placements(window) == [(1, 0)]
    s.click(*cell(window, 1, 100))  # the placement only
    s.key("<Control-d>")
    assert placements(window) == [(1, 0), (1, BAR)]
    assert window.document.history.undo_label == "Duplicate"
    s.key("<Control-z>")
    assert placements(window) == [(1, 0)]
    s.key("<Control-y>")
    assert placements(window) == [(1, 0), (1, BAR)]
    s.click(*cell(window, 1, BAR + 100))  # the redone copy
    s.key("<Control-d>")  # the duplicate is selected: the next goes after it
    assert placements(window) == [(1, 0), (1, BAR), (1, 2 * BAR)]
    s.key("<Control-x>")
    assert placements(window) == [(1, 0), (1, BAR)]
    assert window.document.history.undo_label == "Cut"
    s.key("<Control-z>")
    assert placements(window) == [(1, 0), (1, BAR), (1, 2 * BAR)]
    s.key("<Control-y>")
    assert placements(window) == [(1, 0), (1, BAR)]
    assert window.roll.track.notes == window.document.score.tracks[0].notes  # roll untouched


def test_a_right_click_on_a_block_selects_it_and_deletes_nothing(window, s):
    before = window.document.score
    s.click(*cell(window, 0, 100), button=3)
    assert window.document.score is before
    assert window.steps.song.selection == {NoteKey(0, 0)}
    assert "Delete removes these 2 notes" in window.status.message.cget("text")
    s.key("<Delete>")
    assert [n.start_tick for n in window.document.score.tracks[0].notes] == [6 * BAR]


def test_double_click_on_a_block_opens_its_notes_in_the_roll(window, s):
    x, y = s.view(*cell(window, 0, 6 * BAR + 100))
    for t in (50_000, 50_100):  # two presses close in time and place: a double-click
        s.canvas.event_generate("<ButtonPress-1>", x=x, y=y, time=t)
        s.canvas.event_generate("<ButtonRelease-1>", x=x, y=y, time=t + 20)
    window.root.update()
    assert window.views.index("current") == 0
    assert window.document.track_index == 0
    assert window.roll.selection == {Note(6 * BAR, 480, 67)}


def test_escape_during_a_drag_puts_everything_back_and_leaves_no_undo_step(window, s):
    s.click(*cell(window, 1, 0))
    label = window.document.history.undo_label
    before = window.document.score
    s.press(*cell(window, 1, 100))
    s.move(*cell(window, 1, 2 * BAR + 100))
    s.move(*cell(window, 2, 3 * BAR + 100))
    assert placements(window) == [(2, 3 * BAR)]
    s.key("<Escape>")
    s.release(*cell(window, 2, 3 * BAR + 100))
    assert window.document.score == before
    assert window.document.history.undo_label == label
    assert window.steps.song.selection == {p.id for p in before.placements}


def test_ctrl_drag_copies_the_selection_where_it_is_dragged(window, s):
    s.click(*cell(window, 1, 0))
    s.click(*cell(window, 0, 100), state=SHIFT)  # and the notes of bars 1-2 above it
    s.drag(cell(window, 1, 100), cell(window, 2, 3 * BAR + 100), state=CONTROL)
    assert placements(window) == [(1, 0), (2, 3 * BAR)]
    tracks = window.document.score.tracks
    assert [n.start_tick for n in tracks[0].notes] == [100, BAR + 200, 6 * BAR]
    assert [n.start_tick for n in tracks[1].notes] == [3 * BAR + 100, 4 * BAR + 200]
    assert window.document.history.undo_label == "Copy in the song"
    song = window.steps.song
    assert NoteKey(1, 3 * BAR) in song.selection  # the copy is selected
    s.key("<Control-z>")
    assert placements(window) == [(1, 0)] and window.document.score.tracks[1].notes == ()
    # a Ctrl+click that does not move copies nothing
    s.click(*cell(window, 1, 100), state=CONTROL)
    assert placements(window) == [(1, 0)]
