"""The step grid's and the song view's pure geometry: columns, beat groups, hit-testing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.timing import TimeSignature, TimeSignatureMap
from sequencer_gui.steps.grid_geometry import (
    MAX_CELL_PX,
    MIN_CELL_PX,
    GridGeometry,
    GridHit,
    steps_per_group,
)
from sequencer_gui.steps.song_geometry import (
    PlacementBox,
    SongGeometry,
    SongHit,
    nearest_bar,
    repeats_for_end,
    snap_to_bar,
)


def grid(**kw) -> GridGeometry:
    base = dict(columns=16, lane_count=4, steps_per_beat=4, steps_per_bar=16, width_px=800)
    base.update(kw)
    return GridGeometry(**base)


# ---------------------------------------------------------------------- beat grouping
@pytest.mark.parametrize(
    "step_ticks, beat_ticks, expected",
    [
        (120, 480, 4),  # 1/16 in 4/4
        (240, 480, 2),  # 1/8
        (480, 480, 1),  # 1/4
        (80, 480, 6),  # 1/16 triplets
        (160, 480, 3),  # 1/8 triplets
        (40, 480, 12),  # 1/32 triplets
        (120, 240, 2),  # 1/16 in 6/8 (an eighth-note beat)
        (480, 240, 1),  # a step longer than the beat is its own group
    ],
)
def test_steps_per_group(step_ticks, beat_ticks, expected):
    assert steps_per_group(step_ticks, beat_ticks) == expected


def test_steps_per_group_refuses_nonsense():
    with pytest.raises(ValueError, match="positive"):
        steps_per_group(0, 480)


# ---------------------------------------------------------------------- columns
def test_columns_fill_the_width_and_beats_leave_a_gap():
    g = grid()
    assert MIN_CELL_PX <= g.cell_px <= MAX_CELL_PX
    # four cells of a beat touch; the next beat starts a gap later
    assert g.step_x(1) - g.step_x(0) == g.cell_px
    assert g.step_x(4) - g.step_x(3) == g.cell_px + g.beat_gap_px
    assert g.world_width_px <= 800


def test_cell_width_is_clamped_for_long_patterns_and_wide_windows():
    assert grid(columns=64, width_px=400).cell_px == MIN_CELL_PX
    assert grid(columns=4, width_px=3000).cell_px == MAX_CELL_PX


@given(
    columns=st.integers(1, 64),
    per_beat=st.integers(1, 12),
    width=st.integers(200, 2400),
)
def test_x_to_step_inverts_step_x_everywhere_in_a_cell(columns, per_beat, width):
    g = grid(columns=columns, steps_per_beat=per_beat, steps_per_bar=per_beat * 4, width_px=width)
    for step in range(columns):
        assert g.x_to_step(g.step_x(step)) == step
        assert g.x_to_step(g.step_end_x(step) - 0.5) == step
        assert g.x_to_step(g.step_centre_x(step)) == step
    assert g.x_to_step(g.header_px - 1) is None
    assert g.x_to_step(g.step_end_x(columns - 1) + g.beat_gap_px + 1) is None


def test_a_beat_gap_belongs_to_the_step_before_it():
    g = grid()
    assert g.x_to_step(g.step_end_x(3) + 1) == 3
    assert g.x_to_step_clamped(g.header_px - 30) == 0
    assert g.x_to_step_clamped(g.world_width_px + 50) == 15


def test_length_handle_positions_round_trip():
    g = grid(columns=16)
    for n in range(1, 65):
        assert g.x_to_length(g.boundary_x(n)) == n
    assert g.x_to_length(g.boundary_x(5) + 3) == 5
    assert g.x_to_length(-100) == 1


def test_cells_and_levels_stay_inside_their_slot():
    g = grid()
    x0, y0, x1, y1 = g.cell_box(2, 5)
    assert g.step_x(5) <= x0 < x1 <= g.step_end_x(5)
    assert g.lane_y(2) <= y0 < y1 <= g.lane_y(3)
    full = g.level_box(2, 5, 1.0)
    half = g.level_box(2, 5, 0.5)
    low = g.level_box(2, 5, 0.0)
    assert full == (x0, y0, x1, y1)
    assert y0 < half[1] < y1 and half[3] == y1
    assert y1 - low[1] == 2  # even the softest step stays visible


def test_beat_starts_mark_bars():
    g = grid(columns=32, steps_per_beat=4, steps_per_bar=16)
    assert g.beat_starts()[:5] == [(0, "bar"), (4, "beat"), (8, "beat"), (12, "beat"), (16, "bar")]


def test_geometry_refuses_bad_values():
    with pytest.raises(ValueError, match="columns"):
        grid(columns=65)
    with pytest.raises(ValueError, match="steps per beat"):
        grid(steps_per_beat=0)
    with pytest.raises(ValueError, match="lane height"):
        grid(lane_height_px=4)


# ---------------------------------------------------------------------- hit-testing
def test_hit_finds_cells_buttons_names_and_the_length_handle():
    g = grid(lane_count=3)
    lengths = (16, 12, 16)
    mid = g.lane_height_px // 2
    assert g.hit(g.step_centre_x(5), g.lane_y(1) + mid, lengths) == GridHit("cell", 1, 5)
    for which in ("mute", "solo"):
        x0, y0, x1, y1 = g.button_box(2, which)
        assert g.hit((x0 + x1) / 2, (y0 + y1) / 2, lengths) == GridHit(which, 2)
    assert g.hit(10, g.lane_y(0) + mid, lengths) == GridHit("name", 0)
    # lane 1 is 12 steps long: its handle sits after step 11, its step 13 is no cell
    assert g.hit(g.boundary_x(12) + 2, g.lane_y(1) + mid, lengths) == GridHit("length", 1)
    assert g.hit(g.step_centre_x(13), g.lane_y(1) + mid, lengths) is None
    assert g.hit(g.step_centre_x(13), g.lane_y(0) + mid, lengths) == GridHit("cell", 0, 13)
    assert g.hit(g.step_centre_x(0), g.lane_y(3) + 1, lengths) is None  # below the lanes


# ---------------------------------------------------------------------- song view
def test_song_ticks_and_rows():
    s = SongGeometry(bar_px=48, track_count=3)
    assert s.tick_to_x(0) == s.header_px
    assert s.tick_to_x(1920) == s.header_px + 48
    assert s.x_to_tick(s.tick_to_x(960)) == 960
    assert s.x_to_tick(0) == 0
    assert s.y_to_track(s.track_y(2) + 1) == 2
    assert s.y_to_track(s.ruler_px - 1) is None
    assert s.y_to_track(s.track_y(3) + 1) is None
    assert s.y_to_track_clamped(10_000) == 2


def test_song_hit_body_end_and_empty():
    s = SongGeometry(bar_px=48, track_count=2)
    a = PlacementBox("a", 0, 0, 3840)  # two bars
    b = PlacementBox("b", 1, 1920, 1920 + 480)  # a quarter-bar pattern
    y0 = s.track_y(0) + 10
    y1 = s.track_y(1) + 10
    assert s.hit(s.tick_to_x(960), y0, (a, b)) == SongHit("body", 0, 960, "a")
    x_end = s.box(a)[2]
    assert s.hit(x_end - 2, y0, (a, b)).part == "end"
    assert s.hit(x_end + 3, y0, (a, b)).part == "empty"  # just past it: the next bar
    assert s.hit(s.tick_to_x(5000), y0, (a, b)) == SongHit(
        "empty", 0, s.x_to_tick(s.tick_to_x(5000))
    )
    # the short placement's end is still grabbable
    assert s.hit(s.box(b)[2], y1, (a, b)).key == "b"
    assert s.hit(s.box(b)[2], y1, (a, b)).part == "end"
    assert s.hit(10, y0, (a, b)) is None  # the header
    assert s.hit(s.tick_to_x(0), 3, (a, b)) is None  # the ruler


def test_song_hit_prefers_the_placement_starting_last():
    s = SongGeometry(track_count=1)
    early, late = PlacementBox("early", 0, 0, 7680), PlacementBox("late", 0, 1920, 3840)
    assert s.hit(s.tick_to_x(2500), s.track_y(0) + 5, (late, early)).key == "late"


def test_bars_snap_through_time_signature_changes():
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(3840, 3, 4)))
    assert snap_to_bar(1000, sigs, 480) == 0
    assert snap_to_bar(3840 + 1500, sigs, 480) == 3840 + 1440  # 3/4 bars are 1440 ticks
    assert nearest_bar(1000, sigs, 480) == 1920
    assert nearest_bar(900, sigs, 480) == 0
    assert repeats_for_end(0, 1920 * 2.6, 1920) == 3
    assert repeats_for_end(0, -50, 1920) == 1
    with pytest.raises(ValueError, match="at least one tick"):
        repeats_for_end(0, 10, 0)


def test_song_zoom_is_clamped():
    s = SongGeometry()
    assert s.zoomed(100).bar_px == SongGeometry.MAX_BAR_PX
    assert s.zoomed(0.001).bar_px == SongGeometry.MIN_BAR_PX


def test_song_hit_prefers_a_placement_over_a_note_block_it_covers():
    g = SongGeometry(track_count=2)
    block = PlacementBox("notes", 0, 0, 4 * 1920, layer=0)
    placement = PlacementBox("p", 0, 1920, 2 * 1920)
    x, y = g.tick_to_x(1920 + 400), g.track_y(0) + 10
    assert g.hit(x, y, [placement, block]).key == "p"
    assert g.hit(x, y, [block, placement]).key == "p"
    assert g.hit(g.tick_to_x(3 * 1920), y, [block, placement]).key == "notes"


def test_a_rubber_band_touches_boxes_whichever_corner_it_starts_from():
    g = SongGeometry(track_count=3)
    boxes = [
        PlacementBox("a", 0, 0, 1920),
        PlacementBox("b", 1, 3840, 5760),
        PlacementBox("c", 2, 0, 1920),
    ]
    band = (g.tick_to_x(4000), g.track_y(0) + 5, g.tick_to_x(100), g.track_y(1) + 5)
    assert sorted(g.in_band(band, boxes)) == ["a", "b"]
    assert g.in_band((0, 0, 1, 1), boxes) == []


def test_lit_runs_join_neighbouring_lanes_on_one_step():
    from sequencer_gui.steps.grid_looks import lit_runs

    assert lit_runs({i: 5 for i in range(8)}, 8, 16) == [(0, 7, 5)]
    # a lane of its own length elsewhere splits the column; lanes off the grid are left out
    steps = {0: 5, 1: 5, 2: 1, 3: 5, 4: 5, 9: 5, 5: 40}
    assert lit_runs(steps, 8, 16) == [(0, 1, 5), (2, 2, 1), (3, 4, 5)]
    assert lit_runs({}, 8, 16) == []
