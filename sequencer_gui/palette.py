"""Pianola's colours: one palette for the widgets and the canvases, dark and light (pure).

Every colour the window shows comes from the palette in use (``current()``): the ttk
styles (``sequencer_gui.theme``) and the canvases of the roll, the track list and the
step views read the same values, so a theme switch recolours all of them alike.

Notes take their track's colour, brighter the harder they are played; another track's
notes are its colour faded into the background.  Colour arithmetic is pure so tests can
check an item's fill against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

# Twelve hues that stay apart on both backgrounds (Bitwig and Ableton use such a wheel).
TRACK_COLOURS = (
    "#e8685a",
    "#f0a040",
    "#e3c84a",
    "#8ccf5a",
    "#46c79a",
    "#4fb8e6",
    "#6f8cf0",
    "#a57cf0",
    "#e07cc6",
    "#c99f74",
    "#5fd0cf",
    "#b6c46a",
)


def is_colour(text: str) -> bool:
    """True for a ``#rrggbb`` colour."""
    return isinstance(text, str) and bool(_HEX.match(text))


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@lru_cache(maxsize=8192)  # a redraw asks for the same few hundred mixes over and over
def mix(a: str, b: str, f: float) -> str:
    """The colour ``f`` of the way from ``a`` to ``b`` (0 gives a, 1 gives b)."""
    f = max(0.0, min(1.0, f))
    return "#{:02x}{:02x}{:02x}".format(*(round(x + (y - x) * f) for x, y in zip(_rgb(a), _rgb(b))))


def luminance(colour: str) -> float:
    """Relative luminance 0..1 (sRGB weights), to pick readable text on a colour."""
    r, g, b = _rgb(colour)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@dataclass(frozen=True, slots=True)
class Palette:
    """All colours of one theme."""

    name: str
    # widgets
    window: str  # panel background
    raised: str  # buttons, headers
    field: str  # entries, lists
    border: str
    text: str
    text_dim: str
    accent: str  # focus ring, selected widget, slider trough fill
    accent_text: str
    mute: str  # a muted track's M button
    solo: str  # a soloed track's S button
    # canvases
    canvas: str  # behind lanes, ruler, keyboard
    row_white: str
    row_black: str
    row_out_of_scale: str
    row_root: str  # the rows of the scale's root note
    grid_bar: str
    grid_beat: str
    grid_line: str
    ruler_text: str
    note_outline: str
    note_text: str
    selected_fill: str
    selected_outline: str
    playing_fill: str
    cursor: str
    loop_fill: str
    loop_ruler_on: str
    loop_ruler_off: str
    rubber_band: str
    key_white: str
    key_black: str
    key_line: str
    key_text_white: str
    key_text_black: str
    key_pressed: str
    tempo: str  # tempo changes on the ruler's lane
    meter: str  # time-signature changes
    marker: str
    meter_low: str  # level meter up to -12 dBFS
    meter_mid: str  # up to -3 dBFS
    meter_high: str  # above -3 dBFS (close to clipping)
    meter_back: str

    def __post_init__(self):
        for f in fields(self):
            if f.name != "name" and not is_colour(getattr(self, f.name)):
                raise ValueError(
                    f"{f.name} must be a #rrggbb colour, not {getattr(self, f.name)!r}"
                )

    # -------------------------------------------------------------- derived colours
    def note_fill(self, colour: str, velocity: int) -> str:
        """A note of a track of ``colour`` played at ``velocity`` (1..127): faint to full."""
        f = (max(1, min(127, velocity)) - 1) / 126
        return mix(self.row_white, colour, 0.38 + 0.62 * f)

    def other_note_fill(self, colour: str, playing: bool = False) -> str:
        """Another track's note: its colour faded into the rows (less faded while it sounds)."""
        return mix(self.row_white, colour, 0.62 if playing else 0.26)

    def text_on(self, colour: str) -> str:
        """Dark or light text, whichever reads on ``colour``."""
        return "#101214" if luminance(colour) > 0.5 else "#f4f6f8"


DARK = Palette(
    name="dark",
    window="#1f2227",
    raised="#2c3038",
    field="#16181c",
    border="#3b4049",
    text="#e4e7ec",
    text_dim="#9aa1ad",
    accent="#4f9dff",
    accent_text="#ffffff",
    mute="#e0a030",
    solo="#48c774",
    canvas="#181a1e",
    row_white="#2a2e35",
    row_black="#23262c",
    row_out_of_scale="#1b1d22",
    row_root="#37382c",  # warm, so the key's root rows stand out from the rest
    grid_bar="#8a919c",
    grid_beat="#4b515b",
    grid_line="#353941",
    ruler_text="#d6dae0",
    note_outline="#0e1013",
    note_text="#0e1013",
    selected_fill="#ffd75e",
    selected_outline="#ffffff",
    playing_fill="#ffffff",
    cursor="#5ef08a",
    loop_fill="#26382f",
    loop_ruler_on="#3c8a5a",
    loop_ruler_off="#3a4048",
    rubber_band="#9fc5ff",
    key_white="#d9dce1",
    key_black="#25282e",
    key_line="#7b818b",
    key_text_white="#2a2e35",
    key_text_black="#d6dae0",
    key_pressed="#5ef08a",
    tempo="#ff9f43",
    meter="#56c2e6",
    marker="#e07cc6",
    meter_low="#48c774",
    meter_mid="#e3c84a",
    meter_high="#e8584a",
    meter_back="#121316",
)

LIGHT = Palette(
    name="light",
    window="#eceef1",
    raised="#f8f9fa",
    field="#ffffff",
    border="#b4bac3",
    text="#1b1f24",
    text_dim="#59606b",
    accent="#2a72d6",
    accent_text="#ffffff",
    mute="#c98410",
    solo="#1f9a4e",
    canvas="#dfe2e6",
    row_white="#f6f7f8",
    row_black="#e6e8eb",
    row_out_of_scale="#d3d6db",
    row_root="#fbf4dc",
    grid_bar="#7f8690",
    grid_beat="#bfc4cb",
    grid_line="#dcdfe3",
    ruler_text="#1b1f24",
    note_outline="#3a3f46",
    note_text="#101214",
    selected_fill="#ffc62e",
    selected_outline="#000000",
    playing_fill="#1b1f24",
    cursor="#12a150",
    loop_fill="#d9efe0",
    loop_ruler_on="#4fb173",
    loop_ruler_off="#b9bfc7",
    rubber_band="#2a72d6",
    key_white="#ffffff",
    key_black="#2f333a",
    key_line="#9aa0a8",
    key_text_white="#3a3f46",
    key_text_black="#e4e7ec",
    key_pressed="#12a150",
    tempo="#d9760a",
    meter="#1c8fb8",
    marker="#b8429a",
    meter_low="#1f9a4e",
    meter_mid="#c9a10c",
    meter_high="#d23a2c",
    meter_back="#c9cdd3",
)

THEMES = {p.name: p for p in (DARK, LIGHT)}
_current = [DARK]


def current() -> Palette:
    """The palette in use."""
    return _current[0]


def use(name: str) -> Palette:
    """Make the palette called ``name`` ("dark" or "light") the one in use."""
    try:
        _current[0] = THEMES[name]
    except KeyError:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {name!r}") from None
    return _current[0]


def track_colour(track, index: int) -> str:
    """The colour of a track: the one chosen for it, else one of the wheel by position."""
    chosen = getattr(track, "colour", "")
    return chosen if chosen else TRACK_COLOURS[index % len(TRACK_COLOURS)]
