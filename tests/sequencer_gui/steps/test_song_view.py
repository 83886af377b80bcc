"""The song view in the real window under Xvfb: place, move, extend, delete, undo/redo;
and the piano roll showing the placed pattern's notes read-only."""

import pytest

from engine.core.pattern_expand import arrangement_notes
from sequencer_gui.steps import colours
from tests.sequencer_gui.steps.steps_helpers import CanvasDriver, drum_window, set_steps

pytestmark = pytest.mark.gui

BAR = 1920


@pytest.fixture
def s(window):
    drum_window(window, tab=1)
    set_steps(window, 0, [0, 4, 8, 12])
    window.views.select(2)
    window.root.update()
    return CanvasDriver(window.root, window.steps.song.canvas)


def cell(window, track: int, tick: int) -> tuple[float, float]:
    g = window.steps.song.geometry
    return g.tick_to_x(tick) + 3, g.track_y(track) + g.row_height_px / 2


def placements(window):
    return window.document.score.placements


def test_click_places_the_selected_pattern_on_the_bar_line(window, s):
    pattern = window.steps.session.pattern
    s.click(*cell(window, 1, 2 * BAR + 700))  # inside bar 3
    (p,) = placements(window)
    assert (p.pattern_id, p.track, p.start_tick, p.repeats) == (pattern.id, 1, 2 * BAR, 1)
    assert window.document.history.undo_label == "Place pattern"
    item = window.steps.song.placement_pool.item(p.id)
    x0, y0, x1, y1 = window.steps.song.geometry.box(window.steps.song.boxes()[0])
    assert [round(v) for v in s.canvas.coords(item)] == [round(x0), round(y0), round(x1), round(y1)]
    s.key("<Control-z>")
    assert placements(window) == ()
    assert s.canvas.itemcget(item, "state") == "hidden"
    s.key("<Control-y>")
    assert len(placements(window)) == 1


def test_drag_moves_a_placement_to_another_bar_and_track(window, s):
    s.click(*cell(window, 1, 0))
    s.drag(cell(window, 1, 200), cell(window, 0, 3 * BAR + 200))
    (p,) = placements(window)
    assert (p.track, p.start_tick) == (0, 3 * BAR)
    assert window.document.history.undo_label == "Move pattern"
    s.key("<Control-z>")
    (p,) = placements(window)
    assert (p.track, p.start_tick) == (1, 0)


def test_dragging_the_end_extends_into_repeats(window, s):
    s.click(*cell(window, 1, 0))
    g = window.steps.song.geometry
    end_x = g.box(window.steps.song.boxes()[0])[2]
    y = g.track_y(1) + g.row_height_px / 2
    s.drag((end_x, y), (g.tick_to_x(4 * BAR), y))
    (p,) = placements(window)
    assert p.repeats == 4
    assert window.document.history.undo_label == "Repeat pattern"
    label = window.steps.song.label_pool.item(p.id)
    assert s.canvas.itemcget(label, "text").endswith("×4")
    s.key("<Control-z>")
    assert placements(window)[0].repeats == 1


def test_a_move_onto_another_placement_stops_where_it_fitted(window, s):
    s.click(*cell(window, 1, 0))
    s.click(*cell(window, 1, 2 * BAR))
    s.drag(cell(window, 1, 2 * BAR + 100), cell(window, 1, 100))  # onto the first
    starts = sorted(p.start_tick for p in placements(window))
    assert starts == [0, BAR]  # it stopped in bar 2, the last place it fitted


def test_right_click_and_delete_remove_placements(window, s):
    s.click(*cell(window, 1, 0))
    s.click(*cell(window, 1, BAR))
    s.click(*cell(window, 1, 100), button=3)
    assert [p.start_tick for p in placements(window)] == [BAR]
    assert window.document.history.undo_label == "Remove pattern placement"
    s.click(*cell(window, 1, BAR + 100))  # select it
    s.key("<Delete>")
    assert placements(window) == ()
    s.key("<Control-z>")
    s.key("<Control-z>")
    assert len(placements(window)) == 2


def test_the_roll_shows_pattern_notes_read_only_in_their_colour(window, s):
    s.click(*cell(window, 1, 0))
    window.views.select(0)
    window.root.update()
    roll = window.roll
    roll.set_geometry(roll.geometry.centred_on_pitch(40))  # the kick and snare rows in view
    expected = arrangement_notes(window.document.score, 1)
    assert len(expected) == 4
    overlay = window.steps.overlay
    assert overlay.boxes() == {
        tuple(round(v, 3) for v in roll.geometry.note_box(note)) for note in expected
    }
    for key in overlay.pool.keys():
        assert roll.canvas.itemcget(
            overlay.pool.item(key), "fill"
        ) == colours.current().pattern_note_fill(roll.track_colour())
    assert roll.track.notes == ()  # they are not notes of the track: the roll cannot edit them
    # a step edit shows in the roll: at once when both are in view, here when it shows again
    window.views.select(1)
    window.root.update()
    set_steps(window, 0, [2])
    window.views.select(0)
    window.root.update()
    assert len(overlay.pool) == 5
    set_steps(window, 0, [6])
    assert len(overlay.pool) == 6


def test_clicking_a_track_header_edits_that_track(window, s):
    g = window.steps.song.geometry
    s.click(20, g.track_y(0) + 5)
    assert window.document.track_index == 0


def test_a_song_whose_drums_are_patterns_opens_on_the_drum_track(window):
    from dataclasses import replace

    from engine.core import pattern_edits as pe
    from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Note, Score, Track

    score = Score(
        tracks=(
            Track(name="Pad", notes=(Note(7680, 480, 60),)),  # music only from bar 5
            Track(name="Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True),
        )
    )
    pattern = pe.new_pattern("Beat")
    score = pe.add_pattern(score, pattern)
    score, _ = pe.place_pattern(score, pattern.id, 1, 0, 4)
    window.document.replace(replace(score), None)
    window.root.update()
    assert window.document.track_index == 1


def test_a_click_on_a_pattern_note_in_the_roll_shows_its_step_and_adds_nothing(window, s):
    from tests.sequencer_gui.steps.steps_helpers import CanvasDriver

    s.click(*cell(window, 1, 2 * BAR))  # bar 3; the kick lane plays steps 0, 4, 8, 12
    set_steps(window, 1, [6])  # and the snare step 6 (this also selects the placement anew)
    window.views.select(0)
    window.root.update()
    roll = window.roll
    roll.set_geometry(roll.geometry.centred_on_pitch(40))
    window.root.update()
    g = roll.geometry
    snare = 2 * BAR + 6 * 120  # step 7 of the pass in bar 3
    x, y = g.tick_to_x(snare + 30), g.pitch_to_y(38) + g.key_height_px / 2
    before = window.document.score
    r = CanvasDriver(window.root, roll.canvas)
    vx, vy = r.view(x, y)
    roll.canvas.event_generate("<Motion>", x=vx, y=vy)
    window.root.update()
    assert roll.canvas.cget("cursor") == "hand2"  # not the pencil: nothing is added here
    r.click(x, y, button=3)  # right-click deletes a note of the roll: not this one
    assert window.document.score is before
    assert "step 7 of" in window.status.message.cget("text")
    window.set_status("")
    r.click(x, y)
    assert window.document.score is before  # no note added, nothing to undo
    assert roll.track.notes == ()
    assert window.steps.song.selection == {placements(window)[0].id}
    assert window.steps.panel.grid_view.cursor == (1, 6)
    text = window.status.message.cget("text")
    assert "step 7 of" in text and "step grid" in text
    assert window.views.index("current") == 0
    vx, vy = r.view(x, y)
    for t in (90_000, 90_100):  # a double-click opens the step grid on it
        roll.canvas.event_generate("<ButtonPress-1>", x=vx, y=vy, time=t)
        roll.canvas.event_generate("<ButtonRelease-1>", x=vx, y=vy, time=t + 20)
    window.root.update()
    assert window.views.index("current") == 1
    assert window.document.score is before
    assert window.steps.panel.grid_view.cursor == (1, 6)
    # beside a pattern note the roll still adds notes as ever
    window.views.select(0)
    window.root.update()
    r.click(g.tick_to_x(snare + 240 + 30), y)
    assert len(roll.track.notes) == 1
