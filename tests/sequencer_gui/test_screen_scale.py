"""Choosing the DPI the window draws at (pure)."""

from sequencer_gui.screen_scale import choose_dpi, parse_xft_dpi


def test_xft_dpi_is_read_from_the_resource_database():
    text = "Xcursor.size:\t24\nXft.antialias:\t1\nXft.dpi:\t192\n"
    assert parse_xft_dpi(text) == 192.0
    assert parse_xft_dpi("Xft.dpi:\tlots\n") is None
    assert parse_xft_dpi("Xft.hinting: 1\n") is None
    assert parse_xft_dpi("Xft.dpi: 5\n") is None  # nonsense is ignored


def test_dpi_comes_from_the_override_then_the_desktop_then_the_server():
    assert choose_dpi("144", 192.0, "2", 96.0) == 144.0
    assert choose_dpi("oops", 192.0, None, 96.0) == 192.0
    assert choose_dpi(None, 96.0, "2", 96.0) == 192.0  # GNOME's 200 %: Xft.dpi 96, GDK_SCALE 2
    assert choose_dpi(None, None, None, 101.6) == 101.6
    # an invented physical size (a VNC server's 30 DPI) gives the 96-DPI default
    assert choose_dpi(None, None, None, 30.0) == 96.0
