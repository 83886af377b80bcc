"""Help windows: Getting Started and the keyboard and mouse list from the shortcut table (GUI thread)."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from sequencer_gui.fonts import BOLD, MONO, UI
from sequencer_gui.shortcuts import KEYS_WIDTH, help_lines
from sequencer_gui.steps.mount import SHORTCUTS as STEP_SHORTCUTS

GETTING_STARTED = (
    (
        "Listen",
        "Press Space to play the song from the cursor and Space again to stop. "
        "Click in the bar row above the notes to move the cursor there, or type a "
        "position such as 5.1 in the field at the top right (Ctrl+G).",
    ),
    (
        "Pick a track",
        "The list at the left holds the song's tracks, each in its own "
        "colour. Click a track's round button (or Alt+Up / Alt+Down) to edit it: its notes "
        "light up in the roll and the others fade. M mutes it, S solos it; drag its "
        "coloured strip to move it up or down. Add track and Add drums make new ones.",
    ),
    (
        "Write notes",
        "Click an empty cell to add a note; drag it to move it, drag its "
        "edge to make it longer, right-click to delete it. The grid and the length of new "
        "notes are chosen at the top. Hold Shift or Ctrl and drag to select several.",
    ),
    (
        "Tempo and meter",
        "The Tempo and Meter lanes above the bar numbers show every "
        "change. Double-click a lane to add one where you clicked and type its value; "
        "drag a change to move it, right-click to delete it.",
    ),
    (
        "See more or less",
        "Ctrl+wheel zooms in time, Alt+wheel makes rows taller, F fits "
        "the selection and Shift+F the whole song. View > Scale shades the notes outside "
        "a key and can fold the roll to it; a drum track shows its kit by name.",
    ),
    (
        "Keep it",
        "Ctrl+S saves (Pianola also keeps a copy as you work and offers it "
        "back after a crash). File > Export writes MIDI or WAV. Help > Keyboard and Mouse "
        "lists every key.",
    ),
)


class HelpWindow(tk.Toplevel):
    """A help window; ``text`` is what it shows (for whoever asks)."""

    text: tk.Text


def _window(parent, title: str) -> HelpWindow:
    top = HelpWindow(parent)
    top.title(f"{title} — Pianola")
    top.transient(parent)
    top.bind("<Escape>", lambda e: top.destroy())
    return top


def _text(top, font, width: int, height: int) -> tk.Text:
    frame = ttk.Frame(top, padding=(12, 12, 12, 0))
    frame.pack(fill="both", expand=True)
    text = tk.Text(frame, width=width, height=height, borderwidth=0, font=font, wrap="word")
    bar = ttk.Scrollbar(frame, orient="vertical", command=text.yview)
    text.configure(yscrollcommand=bar.set, padx=8, pady=6, spacing1=2)
    text.pack(side="left", fill="both", expand=True)
    bar.pack(side="right", fill="y")
    return text


def _close_button(top) -> None:
    button = ttk.Button(top, text="Close", command=top.destroy)
    button.pack(pady=10)
    button.focus_set()


def show_shortcuts(window) -> HelpWindow:
    """Every shortcut of the one table, then the mouse, in straight columns."""
    top = _window(window.root, "Keyboard and mouse")
    lines = help_lines()
    lines += ["", "Step grid and song view:"]
    lines += [f"{keys:<{KEYS_WIDTH}}{what}" for keys, what in STEP_SHORTCUTS]
    text = _text(top, MONO, 90, min(len(lines) + 1, 34))
    text.insert("end", "\n".join(lines))
    text.configure(state="disabled")
    _close_button(top)
    top.text = text
    return top


def show_getting_started(window) -> HelpWindow:
    """A short tour for the first session."""
    top = _window(window.root, "Getting started")
    text = _text(top, UI, 70, 24)
    text.tag_configure("heading", font=BOLD, spacing1=10)
    for heading, body in GETTING_STARTED:
        text.insert("end", heading + "\n", ("heading",))
        text.insert("end", body + "\n")
    text.configure(state="disabled")
    _close_button(top)
    top.text = text
    return top
