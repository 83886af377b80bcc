"""Editing in the real piano-roll window under Xvfb: each gesture checked in the model
(the document's score and undo history) and on the canvas (item coordinates, colours)."""

import pytest

from engine.core.score import Note
from sequencer_gui import palette
from tests.sequencer_gui.roll_helpers import ALT, CONTROL, SHIFT, Driver

pytestmark = pytest.mark.gui


def notes(window):
    return window.document.score.tracks[window.document.track_index].notes


def put(window, *new_notes):
    """Start from a track holding exactly ``new_notes`` (one undo step)."""
    from engine.core import edits

    doc = window.document
    score, _ = edits.add_notes(doc.score, doc.track_index, new_notes)
    doc.apply(score, "set up")
    window.root.update()


@pytest.fixture
def d(window):
    return Driver(window)


def test_click_on_an_empty_cell_adds_a_snapped_note_with_the_last_length(window, d):
    roll = window.roll
    x, y = d.at(1000, 60)  # inside the 1/16 cell that starts at tick 960
    d.click(x, y)
    (note,) = notes(window)
    assert note == Note(960, roll.new_length_ticks, 60, roll.new_velocity)
    assert d.coords(note) == [round(c, 3) for c in roll.geometry.note_box(note)]
    assert d.fill(note) == palette.current().selected_fill  # the new note is selected
    assert window.document.history.undo_label == "Add note"
    d.key("<Control-z>")
    assert notes(window) == () and not d.shown(note)
    d.key("<Control-y>")
    assert notes(window) == (note,) and d.shown(note)


def test_unselected_notes_take_the_track_colour_brighter_when_harder(window, d):
    soft, hard = Note(0, 240, 60, 20), Note(480, 240, 60, 120)
    put(window, soft, hard)
    colours, track = palette.current(), palette.TRACK_COLOURS[0]
    assert d.fill(soft) == colours.note_fill(track, 20)
    assert d.fill(hard) == colours.note_fill(track, 120)
    assert palette.luminance(d.fill(hard)) > palette.luminance(d.fill(soft))


def test_drag_moves_a_note_snapped_as_one_undo_step(window, d):
    n = Note(480, 240, 60)
    put(window, n)
    steps = len(window.document.history._undo)
    start = d.at(600, 60)
    end = d.at(600 + 250, 62)  # a bit more than half a 1/16: snaps to +240
    d.drag(start, end)
    moved = Note(720, 240, 62)
    assert notes(window) == (moved,)
    assert len(window.document.history._undo) == steps + 1
    assert d.coords(moved) == [round(c, 3) for c in window.roll.geometry.note_box(moved)]
    d.key("<Control-z>")
    assert notes(window) == (n,) and d.shown(n)


def test_alt_drag_moves_freely(window, d):
    put(window, Note(480, 240, 60))
    g = window.roll.geometry
    d.drag(d.at(600, 60), d.at(600, 60, dx_px=g.tick_to_x(75)), state=ALT)  # 10 px
    (note,) = notes(window)
    assert note.start_tick == 555 and note.pitch == 60  # not on the 1/16 grid


def test_dragging_the_end_edge_resizes_and_sets_the_new_note_length(window, d):
    n = Note(480, 480, 60)
    put(window, n)
    x0, y0, x1, y1 = window.roll.geometry.note_box(n)
    g = window.roll.geometry
    d.drag((x1 - 1, y0 + 5), (x1 - 1 + g.tick_to_x(240), y0 + 5))
    assert notes(window) == (Note(480, 720, 60),)
    assert window.roll.new_length_ticks == 720
    box = d.coords(Note(480, 720, 60))
    assert box[2] - box[0] == pytest.approx(g.tick_to_x(720))


def test_dragging_the_start_edge_keeps_the_end(window, d):
    n = Note(480, 480, 60)
    put(window, n)
    x0, y0, _, _ = window.roll.geometry.note_box(n)
    d.drag((x0 + 1, y0 + 5), (x0 + 1 + window.roll.geometry.tick_to_x(240), y0 + 5))
    assert notes(window) == (Note(720, 240, 60),)


def test_right_click_and_double_click_delete(window, d):
    a, b = Note(0, 240, 60), Note(960, 240, 64)
    put(window, a, b)
    d.click(*d.at(100, 60), button=3)
    assert notes(window) == (b,) and not d.shown(a)
    x, y = d.view(*d.at(1000, 64))
    for t, kind in (
        (5000, "ButtonPress"),
        (5020, "ButtonRelease"),
        (5100, "ButtonPress"),
        (5120, "ButtonRelease"),
    ):  # a double click
        d.canvas.event_generate(f"<{kind}-1>", x=x, y=y, time=t)
    window.root.update()
    assert notes(window) == ()


def double_click(d, x, y, t0=5000):
    """Two presses 100 ms apart at one point: Tk reports the second as <Double-1>."""
    vx, vy = d.view(x, y)
    for t, kind in (
        (t0, "ButtonPress"),
        (t0 + 20, "ButtonRelease"),
        (t0 + 100, "ButtonPress"),
        (t0 + 120, "ButtonRelease"),
    ):
        d.canvas.event_generate(f"<{kind}-1>", x=vx, y=vy, time=t)
    d.root.update()


def test_double_click_on_a_note_deletes_it_as_one_undo_step(window, d):
    n = Note(960, 240, 64)
    put(window, n)
    steps = len(window.document.history._undo)
    double_click(d, *d.at(1000, 64))
    assert notes(window) == () and not d.shown(n)
    assert len(window.document.history._undo) == steps + 1
    assert window.document.history.undo_label == "Delete note"
    d.key("<Control-z>")
    assert notes(window) == (n,) and d.shown(n)


def test_double_click_on_an_empty_cell_keeps_the_note_its_first_click_added(window, d):
    roll = window.roll
    steps = len(window.document.history._undo)
    double_click(d, *d.at(1000, 60))
    added = Note(960, roll.new_length_ticks, 60, roll.new_velocity)
    assert notes(window) == (added,) and d.shown(added)
    assert d.coords(added) == [round(c, 3) for c in roll.geometry.note_box(added)]
    assert len(window.document.history._undo) == steps + 1
    assert window.document.history.undo_label == "Add note"
    # a later double-click on that note (a new gesture) deletes it as usual
    double_click(d, *d.at(1000, 60), t0=9000)
    assert notes(window) == () and not d.shown(added)
    assert len(window.document.history._undo) == steps + 2


def test_ctrl_drag_duplicates_and_keeps_the_original(window, d):
    n = Note(0, 240, 60)
    put(window, n)
    d.drag(d.at(100, 60), d.at(100 + 480, 60), state=CONTROL)
    assert notes(window) == (n, Note(480, 240, 60))
    assert window.roll.selection == {Note(480, 240, 60)}
    assert d.fill(Note(480, 240, 60)) == palette.current().selected_fill
    assert d.fill(n) == window.roll.note_fill(n)


def test_rubber_band_and_shift_click_select(window, d):
    a, b, c = Note(0, 240, 60), Note(480, 240, 62), Note(1920, 240, 72)
    put(window, a, b, c)
    d.drag(d.at(-0, 63), d.at(800, 59), state=CONTROL)
    assert window.roll.selection == {a, b}
    assert window.roll.canvas.itemcget(window.roll.band_item, "state") == "hidden"
    d.click(*d.at(2000, 72), state=SHIFT)
    assert window.roll.selection == {a, b, c}
    assert d.fill(c) == palette.current().selected_fill
    d.click(*d.at(100, 60), state=SHIFT)
    assert window.roll.selection == {b, c}
    d.key("<Escape>")
    assert window.roll.selection == set() and d.fill(b) == window.roll.note_fill(b)


def test_copy_paste_cut_select_all_and_delete_keys(window, d):
    a, b = Note(0, 240, 60), Note(240, 240, 64)
    put(window, a, b)
    d.key("<Control-a>")
    assert window.roll.selection == {a, b}
    d.key("<Control-c>")
    window.roll.set_cursor(1920)
    d.key("<Control-v>")
    pasted = {Note(1920, 240, 60), Note(2160, 240, 64)}
    assert set(notes(window)) == {a, b} | pasted
    assert window.roll.selection == pasted and all(d.shown(n) for n in pasted)
    d.key("<Delete>")
    assert set(notes(window)) == {a, b}
    d.key("<Control-a>")
    d.key("<Control-x>")
    assert notes(window) == ()
    window.roll.set_cursor(0)
    d.key("<Control-v>")
    assert set(notes(window)) == {a, b}


def test_arrow_keys_move_by_grid_step_semitone_and_octave(window, d):
    n = Note(480, 240, 60)
    put(window, n)
    window.roll.set_selection({n})
    d.key("<Right>")
    assert notes(window) == (Note(600, 240, 60),)
    d.key("<Left>")
    d.key("<Left>")
    assert notes(window) == (Note(360, 240, 60),)
    d.key("<Shift-Up>")
    assert notes(window) == (Note(360, 240, 61),)
    d.key("<Control-Up>")
    assert notes(window) == (Note(360, 240, 73),)
    d.key("<Control-Down>")
    d.key("<Down>")
    assert notes(window) == (Note(360, 240, 60),)
    assert d.coords(Note(360, 240, 60)) == [
        round(c, 3) for c in window.roll.geometry.note_box(Note(360, 240, 60))
    ]


def test_q_quantizes_the_selection_to_the_grid(window, d):
    put(window, Note(130, 100, 60), Note(470, 100, 62))
    d.key("<Control-a>")
    d.key("<q>")
    assert [n.start_tick for n in notes(window)] == [120, 480]


def test_undo_redo_shortcuts_walk_the_history(window, d):
    d.click(*d.at(0, 60))
    d.click(*d.at(480, 62))
    assert len(notes(window)) == 2
    d.key("<Control-z>")
    d.key("<Control-z>")
    assert notes(window) == ()
    d.key("<Control-Shift-Z>")
    assert len(notes(window)) == 1
    d.key("<Control-y>")
    assert len(notes(window)) == 2
    assert d.visible_note_items() == 2


def test_velocity_lane_drag_sets_velocity_in_one_step(window, d):
    n = Note(480, 240, 60, 100)
    put(window, n)
    lane = window.roll.velocity
    x = round(window.roll.geometry.tick_to_x(480) + 2 - lane.canvas.canvasx(0))
    steps = len(window.document.history._undo)
    lane.canvas.event_generate("<ButtonPress-1>", x=x, y=lane.height - 10)
    lane.canvas.event_generate("<Motion>", x=x, y=lane.height // 2, state=0x100)
    lane.canvas.event_generate("<ButtonRelease-1>", x=x, y=lane.height // 2, state=0x100)
    window.root.update()
    (note,) = notes(window)
    assert note.velocity == lane.velocity_at(lane.height // 2) and note.velocity != 100
    assert len(window.document.history._undo) == steps + 1
    stem = lane.stems.item(note)
    assert lane.canvas.coords(stem)[3] == pytest.approx(lane.stem_top(note.velocity))


def test_ruler_click_moves_the_cursor_and_drag_sets_the_loop(window, d):
    ruler = window.roll.ruler
    g = window.roll.geometry
    x = round(g.tick_to_x(960))
    ruler.canvas.event_generate("<ButtonPress-1>", x=x, y=10)
    ruler.canvas.event_generate("<ButtonRelease-1>", x=x, y=10)
    window.root.update()
    assert window.roll.cursor_tick == 960
    assert window.roll.canvas.coords(window.roll.cursor_item)[0] == pytest.approx(g.tick_to_x(960))
    x1 = round(g.tick_to_x(1920 * 2))
    ruler.canvas.event_generate("<ButtonPress-1>", x=0, y=10)
    for xm in (40, x1 // 2, x1):
        ruler.canvas.event_generate("<Motion>", x=xm, y=10, state=0x100)
    ruler.canvas.event_generate("<ButtonRelease-1>", x=x1, y=10, state=0x100)
    window.root.update()
    score = window.document.score
    assert score.loop_enabled and (score.loop.start_tick, score.loop.end_tick) == (0, 3840)
    assert window.transport.loop_var.get() is True
    loop = window.roll.canvas.coords(window.roll.loop_item)
    assert loop[0] == 0 and loop[2] == pytest.approx(g.tick_to_x(3840))


def test_wheel_scrolls_shift_wheel_scrolls_sideways_ctrl_wheel_zooms(window, d):
    roll = window.roll
    y0, x0, zoom0 = (
        roll.geometry.scroll_y_px,
        roll.geometry.scroll_x_px,
        roll.geometry.pixels_per_quarter,
    )
    roll.canvas.event_generate("<Button-5>", x=100, y=100)
    assert roll.geometry.scroll_y_px > y0
    assert roll.canvas.canvasy(0) == roll.geometry.scroll_y_px
    roll.canvas.event_generate("<Button-5>", x=100, y=100, state=SHIFT)
    assert roll.geometry.scroll_x_px > x0 and roll.canvas.canvasx(0) == roll.geometry.scroll_x_px
    anchor_tick = roll.geometry.x_to_tick(roll.geometry.scroll_x_px + 300)
    roll.canvas.event_generate("<Button-4>", x=300, y=100, state=CONTROL)
    assert roll.geometry.pixels_per_quarter == pytest.approx(zoom0 * 1.25)
    assert abs(roll.geometry.x_to_tick(roll.geometry.scroll_x_px + 300) - anchor_tick) < 10


def test_items_are_recycled_not_recreated_when_scrolling(window, d):
    put(window, *(Note(i * 240, 200, 48 + i % 24) for i in range(400)))
    roll = window.roll
    created = roll.note_pool.created
    for _ in range(20):
        roll.scroll(roll.geometry.width_px / 2, 0)
        window.root.update()
    roll.set_geometry(roll.geometry.scrolled_to(0, roll.geometry.scroll_y_px))
    # items come from the pool; only a view's worth ever exists
    assert roll.note_pool.created <= created + 40
    assert len(window.roll.canvas.find_withtag("note")) < 400


def test_other_tracks_show_faintly_and_selecting_a_track_makes_it_edited(window, d):
    put(window, Note(0, 480, 60))
    window.tracks.add_track()
    window.root.update()
    assert window.document.track_index == 1
    faint = window.roll.faint_pool.item((0, Note(0, 480, 60)))
    faded = palette.current().other_note_fill(palette.TRACK_COLOURS[0])
    assert window.roll.canvas.itemcget(faint, "fill") == faded
    d.click(*d.at(960, 60))
    assert window.document.score.tracks[1].notes == (Note(960, 120, 60),)
    window.tracks.rows[0].select.invoke()
    assert window.document.track_index == 0 and d.shown(Note(0, 480, 60))


def test_drum_track_keyboard_shows_gm_names(window, d):
    window.tracks.add_track(drums=True)
    window.root.update()
    kb = window.roll.keyboard
    assert kb.canvas.itemcget(kb.label_items[38], "text") == "Acoustic Snare"
    window.document.set_track_index(0)
    assert kb.canvas.itemcget(kb.label_items[60], "text") == "C4"


def test_follow_scrolls_the_view_to_the_cursor(window, d):
    roll = window.roll
    roll.set_cursor(48 * 480)
    assert roll.follow_cursor()
    assert (
        roll.geometry.scroll_x_px
        <= roll.geometry.tick_to_x(48 * 480)
        < roll.geometry.scroll_x_px + roll.geometry.width_px
    )
    assert roll.canvas.canvasx(0) == roll.geometry.scroll_x_px
    window.set_follow(False)
    roll.set_cursor(0)
    assert not roll.follow_cursor()


def test_tempo_and_meter_fields_edit_the_score(window):
    window.transport.tempo_var.set("90")
    window.transport.apply_tempo()
    assert window.document.score.tempo_map.bpm_at(0) == pytest.approx(90, abs=0.01)
    window.transport.meter_var.set("3/4")
    window.transport.apply_meter()
    assert window.document.score.time_signatures.at(0).numerator == 3
    window.transport.grid_var.set("1/8T")
    window.transport.apply_grid()
    assert window.roll.grid_ticks == 160


def test_mute_solo_and_sliders_edit_the_track_one_step_each(window):
    row = window.tracks.rows[0]
    row.mute.invoke()
    assert window.document.score.tracks[0].mute is True
    row.solo.invoke()
    assert window.document.score.tracks[0].solo is True
    steps = len(window.document.history._undo)
    row.volume_var.set(64)
    row._commit_slider("volume")  # what releasing the slider does
    assert window.document.score.tracks[0].volume == 64
    assert len(window.document.history._undo) == steps + 1
    d = Driver(window)
    d.key("<Control-z>")
    assert window.document.score.tracks[0].volume == 100 and row.volume_var.get() == 100


def test_instrument_choice_sets_program_and_bank(window):
    window.tracks.set_presets({(0, 0): "Grand", (0, 33): "Finger Bass", (128, 0): "Kit"})
    row = window.tracks.rows[0]
    assert list(row.instrument.cget("values")) == ["000 Grand", "033 Finger Bass"]
    row.instrument_var.set("033 Finger Bass")
    row._choose_instrument()
    track = window.document.score.tracks[0]
    assert (track.bank, track.program) == (0, 33)


def test_help_lists_the_shortcuts(window):
    top = window.show_shortcuts()
    window.root.update()
    content = top.text.get("1.0", "end")
    assert "Ctrl+Shift+Z" in content and "F12" in content and "quantize" in content


def test_open_and_save_round_trip_through_the_window(window, tmp_path):
    from engine.files.project_file import load_project

    d = Driver(window)
    d.click(*d.at(480, 67))
    path = tmp_path / "song.pianola"
    window.save_to(path)
    assert window.root.title() == "song.pianola — Pianola"
    assert load_project(path).tracks[0].notes == (Note(480, 120, 67),)
    window.new_document()
    assert notes(window) == () and d.visible_note_items() == 0
    window.open_path(path)
    assert notes(window) == (Note(480, 120, 67),) and d.shown(Note(480, 120, 67))
    assert not window.document.history.can_undo


def test_escape_during_a_drag_puts_the_notes_back(window, d):
    n = Note(480, 240, 60)
    put(window, n)
    steps = len(window.document.history._undo)
    d.press(*d.at(600, 60))
    d.move(*d.at(1200, 64))
    assert notes(window) != (n,)
    d.key("<Escape>")
    d.release(*d.at(1200, 64))
    assert notes(window) == (n,) and d.shown(n)
    assert len(window.document.history._undo) == steps
    d.click(*d.at(2000, 70))  # the next click adds as usual
    assert len(notes(window)) == 2
