"""The look of every widget: ttk styles and Tk's option database from the palette, in
the named fonts of ``sequencer_gui.fonts`` (GUI thread).

Styles are drawn by ttk's "clam" engine with every colour taken from ``palette``: clam
draws its elements from colours (no bitmaps), so one palette paints the widgets and the
canvases alike and a theme switch needs no image set per colour.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from sequencer_gui import palette
from sequencer_gui.fonts import BOLD, MONO, MONO_LARGE, UI, make_fonts
from sequencer_gui.palette import Palette, mix
from sequencer_gui.screen_scale import apply_scaling


class Theme:
    """Fonts, scaling and styles of one Tk root; ``apply(name)`` switches dark/light."""

    def __init__(self, root: tk.Misc, name: str = "dark"):
        self.root = root
        self.scale = apply_scaling(root)
        self.listeners: list = []  # called with (palette) after a switch: canvases recolour
        self.style = ttk.Style(root)
        self.fonts = make_fonts(root)  # kept: see make_fonts
        self.apply(name)

    @property
    def palette(self) -> Palette:
        return palette.current()

    def px(self, pixels_at_96dpi: float) -> int:
        """A canvas size given for a 96-DPI screen, on this screen."""
        return max(1, round(pixels_at_96dpi * self.scale))

    # ------------------------------------------------------------------ styles
    def apply(self, name: str) -> None:
        """Use the palette called ``name`` for every widget and tell the canvases."""
        p = palette.use(name)
        self._style_widgets(p)
        self._style_classic(p)
        for listener in list(self.listeners):
            listener(p)

    def _style_widgets(self, p: Palette) -> None:
        s = self.style
        s.theme_use("clam")
        for style, options, states in ttk_styles(p):
            s.configure(style, **options)
            if states:
                s.map(style, **states)

    def _style_classic(self, p: Palette) -> None:
        """Plain Tk widgets (menus, text, the combobox's list) through the option database."""
        root = self.root
        options = {
            "*Menu.background": p.raised,
            "*Menu.foreground": p.text,
            "*Menu.activeBackground": p.accent,
            "*Menu.activeForeground": p.accent_text,
            "*Menu.selectColor": p.text,
            "*Menu.disabledForeground": p.text_dim,
            "*Menu.relief": "flat",
            "*Menu.borderWidth": 1,
            "*Menu.activeBorderWidth": 0,
            "*Menu.font": UI,
            "*Text.background": p.field,
            "*Text.foreground": p.text,
            "*Text.insertBackground": p.text,
            "*Text.selectBackground": p.accent,
            "*Text.selectForeground": p.accent_text,
            "*Text.highlightThickness": 0,
            "*Listbox.background": p.field,
            "*Listbox.foreground": p.text,
            "*Listbox.selectBackground": p.accent,
            "*Listbox.selectForeground": p.accent_text,
            "*Listbox.font": UI,
            "*TCombobox*Listbox.background": p.field,
            "*TCombobox*Listbox.foreground": p.text,
            "*TCombobox*Listbox.selectBackground": p.accent,
            "*TCombobox*Listbox.selectForeground": p.accent_text,
            "*TCombobox*Listbox.font": UI,
            "*Toplevel.background": p.window,
            "*Canvas.background": p.canvas,
            "*Canvas.highlightThickness": 0,
        }
        for pattern, value in options.items():
            root.option_add(pattern, value)
        root.configure({"background": p.window})
        # Widgets made before a switch keep what the option database said then.
        stack = [root]
        while stack:
            widget = stack.pop()
            stack.extend(widget.winfo_children())
            cls = widget.winfo_class()
            if cls == "Menu":
                widget.configure(
                    {
                        "background": p.raised,
                        "foreground": p.text,
                        "activebackground": p.accent,
                        "activeforeground": p.accent_text,
                        "selectcolor": p.text,
                        "disabledforeground": p.text_dim,
                    }
                )
            elif cls == "Text":
                widget.configure(
                    {
                        "background": p.field,
                        "foreground": p.text,
                        "insertbackground": p.text,
                        "selectbackground": p.accent,
                    }
                )
            elif cls in ("Toplevel", "Tk"):
                widget.configure({"background": p.window})


def ttk_styles(p: Palette) -> list[tuple[str, dict, dict]]:
    """Every ttk style of the "clam" theme in palette ``p``: (style, its options, its
    options by widget state), applied in this order (later entries refine earlier ones)."""
    hover = mix(p.raised, p.accent, 0.18)
    pressed = mix(p.raised, p.accent, 0.35)
    button = dict(
        background=p.raised,
        foreground=p.text,
        bordercolor=p.border,
        lightcolor=p.raised,
        darkcolor=p.raised,
        padding=(10, 3),
        focusthickness=1,
        focuscolor=p.accent,
    )
    button_states = dict(
        background=[("pressed", pressed), ("selected", pressed), ("active", hover)],
        lightcolor=[("pressed", pressed), ("active", hover)],
        darkcolor=[("pressed", pressed), ("active", hover)],
        bordercolor=[("focus", p.accent)],
    )
    check = dict(
        background=p.window,
        foreground=p.text,
        indicatorbackground=p.field,
        indicatorforeground=p.accent_text,
        upperbordercolor=p.border,
        lowerbordercolor=p.border,
        focuscolor=p.accent,
    )
    check_states = dict(
        background=[("active", p.window)],
        indicatorbackground=[("selected", p.accent), ("pressed", pressed)],
        upperbordercolor=[("focus", p.accent)],
        lowerbordercolor=[("focus", p.accent)],
    )
    field = dict(
        fieldbackground=p.field,
        foreground=p.text,
        background=p.raised,
        bordercolor=p.border,
        lightcolor=p.field,
        darkcolor=p.field,
        arrowcolor=p.text,
        insertcolor=p.text,
        padding=(4, 2),
    )
    field_states = dict(
        fieldbackground=[("readonly", p.field), ("disabled", p.window)],
        foreground=[("readonly", p.text), ("disabled", p.text_dim)],
        bordercolor=[("focus", p.accent)],
        lightcolor=[("focus", p.accent)],
        background=[("active", hover), ("pressed", pressed)],
        selectbackground=[("readonly", "!focus", p.field), ("focus", p.accent)],
        selectforeground=[("readonly", "!focus", p.text), ("focus", p.accent_text)],
    )

    def lit_when_selected(colour: str) -> dict:
        """A toggle (mute, solo, accent) that shows ``colour`` while on."""
        return dict(
            background=[("selected", colour), ("pressed", pressed), ("active", hover)],
            foreground=[("selected", p.text_on(colour))],
            lightcolor=[("selected", colour)],
            darkcolor=[("selected", colour)],
            bordercolor=[("focus", p.accent), ("selected", colour)],
        )

    toggle = dict(padding=(6, 1), font=BOLD, width=2)
    return [
        (
            ".",
            dict(
                background=p.window,
                foreground=p.text,
                fieldbackground=p.field,
                troughcolor=p.field,
                bordercolor=p.border,
                darkcolor=p.window,
                lightcolor=p.window,
                selectbackground=p.accent,
                selectforeground=p.accent_text,
                insertcolor=p.text,
                focuscolor=p.accent,
                arrowcolor=p.text,
                font=UI,
            ),
            dict(
                foreground=[("disabled", p.text_dim)],
                background=[("disabled", p.window)],
            ),
        ),
        ("TFrame", dict(background=p.window), {}),
        ("Panel.TFrame", dict(background=p.raised), {}),
        # the edited track's strip is outlined in the accent colour
        ("Track.TFrame", dict(relief="solid", borderwidth=1, bordercolor=p.window), {}),
        ("CurrentTrack.TFrame", dict(relief="solid", borderwidth=1, bordercolor=p.accent), {}),
        # the roll's frame shows where the keyboard is
        ("Roll.TFrame", dict(relief="solid", borderwidth=1, bordercolor=p.canvas), {}),
        ("RollFocus.TFrame", dict(relief="solid", borderwidth=1, bordercolor=p.accent), {}),
        ("TLabel", dict(background=p.window, foreground=p.text), {}),
        ("Dim.TLabel", dict(foreground=p.text_dim), {}),
        ("Panel.TLabel", dict(background=p.raised), {}),
        ("Value.TLabel", dict(font=MONO, foreground=p.text_dim), {}),
        ("Heading.TLabel", dict(font=BOLD), {}),
        (
            "Position.TLabel",
            dict(font=MONO_LARGE, foreground=p.text, background=p.field, padding=(10, 1)),
            {},
        ),
        (
            "Position.TEntry",
            dict(fieldbackground=p.field, foreground=p.text, padding=(8, 0)),
            {},
        ),
        *[(name, button, button_states) for name in ("TButton", "TMenubutton", "Toolbutton")],
        ("Toolbutton", dict(padding=(6, 1), anchor="center"), {}),
        ("Mute.Toolbutton", toggle, lit_when_selected(p.mute)),
        ("Solo.Toolbutton", toggle, lit_when_selected(p.solo)),
        ("Accent.Toolbutton", toggle, lit_when_selected(p.accent)),
        ("Play.TButton", dict(font=BOLD, padding=(12, 3)), {}),
        *[(name, check, check_states) for name in ("TCheckbutton", "TRadiobutton")],
        *[(name, field, field_states) for name in ("TEntry", "TSpinbox", "TCombobox")],
        (
            "TScale",
            dict(
                background=p.raised,
                troughcolor=p.field,
                bordercolor=p.border,
                lightcolor=p.raised,
                darkcolor=p.raised,
                gripcount=0,
                sliderlength=14,
            ),
            dict(background=[("active", hover)], bordercolor=[("focus", p.accent)]),
        ),
        (
            "TScrollbar",
            dict(
                background=p.raised,
                troughcolor=p.canvas,
                bordercolor=p.canvas,
                lightcolor=p.raised,
                darkcolor=p.raised,
                arrowcolor=p.text_dim,
                gripcount=0,
            ),
            dict(background=[("active", hover), ("pressed", pressed)]),
        ),
        ("TPanedwindow", dict(background=p.border), {}),
        ("Sash", dict(sashthickness=5, gripcount=0, background=p.border), {}),
        ("TSeparator", dict(background=p.border), {}),
        ("TLabelframe", dict(background=p.window, bordercolor=p.border), {}),
        ("TLabelframe.Label", dict(background=p.window, foreground=p.text_dim, font=BOLD), {}),
        (
            "TNotebook",
            dict(background=p.window, bordercolor=p.border, tabmargins=(4, 4, 4, 0)),
            {},
        ),
        (
            "TNotebook.Tab",
            dict(
                background=p.raised,
                foreground=p.text_dim,
                bordercolor=p.border,
                lightcolor=p.raised,
                darkcolor=p.raised,
                padding=(14, 4),
            ),
            dict(
                background=[("selected", p.window), ("active", hover)],
                foreground=[("selected", p.text)],
                lightcolor=[("selected", p.accent)],
            ),
        ),
        (
            "Treeview",
            dict(
                background=p.field,
                fieldbackground=p.field,
                foreground=p.text,
                bordercolor=p.border,
            ),
            dict(background=[("selected", p.accent)], foreground=[("selected", p.accent_text)]),
        ),
        (
            "Treeview.Heading",
            dict(
                background=p.raised,
                foreground=p.text,
                lightcolor=p.raised,
                darkcolor=p.raised,
                font=BOLD,
            ),
            {},
        ),
        (
            "TProgressbar",
            dict(
                background=p.accent,
                troughcolor=p.field,
                bordercolor=p.border,
                lightcolor=p.accent,
                darkcolor=p.accent,
            ),
            {},
        ),
    ]
