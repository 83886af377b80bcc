"""The window's named fonts: Pianola's type scale and Tk's own named fonts, on the best
families the system has (GUI thread).

Type scale (points; Tk turns them into pixels through ``screen_scale``):
- ``PianolaUI`` 10 -- labels, buttons, menus, fields;
- ``PianolaSmall`` 9 -- the ruler, the keyboard, values beside sliders (the floor);
- ``PianolaBold`` 10 bold -- track names, headings;
- ``PianolaMono`` 10 -- numbers that change (values, the shortcut list);
- ``PianolaMonoLarge`` 15 -- the position readout.
Monospaced text uses a real monospaced family: Tk's ``("TkFixedFont", 10)`` tuple names a
*family* called TkFixedFont, which fontconfig silently replaces by a proportional font.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
from typing import Literal

UI, SMALL, BOLD, MONO, MONO_LARGE = (
    "PianolaUI",
    "PianolaSmall",
    "PianolaBold",
    "PianolaMono",
    "PianolaMonoLarge",
)
# Monospaced families in order of preference; DejaVu Sans Mono is on every Debian desktop
# (fonts-dejavu-core, which bootstrap.sh installs).
MONO_FAMILIES = (
    "DejaVu Sans Mono",
    "Noto Sans Mono",
    "Liberation Mono",
    "Ubuntu Mono",
    "Menlo",
    "Consolas",
    "Courier New",
)
SANS_FAMILIES = (
    "DejaVu Sans",
    "Noto Sans",
    "Cantarell",
    "Liberation Sans",
    "Segoe UI",
    "Helvetica",
)


def pick_family(available, wanted, fallback: str) -> str:
    """The first of ``wanted`` that is ``available`` (case-insensitive), else ``fallback``."""
    have = {f.lower(): f for f in available}
    for name in wanted:
        if name.lower() in have:
            return have[name.lower()]
    return fallback


def make_fonts(root: tk.Misc) -> dict[str, tkfont.Font]:
    """Give ``root``'s named fonts (ours and Tk's own) their families and sizes; returns
    the fonts made here, which the caller keeps: a tkinter Font deletes its named font
    when garbage-collected."""
    families = tkfont.families(root)
    default = tkfont.nametofont("TkDefaultFont", root=root).actual("family")
    sans = pick_family(families, SANS_FAMILIES, default)
    fixed = tkfont.nametofont("TkFixedFont", root=root).actual("family")
    mono = pick_family(families, MONO_FAMILIES, fixed)
    made: dict[str, tkfont.Font] = {}
    fonts: tuple[tuple[str, str, int, Literal["normal", "bold"]], ...] = (
        (UI, sans, 10, "normal"),
        (SMALL, sans, 9, "normal"),
        (BOLD, sans, 10, "bold"),
        (MONO, mono, 10, "normal"),
        (MONO_LARGE, mono, 15, "bold"),
    )
    for name, family, size, weight in fonts:
        if name in tkfont.names(root):
            tkfont.nametofont(name, root=root).configure(family=family, size=size, weight=weight)
        else:
            # kept: a tkinter Font deletes its named font when garbage-collected
            made[name] = tkfont.Font(root, name=name, family=family, size=size, weight=weight)
    # Tk's own named fonts: dialogs and plain widgets read them.
    for name, family, size in (
        ("TkDefaultFont", sans, 10),
        ("TkTextFont", sans, 10),
        ("TkMenuFont", sans, 10),
        ("TkHeadingFont", sans, 10),
        ("TkCaptionFont", sans, 11),
        ("TkSmallCaptionFont", sans, 9),
        ("TkIconFont", sans, 10),
        ("TkTooltipFont", sans, 9),
        ("TkFixedFont", mono, 10),
    ):
        tkfont.nametofont(name, root=root).configure(family=family, size=size)
    return made
