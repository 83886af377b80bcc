"""The File commands' questions: a modal choice, and the offer of work left by a session
that ended without saving (Restore / Later / Discard) (GUI thread)."""

from __future__ import annotations

from functools import partial

from sequencer_gui.files.recovery import RecoveryEntry, RecoveryStore

RESTORE, DISCARD, LATER = "restore", "discard", "later"


def ask_choice(parent, title: str, text: str, choices, default: str, escape: str) -> str:
    """A modal question with one button per ``(label, value)`` in ``choices``.

    Return picks ``default``; Escape and closing the window pick ``escape`` (always the
    answer that loses nothing).  Returns the chosen value.
    """
    import tkinter as tk
    from tkinter import ttk

    answer = tk.StringVar(master=parent, value=escape)
    dialog = tk.Toplevel(parent)
    dialog.title(title)
    dialog.transient(parent)
    frame = ttk.Frame(dialog, padding=16)
    frame.pack(fill="both", expand=True)
    ttk.Label(frame, wraplength=420, justify="left", text=text).pack(anchor="w")
    buttons = ttk.Frame(frame)
    buttons.pack(anchor="e", pady=(16, 0))

    def choose(value):
        answer.set(value)
        dialog.destroy()

    for label, value in choices:
        ttk.Button(
            buttons,
            text=label,
            command=partial(choose, value),
            default="active" if value == default else "normal",
        ).pack(side="left", padx=4)
    dialog.bind("<Return>", lambda _e: choose(default))
    dialog.bind("<Escape>", lambda _e: choose(escape))
    dialog.protocol("WM_DELETE_WINDOW", lambda: choose(escape))
    dialog.wait_visibility()
    dialog.grab_set()
    dialog.focus_force()  # also without a window manager (Xvfb), so Return/Escape work
    parent.wait_window(dialog)
    return answer.get()


def ask_restore(parent, entry: RecoveryEntry) -> str:
    """Restore / Later / Discard for ``entry``; Escape means Later, which keeps the file."""
    return ask_choice(
        parent,
        "Recover unsaved work - Pianola",
        f"Pianola ended without saving {entry.describe()}.\n\n"
        "Restore opens that work now. Later keeps it and asks again at the next start. "
        "Discard deletes it.",
        (("Restore", RESTORE), ("Later", LATER), ("Discard", DISCARD)),
        default=RESTORE,
        escape=LATER,
    )


def offer_recovery(parent, store: RecoveryStore, restore, ask=ask_restore) -> RecoveryEntry | None:
    """Offer each orphaned recovery file, newest first, until one is restored.

    ``restore(entry)`` opens it in the window (it raises PianolaError for a damaged
    file, which is then kept and reported).  Returns the restored entry or None.
    """
    from tkinter import messagebox

    from engine.core.errors import PianolaError

    for entry in store.orphans():
        choice = ask(parent, entry)
        if choice == DISCARD:
            store.discard(entry)
        elif choice == RESTORE:
            try:
                restore(entry)
            except PianolaError as exc:
                messagebox.showerror(
                    "Pianola",
                    f"{exc} The recovery file is kept in {entry.project_path.parent}.",
                    parent=parent,
                )
                continue
            return entry
    return None
