"""Folded rows, vertical zoom and zoom to fit in the pure geometry; scales and drum maps (pure)."""

import pytest

from engine.core.gm_drums import GM_DRUM_NAMES
from engine.core.score import Note, Track
from sequencer_gui.roll.geometry import RollGeometry
from sequencer_gui.roll.rows import RowStyle, folded_rows, in_scale, row_kind


def test_a_folded_roll_maps_only_its_rows_and_back():
    g = RollGeometry(key_height_px=10, rows=(72, 67, 64, 60))
    assert g.world_height_px == 40
    assert [g.pitch_to_y(p) for p in (72, 67, 64, 60)] == [0, 10, 20, 30]
    assert [g.y_to_pitch(y) for y in (0, 15, 25, 39, 500)] == [72, 67, 64, 60, 60]
    assert g.shows(64) and not g.shows(65)
    assert g.pitch_to_y(65) < 0  # above the world: never in view
    with pytest.raises(ValueError, match="highest first"):
        RollGeometry(rows=(60, 72))


def test_vertical_zoom_keeps_the_row_under_the_anchor():
    g = RollGeometry(key_height_px=12, height_px=400).centred_on_pitch(60)
    anchor = 100
    pitch = g.y_to_pitch(g.scroll_y_px + anchor)
    z = g.zoomed_vertically(1.5, anchor)
    assert z.key_height_px == 18
    assert z.y_to_pitch(z.scroll_y_px + anchor) == pitch
    assert g.zoomed_vertically(0.1).key_height_px == 4  # clamped


def test_fit_shows_the_range_filling_the_view():
    g = RollGeometry(width_px=800, height_px=480)
    f = g.fitted(1920, 3840, 55, 70)
    start, end = f.visible_ticks()
    low, high = f.visible_pitches()
    assert start <= 1920 and end >= 3840 and (end - start) < 2500
    assert low <= 55 and high >= 70 and high - low < 40


def test_scales_and_row_kinds():
    assert [p for p in range(60, 72) if in_scale(p, 0, "Major")] == [60, 62, 64, 65, 67, 69, 71]
    assert in_scale(57, 9, "Natural minor") and not in_scale(58, 9, "Natural minor")
    style = RowStyle(scale="Major", root=2)  # D major
    assert row_kind(62, False, style) == "root"
    assert row_kind(66, False, style) == "white" and row_kind(65, False, style) == "out"
    assert row_kind(61, False, RowStyle()) == "black"
    assert row_kind(61, True, RowStyle()) == "white"  # a drum map has no piano striping
    with pytest.raises(ValueError, match="scale must be one of"):
        RowStyle(scale="Klingon")


def test_folding_keeps_every_note_and_a_drum_map_shows_its_kit():
    track = Track(notes=(Note(0, 10, 61),))  # C#: out of C major
    rows = folded_rows(track, RowStyle(scale="Major", root=0, fold=True))
    assert 61 in rows and 60 in rows and 63 not in rows
    assert folded_rows(track, RowStyle(scale="Major")) == ()  # highlighted, not folded
    drums = Track(is_drum=True, notes=(Note(0, 10, 20),))
    kit = folded_rows(drums, RowStyle())
    assert set(kit) == set(GM_DRUM_NAMES) | {20}
    assert folded_rows(drums, RowStyle(all_drum_rows=True)) == ()
