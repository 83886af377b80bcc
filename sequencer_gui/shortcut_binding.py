"""Binding the shortcut table on the main window's toplevel (GUI thread).

Every ``Shortcut`` of ``sequencer_gui.shortcuts`` is bound once on the toplevel, so it
works wherever the focus is, except in a text field, where keys must type (unless the
shortcut is marked ``in_text``).  A held key (fill) gets its press and its release, with
X's autorepeat seen through.  A shortcut with X keycodes is also pressed by the key at
that place, whatever the layout calls it: one catch-all key binding looks the keycode up
(Tk picks the most specific binding, so a key bound by name never reaches it twice).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sequencer_gui.shortcuts import SHORTCUTS, Shortcut

TEXT_CLASSES = frozenset(("Entry", "TEntry", "Spinbox", "TSpinbox", "TCombobox", "Text"))
# ttk classes that press a focused widget on Space: in the main window Space is play/stop
# and Return presses the focused button instead.
BUTTON_CLASSES = ("TButton", "TCheckbutton", "TRadiobutton", "TMenubutton")
# X repeats a held key as release + press pairs arriving together: a release is only
# believed when no press follows it within this long.
AUTOREPEAT_GAP_MS = 60


def _bind_buttons(window) -> None:
    """Space over a focused button, check box or radio button plays instead of pressing it.

    A toplevel binding runs after the widget's class binding, so "break" there comes too
    late: the class binding itself is replaced.  Dialogs keep Space as the press.
    """
    root = window.root

    def in_main_window(widget) -> bool:
        return not isinstance(widget, str) and str(widget.winfo_toplevel()) == str(root)

    def space(event):
        if in_main_window(event.widget):
            window.toggle_play()
        elif not isinstance(event.widget, str):
            event.widget.invoke()
        return "break"

    def enter(event):
        if in_main_window(event.widget) and event.widget.winfo_class() != "TMenubutton":
            event.widget.invoke()
            return "break"
        return None

    for cls in BUTTON_CLASSES:
        root.bind_class(cls, "<Key-space>", space)
        root.bind_class(cls, "<Return>", enter, add="+")


def _held(window, shortcut: Shortcut) -> tuple[Callable, Callable]:
    """The press and release handlers of a held key, seeing through X's autorepeat."""
    root = window.root
    pending: list = []  # the release waiting to be believed
    release = shortcut.release
    assert release is not None

    def let_go():
        pending.clear()
        release(window)

    def press(event):
        if not shortcut.in_text and event.widget.winfo_class() in TEXT_CLASSES:
            return None
        if pending:  # a repeat of the key still held
            root.after_cancel(pending.pop())
            return "break"
        shortcut.action(window)
        return "break"

    def lift(event):
        if not shortcut.in_text and event.widget.winfo_class() in TEXT_CLASSES:
            return None
        if not pending:
            pending.append(root.after(AUTOREPEAT_GAP_MS, let_go))
        return "break"

    return press, lift


def _pressed(window, shortcut: Shortcut) -> Callable:
    def handler(event):
        if not shortcut.in_text and event.widget.winfo_class() in TEXT_CLASSES:
            return None  # let the field have the key
        shortcut.action(window)
        return "break"

    return handler


def bind_shortcuts(window) -> None:
    """Bind every shortcut of the table on the window's toplevel."""
    root = window.root
    _bind_buttons(window)
    presses: dict[int, Callable] = {}  # X keycode -> press handler
    releases: dict[int, Callable] = {}
    by_place = root.tk.call("tk", "windowingsystem") == "x11"  # keycodes are X's
    for shortcut in SHORTCUTS:
        lift = None
        if shortcut.release is not None:
            press, lift = _held(window, shortcut)
        else:
            press = _pressed(window, shortcut)
        for sequence in shortcut.sequences:
            root.bind(sequence, press)
            if lift is not None:
                root.bind(f"<KeyRelease-{sequence[1:-1]}>", lift)
        for code in shortcut.keycodes if by_place else ():
            presses[code] = press
            if lift is not None:
                releases[code] = lift
    for kind, handlers in (("KeyPress", presses), ("KeyRelease", releases)):
        if handlers:
            # any other key passes on untouched (None): Tab still moves the focus
            root.bind(f"<{kind}>", partial(_by_keycode, handlers), add="+")


def _by_keycode(handlers: dict[int, Callable], event):
    handler = handlers.get(event.keycode)
    return None if handler is None else handler(event)
