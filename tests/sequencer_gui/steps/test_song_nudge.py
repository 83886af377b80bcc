"""The arrow keys in the song view of the real window under Xvfb: the selection moves a bar
or a track per press, one undo step each, stopped at the song's edges and by placements
in the way; in the piano roll the same keys still move notes."""

import pytest

from engine.core import edits
from engine.core import pattern_edits as pe
from engine.core.score import Note
from sequencer_gui.steps.song_items import NoteKey
from tests.sequencer_gui.steps.steps_helpers import CanvasDriver, drum_window, set_steps

pytestmark = pytest.mark.gui

BAR = 1920


@pytest.fixture
def s(window):
    drum_window(window, tab=1)
    set_steps(window, 0, [0, 4, 8, 12])
    doc = window.document
    score, placement = pe.place_pattern(doc.score, window.steps.session.pattern.id, 1, BAR)
    score, _ = edits.add_notes(score, 0, [Note(100, 400, 60), Note(BAR + 200, 400, 64)])
    doc.apply(score, "set up")
    window.views.select(2)
    window.root.update()
    window.steps.song.select({placement.id})
    window.root.update()
    return CanvasDriver(window.root, window.steps.song.canvas)


def where(window) -> tuple[int, int]:
    (p,) = window.document.score.placements
    return p.track, p.start_tick


def status(window) -> str:
    return window.status.message.cget("text")


def box_left(window) -> float:
    song = window.steps.song
    (p,) = window.document.score.placements
    return round(song.canvas.coords(song.placement_pool.item(p.id))[0], 1)


def test_arrows_move_the_selected_placement_a_bar_or_a_track_one_undo_step_each(window, s):
    doc, g = window.document, window.steps.song.geometry
    s.key("<Right>")
    assert where(window) == (1, 2 * BAR)
    assert doc.history.undo_label == "Move pattern"
    assert box_left(window) == round(g.tick_to_x(2 * BAR) + 1, 1)  # redrawn at once
    s.key("<Up>")
    assert where(window) == (0, 2 * BAR)
    s.key("<Left>")
    s.key("<Left>")
    assert where(window) == (0, 0)
    s.key("<Down>")
    assert where(window) == (1, 0)
    for expected in ((0, 0), (0, BAR), (0, 2 * BAR), (1, 2 * BAR), (1, BAR)):
        s.key("<Control-z>")
        assert where(window) == expected
    assert window.steps.song.selection == {p.id for p in doc.score.placements}


def test_at_the_edges_nothing_moves_and_no_undo_step_is_added(window, s):
    doc = window.document
    s.key("<Left>")
    assert where(window) == (1, 0)
    label = doc.history.undo_label
    s.key("<Left>")  # at the song's start
    assert where(window) == (1, 0) and doc.history.undo_label == label
    assert "start of the song" in status(window)
    s.key("<Down>")  # the drum track is the last
    assert where(window) == (1, 0) and doc.history.undo_label == label
    assert "no track there" in status(window)


def test_a_placement_in_the_way_stops_the_move(window, s):
    doc = window.document
    pattern = window.steps.session.pattern
    score, _ = pe.place_pattern(doc.score, pattern.id, 1, 2 * BAR)
    doc.apply(score, "Place pattern")
    window.root.update()
    before = doc.score
    s.key("<Right>")
    assert doc.score is before
    assert "already placed there" in status(window)


def test_a_selection_of_notes_and_a_placement_moves_together(window, s):
    doc, song = window.document, window.steps.song
    (p,) = doc.score.placements
    song.select({p.id, NoteKey(0, 0)})
    window.root.update()
    s.key("<Right>")
    assert where(window) == (1, 2 * BAR)
    assert [n.start_tick for n in doc.score.tracks[0].notes] == [BAR + 100, 2 * BAR + 200]
    assert doc.history.undo_label == "Move in the song"
    assert song.selection == {p.id, NoteKey(0, BAR)}
    s.key("<Control-z>")
    assert where(window) == (1, BAR)
    assert [n.start_tick for n in doc.score.tracks[0].notes] == [100, BAR + 200]


def test_with_nothing_selected_the_arrows_say_what_to_do(window, s):
    window.steps.song.select(())
    before = window.document.score
    s.key("<Right>")
    assert window.document.score is before
    assert "Select placements" in status(window)


def test_in_the_piano_roll_the_arrows_still_move_notes(window, s):
    doc, roll = window.document, window.roll
    window.views.select(0)
    doc.set_track_index(0)
    window.root.update()
    roll.set_selection({doc.score.tracks[0].notes[0]})
    d = CanvasDriver(window.root, roll.canvas)
    d.key("<Up>")
    assert [n.pitch for n in doc.score.tracks[0].notes] == [61, 64]
    assert where(window) == (1, BAR)
