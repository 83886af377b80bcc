"""Choosing the look from the window: View > Theme, remembered in the preferences (GUI thread)."""

from __future__ import annotations

import tkinter as tk
from functools import partial

from engine.core.errors import PianolaError
from sequencer_gui.settings.preferences import THEMES


def add_theme_menu(window, menu: tk.Menu) -> None:
    """A Theme submenu of radio items (Dark, Light) on ``menu``."""
    window.theme_var = tk.StringVar(window.root, value=window.theme.palette.name)
    themes = tk.Menu(menu, tearoff=False)
    for name in THEMES:
        themes.add_radiobutton(
            label=name.title(),
            value=name,
            variable=window.theme_var,
            command=partial(set_theme, window, name),
        )
    menu.add_cascade(label="Theme", menu=themes, underline=0)


def set_theme(window, name: str) -> None:
    """Switch every widget and canvas to theme ``name`` and remember it for the next start."""
    window.theme.apply(name)
    if hasattr(window, "theme_var"):
        window.theme_var.set(name)
    files = getattr(window, "files", None)  # the preferences live with the file commands
    if files is not None and files.prefs.preferences.theme != name:
        try:
            files.prefs.update(theme=name)
        except PianolaError as exc:
            window.set_status(str(exc))
