"""Previews of pattern notes inside the song view's placements, in the real window under
Xvfb: they show the notes the placement plays and follow every edit of it."""

import pytest

from engine.core import edits
from engine.core import pattern_edits as pe
from engine.core.pattern_expand import pass_notes
from sequencer_gui.steps.song_preview import lane_rows, strip_box
from tests.sequencer_gui.steps.steps_helpers import drum_window, set_steps

pytestmark = pytest.mark.gui

BAR = 1920


@pytest.fixture
def song(window):
    drum_window(window, tab=1)
    set_steps(window, 0, [0, 4, 8, 12])
    set_steps(window, 2, [2, 6, 10, 14], velocity=40)
    doc = window.document
    pattern = window.steps.session.pattern
    score, placement = pe.place_pattern(doc.score, pattern.id, 1, BAR)
    doc.apply(score, "Place pattern")
    window.views.select(2)
    window.root.update()
    return window.steps.song


def shown(view) -> dict:
    """Preview key -> (rounded coords, fill) of every preview item shown now."""
    c = view.canvas
    found = {}
    for key in view.preview.pool.keys():
        item = view.preview.pool.item(key)
        if c.itemcget(item, "state") != "hidden":
            found[key] = (tuple(round(v, 1) for v in c.coords(item)), c.itemcget(item, "fill"))
    return found


def expected_lefts(view, start_tick: int, passes: int = 1) -> list[float]:
    """Where the placement's notes start on the canvas, pass by pass, left to right."""
    score = view.document.score
    (placement,) = score.placements
    pattern = score.pattern(placement.pattern_id)
    g = view.geometry
    lefts = []
    for r in range(passes):
        origin = start_tick + r * pattern.pass_ticks(score.ppq)
        for note in pass_notes(pattern, r, origin, score.ppq, score.seed):
            lefts.append(round(max(g.tick_to_x(start_tick) + 2, g.tick_to_x(note.start_tick)), 1))
    return sorted(lefts)


def lefts(view) -> list[float]:
    return sorted(coords[0] for coords, _fill in shown(view).values())


def placement_id(view) -> str:
    (placement,) = view.document.score.placements
    return placement.id


def test_a_placement_previews_the_notes_it_plays_in_lane_rows_under_its_name(window, song):
    items = shown(song)
    assert lefts(song) == expected_lefts(song, BAR)
    g = song.geometry
    box = g.box(song.boxes()[0])
    top, bottom = strip_box(box)
    for (x0, y0, x1, y1), _fill in items.values():
        assert box[0] < x0 < x1 <= box[2] and top <= y0 < y1 <= bottom
    # two lanes in use: the kick's row over the hats', the quiet hats paler than the kick
    rows = lane_rows(window.steps.session.pattern)
    assert len(rows) == 2
    kick_y = {coords[1] for coords, _ in items.values() if coords[0] == lefts(song)[0]}
    fills = {coords[1]: fill for coords, fill in items.values()}
    (hat_y,) = {y for y in fills if y not in kick_y}
    assert min(kick_y) < hat_y and fills[hat_y] != fills[min(kick_y)]
    label = song.canvas.coords(song.label_pool.item(placement_id(song)))
    assert label[1] < top  # the name sits above the strip, not over the notes


def test_the_preview_follows_step_edits_moves_repeats_and_recolouring(window, song):
    doc = window.document
    set_steps(window, 1, [4, 12])  # a step edit in the grid: a new row, two new notes
    assert len(shown(song)) == 10 and lefts(song) == expected_lefts(song, BAR)

    doc.apply(pe.move_placement(doc.score, placement_id(song), start_tick=3 * BAR), "Move pattern")
    window.root.update()
    assert lefts(song) == expected_lefts(song, 3 * BAR)

    doc.apply(pe.set_placement_repeats(doc.score, placement_id(song), 3), "Repeat pattern")
    window.root.update()
    assert len(shown(song)) == 30 and lefts(song) == expected_lefts(song, 3 * BAR, passes=3)

    before = {fill for _coords, fill in shown(song).values()}
    doc.apply(edits.update_track(doc.score, 1, colour="#2040e0"), "Track colour")
    window.root.update()
    after = {fill for _coords, fill in shown(song).values()}
    assert after and after.isdisjoint(before)

    created = song.preview.pool.created
    doc.undo()
    doc.undo()
    window.root.update()
    assert lefts(song) == expected_lefts(song, 3 * BAR)
    assert song.preview.pool.created == created  # undo reuses items, it makes none

    doc.apply(pe.remove_placement(doc.score, placement_id(song)), "Remove")
    window.root.update()
    assert shown(song) == {}


def test_zoomed_far_out_passes_too_narrow_to_read_show_no_preview(window, song):
    for _ in range(12):
        song.zoom(0.8)
    window.root.update()
    assert shown(song) == {}
    for _ in range(12):
        song.zoom(1.25)
    window.root.update()
    assert lefts(song) == expected_lefts(song, BAR)
