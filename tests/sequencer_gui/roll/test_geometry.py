"""The roll's pure geometry: conversions, snapping, grid lines, hit-testing (no display)."""

from hypothesis import given
from hypothesis import strategies as st

from engine.core.gm_drums import GM_DRUM_NAMES, key_label, note_name
from engine.core.score import Note, Track
from engine.core.timing import TimeSignature, TimeSignatureMap
from sequencer_gui.roll.geometry import Hit, RollGeometry, grid_choices, snap_tick, snap_tick_down

G = RollGeometry(ppq=480, pixels_per_quarter=96, key_height_px=10, width_px=960, height_px=400)


def test_grid_choices_run_from_whole_to_thirty_second_with_triplets():
    choices = dict(grid_choices(480))
    assert choices["1/1"] == 1920 and choices["1/4"] == 480 and choices["1/32"] == 60
    assert choices["1/8T"] == 160 and choices["1/32T"] == 40
    labels = [label for label, _ in grid_choices(480)]
    assert labels[0] == "1/1" and labels[-1] == "1/32T" and len(labels) == 12


def test_grid_choices_leave_out_divisions_that_are_not_whole_ticks():
    ticks = dict(grid_choices(25))  # 100 ticks per whole note
    assert "1/32" not in ticks and "1/4" in ticks
    assert all(isinstance(t, int) and t > 0 for t in ticks.values())


def test_snap_rounds_to_nearest_and_down_to_cell_start():
    assert snap_tick(230, 120) == 240 and snap_tick(170, 120) == 120
    assert snap_tick_down(239, 120) == 120 and snap_tick_down(-5, 120) == 0
    assert snap_tick(17.4, 1) == 17


@given(st.integers(0, 10**7), st.sampled_from([t for _, t in grid_choices(480)]))
def test_snap_lands_on_grid_within_half_a_step(tick, grid):
    s = snap_tick(tick, grid)
    assert s % grid == 0 and abs(s - tick) <= grid / 2
    d = snap_tick_down(tick, grid)
    assert d % grid == 0 and d <= tick < d + grid


@given(st.integers(0, 127))
def test_pitch_y_round_trip(pitch):
    y = G.pitch_to_y(pitch)
    assert G.y_to_pitch(y) == pitch and G.y_to_pitch(y + 9.9) == pitch


def test_tick_x_conversion_and_clamping():
    assert G.tick_to_x(480) == 96 and G.x_to_tick(96) == 480
    assert G.x_to_tick(-50) == 0 and G.y_to_pitch(-3) == 127 and G.y_to_pitch(10**6) == 0


def test_zoom_keeps_the_tick_under_the_mouse():
    g = G.scrolled_to(1000, 0)
    anchor = 300
    before = g.x_to_tick(g.scroll_x_px + anchor)
    z = g.zoomed(2.0, anchor)
    assert z.pixels_per_quarter == 192
    assert abs(z.x_to_tick(z.scroll_x_px + anchor) - before) <= z.ppq / z.pixels_per_quarter
    assert G.zoomed(10**6).pixels_per_quarter == RollGeometry.MAX_PIXELS_PER_QUARTER


def test_scroll_is_clamped_to_the_world():
    g = G.scrolled(-100, 10**6)
    assert g.scroll_x_px == 0 and g.scroll_y_px == 128 * 10 - 400


def test_visible_range_and_follow():
    g = G.scrolled_to(960, 0)
    assert g.visible_ticks()[0] == 4800 and g.visible_ticks()[1] >= 9600
    assert g.follow(5000) is g
    assert g.follow(20000).scroll_x_px == 20000 * 96 // 480


def test_grid_lines_mark_bars_beats_and_grid_steps():
    lines = dict(G.grid_lines(TimeSignatureMap(), 240))
    assert lines[0] == "bar" and lines[1920] == "bar"
    assert lines[480] == "beat" and lines[240] == "grid"
    assert max(lines) < G.visible_ticks()[1]


def test_grid_lines_follow_a_change_of_meter():
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(1920, 3, 4)))
    g = G.zoomed(0.25)
    bars = [t for t, kind in g.grid_lines(sigs, 480) if kind == "bar"]
    assert bars[:4] == [0, 1920, 1920 + 1440, 1920 + 2880]


def test_grid_lines_thin_out_when_zoomed_far_out():
    far = RollGeometry(pixels_per_quarter=2, width_px=800)
    kinds = {kind for _, kind in far.grid_lines(TimeSignatureMap(), 60)}
    assert kinds == {"bar"}


def test_hit_note_tells_body_from_edges():
    n = Note(480, 480, 60)
    track = Track(notes=(n, Note(0, 240, 62)))
    x0, y0, x1, y1 = G.note_box(n)
    mid_y = (y0 + y1) / 2
    assert G.hit_note(track, (x0 + x1) / 2, mid_y) == Hit(n, "body")
    assert G.hit_note(track, x1 - 1, mid_y) == Hit(n, "end")
    assert G.hit_note(track, x0 + 1, mid_y) == Hit(n, "start")
    assert G.hit_note(track, x1 + 20, mid_y) is None
    assert G.hit_note(track, (x0 + x1) / 2, mid_y + 10) is None  # the row below


def test_a_tiny_note_is_all_body_so_it_can_still_be_moved():
    n = Note(480, 10, 60)
    x0, y0, _, _ = G.note_box(n)
    assert G.hit_note(Track(notes=(n,)), x0 + 1, y0 + 2) == Hit(n, "body")


def test_overlapping_notes_hit_the_later_one():
    a, b = Note(0, 960, 60), Note(240, 480, 60)
    x = G.tick_to_x(400)
    assert G.hit_note(Track(notes=(a, b)), x, G.pitch_to_y(60) + 2).note == b


def test_rubber_band_selects_touched_notes_in_any_corner_order():
    inside, outside, other_row = Note(480, 240, 60), Note(4800, 240, 60), Note(480, 240, 70)
    track = Track(notes=(inside, outside, other_row))
    y = G.pitch_to_y(60) + 5
    x0, x1 = G.tick_to_x(400), G.tick_to_x(600)
    assert G.notes_in_rect(track, x1, y + 3, x0, y) == [inside]
    assert G.notes_in_rect(track, 0, 0, 10**6, 10**6) == list(track.notes)


def test_hit_testing_finds_every_note_of_a_ten_thousand_note_track():
    notes = [Note(i * 120, 100, 36 + i % 48) for i in range(10_000)]
    track = Track(notes=tuple(notes))
    for i in range(0, 10_000, 10):
        n = notes[i]
        x0, y0, x1, _ = G.note_box(n)
        assert G.hit_note(track, (x0 + x1) / 2, y0 + 2).note == n


def test_drum_names_and_note_names():
    assert GM_DRUM_NAMES[36] == "Bass Drum 1" and GM_DRUM_NAMES[42] == "Closed Hi-Hat"
    assert len(GM_DRUM_NAMES) == 81 - 35 + 1
    assert note_name(60) == "C4" and note_name(61) == "C#4" and note_name(0) == "C-1"
    assert key_label(38, True) == "Acoustic Snare" and key_label(38, False) == "D2"
