"""The palette: valid colours in both themes, track colours, velocity shading (pure)."""

import pytest

from engine.core.score import Track
from sequencer_gui import palette


def test_both_themes_are_complete_and_switchable():
    assert set(palette.THEMES) == {"dark", "light"}
    try:
        assert palette.use("light") is palette.LIGHT and palette.current() is palette.LIGHT
        assert palette.use("dark") is palette.DARK
    finally:
        palette.use("dark")
    with pytest.raises(ValueError, match="theme must be one of dark, light"):
        palette.use("sepia")


def test_a_palette_refuses_a_colour_that_is_not_rrggbb():
    from dataclasses import replace

    with pytest.raises(ValueError, match="cursor must be a #rrggbb colour"):
        replace(palette.DARK, cursor="green")


@pytest.mark.parametrize("colours", [palette.DARK, palette.LIGHT], ids=["dark", "light"])
def test_harder_notes_stand_out_more_from_the_rows(colours):
    row = palette.luminance(colours.row_white)
    for colour in palette.TRACK_COLOURS:
        soft = abs(palette.luminance(colours.note_fill(colour, 1)) - row)
        hard = abs(palette.luminance(colours.note_fill(colour, 127)) - row)
        assert hard > soft
        assert colours.note_fill(colour, 127) == colour
        # another track's note is fainter than the edited track's softest note
        faint = abs(palette.luminance(colours.other_note_fill(colour)) - row)
        assert faint < soft


def test_track_colour_is_the_chosen_one_else_the_wheel_by_position():
    wheel = palette.TRACK_COLOURS
    assert palette.track_colour(Track(), 0) == wheel[0]
    assert palette.track_colour(Track(), len(wheel) + 2) == wheel[2]


def test_mix_and_text_on():
    assert palette.mix("#000000", "#ffffff", 0.5) == "#808080"
    assert palette.mix("#102030", "#ffffff", 0) == "#102030"
    assert palette.DARK.text_on("#ffffff") == "#101214"
    assert palette.DARK.text_on("#000000") == "#f4f6f8"
