"""Keyboard shortcuts of the main window and the list Help shows (GUI thread).

Bound once on the toplevel, so they work wherever the focus is, except in a text field
(tempo, track name), where keys must type.
"""

from __future__ import annotations

SHORTCUTS = (
    ("Click empty cell", "add a note (snapped, last used length); drag to place it"),
    ("Drag note", "move (snapped to the grid); hold Alt to move freely"),
    ("Drag note edge", "resize from the start or the end"),
    ("Ctrl+drag note", "duplicate"),
    ("Right-click / double-click", "delete the note"),
    ("Shift+click note", "add to / remove from the selection"),
    ("Shift/Ctrl+drag empty", "rubber-band select (Shift adds)"),
    ("Ctrl+A / Esc", "select all / deselect (Esc during a drag cancels it)"),
    ("Ctrl+C / Ctrl+X / Ctrl+V", "copy / cut / paste at the cursor"),
    ("Delete", "delete the selection"),
    ("Ctrl+Z", "undo"),
    ("Ctrl+Shift+Z / Ctrl+Y", "redo"),
    ("Left / Right", "move the selection by one grid step"),
    ("Up / Down, Shift+Up/Down", "move the selection by a semitone"),
    ("Ctrl+Up / Ctrl+Down", "move the selection by an octave"),
    ("Q", "quantize the selection (or the track) to the grid"),
    ("Wheel / Shift+wheel", "scroll up-down / sideways"),
    ("Ctrl+wheel, Ctrl+= / Ctrl+-", "zoom about the mouse / the middle"),
    ("Space", "play from the cursor (or the loop) / stop"),
    ("Home", "cursor to the start"),
    ("Click / drag in the ruler", "move the cursor / set the loop region"),
    ("Click a key", "hear it"),
    ("F12", "panic: all notes off"),
    ("Ctrl+N / Ctrl+O / Ctrl+S", "new / open / save"),
)

TEXT_CLASSES = frozenset(("Entry", "TEntry", "Spinbox", "TSpinbox", "TCombobox", "Text"))
# ttk classes that press a focused widget on Space: in the main window Space is play/stop
# and Return presses the focused button instead.
BUTTON_CLASSES = ("TButton", "TCheckbutton", "TRadiobutton", "TMenubutton")


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


def bind_shortcuts(window) -> None:
    """Bind every shortcut on the window's toplevel."""
    root, ed = window.root, window.editor
    _bind_buttons(window)

    def key(sequence: str, action, in_text: bool = False) -> None:
        def handler(event):
            if not in_text and event.widget.winfo_class() in TEXT_CLASSES:
                return None  # let the field have the key
            action()
            return "break"

        root.bind(sequence, handler)

    key("<Control-a>", ed.select_all)
    key("<Control-c>", ed.copy)
    key("<Control-x>", ed.cut)
    key("<Control-v>", ed.paste)
    key("<Control-z>", ed.undo)
    key("<Control-Z>", ed.redo)  # Ctrl+Shift+Z arrives as the capital keysym
    key("<Control-Shift-Z>", ed.redo)
    key("<Control-y>", ed.redo)
    key("<Delete>", ed.delete_selection)
    key("<BackSpace>", ed.delete_selection)
    key("<Left>", lambda: ed.nudge(grid_steps=-1))
    key("<Right>", lambda: ed.nudge(grid_steps=1))
    key("<Up>", lambda: ed.nudge(semitones=1))
    key("<Down>", lambda: ed.nudge(semitones=-1))
    key("<Shift-Up>", lambda: ed.nudge(semitones=1))
    key("<Shift-Down>", lambda: ed.nudge(semitones=-1))
    key("<Control-Up>", lambda: ed.nudge(semitones=12))
    key("<Control-Down>", lambda: ed.nudge(semitones=-12))
    key("<q>", ed.quantize)
    key("<Q>", ed.quantize)
    key("<space>", lambda: window.toggle_play())
    key("<Home>", window.to_start)
    key("<Escape>", ed.escape)
    key("<F12>", window.panic, in_text=True)
    key("<F1>", window.show_shortcuts, in_text=True)
    key("<Control-equal>", lambda: window.roll.zoom(1.25))
    key("<Control-plus>", lambda: window.roll.zoom(1.25))
    key("<Control-minus>", lambda: window.roll.zoom(0.8))
    # Looked up at key time, so a file controller may replace these methods on the window.
    key("<Control-n>", lambda: window.new_document(), in_text=True)
    key("<Control-o>", lambda: window.open_document(), in_text=True)
    key("<Control-s>", lambda: window.save_document(), in_text=True)
    key("<Control-S>", lambda: window.save_document_as(), in_text=True)
    key("<Control-q>", lambda: window.quit(), in_text=True)
