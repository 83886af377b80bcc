"""The one table of keyboard shortcuts: bindings, menu accelerators and Help all come from it (GUI thread).

Each ``Shortcut`` names what the keys do, the Tk sequences that do it and the action on
the window.  ``shortcut_binding.bind_shortcuts`` binds them once on the toplevel, so they
work wherever the focus is, except in a text field (tempo, track name, position), where
keys must type -- unless the shortcut is marked ``in_text``.  ``accelerator(name)`` gives
a menu the same key text, and ``help_lines`` the Help window's list, so neither can drift
from what is bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sequencer_gui.roll import navigation, ruler_lanes


@dataclass(frozen=True, slots=True)
class Shortcut:
    """Keys, what they do, and the action on a ``MainWindow``."""

    name: str
    keys: str  # as a musician reads them
    what: str
    sequences: tuple[str, ...]
    action: Callable
    in_text: bool = False  # also while a text field has the keyboard
    # A key that is held (like a drum machine's fill key): ``action(window)`` when it goes
    # down, ``release(window)`` when it comes up.  Only single keys (``<grave>``) can be held.
    release: Callable | None = None
    # X keycodes that press it too, whatever symbol the layout prints on the key: a key
    # chosen for where it lies (left of 1) works on every layout, not only where it is `.
    keycodes: tuple[int, ...] = ()

    def __post_init__(self):
        if not self.sequences or not all(s.startswith("<") for s in self.sequences):
            raise ValueError(f"shortcut {self.name!r} needs Tk event sequences")
        if self.release is not None and any("-" in s for s in self.sequences):
            raise ValueError(
                f"held shortcut {self.name!r} must be single keys, not {self.sequences}"
            )
        if not all(isinstance(code, int) and 8 <= code <= 255 for code in self.keycodes):
            raise ValueError(f"shortcut {self.name!r}: X keycodes lie from 8 to 255")


def jump_to_marker(window, direction: int) -> None:
    tick = ruler_lanes.marker_near(window.document.score, window.roll.cursor_tick, direction)
    if tick is not None:
        window.playback.locate(tick)


def _nudge(song: tuple[int, int] = (0, 0), **how):
    """An arrow key: while the song view shows, its selection moves by ``song`` (bars,
    tracks); elsewhere the roll's selection moves by ``how``.  (The step grid keeps the
    arrows for its cursor: its canvas binds them itself.)"""

    def act(window) -> None:
        if song != (0, 0) and window.steps.song.winfo_ismapped():
            window.steps.song.gestures.nudge(*song)
        else:
            window.editor.nudge(**how)

    return act


LEFT_OF_ONE_KEYCODE = 49  # X's TLDE: the key left of 1, on evdev and the older kbd maps

SHORTCUTS: tuple[Shortcut, ...] = (
    # transport
    Shortcut(
        "play",
        "Space",
        "play from the cursor (or the loop) / stop",
        ("<space>",),
        lambda w: w.toggle_play(),
    ),
    Shortcut("to_start", "Home", "cursor to the start", ("<Home>",), lambda w: w.to_start()),
    Shortcut(
        "record",
        "R",
        "record from MIDI input into the edited track / stop",
        ("<r>",),
        lambda w: w.recording.recorder.toggle(),
    ),
    Shortcut(
        "loop",
        "L",
        "loop on / off",
        ("<l>",),
        lambda w: w.set_loop_enabled(not w.document.score.loop_enabled),
    ),
    Shortcut(
        "go_to",
        "Ctrl+G",
        "type a position (bar.beat.tick) to go to",
        ("<Control-g>",),
        lambda w: w.transport.focus_position(),
        True,
    ),
    Shortcut(
        "tempo",
        "Ctrl+T",
        "type the tempo in force at the cursor",
        ("<Control-t>",),
        lambda w: w.transport.focus_box("tempo"),
        True,
    ),
    Shortcut(
        "add_tempo",
        "Ctrl+Shift+T",
        "add a tempo change at the cursor",
        ("<Control-T>",),
        lambda w: w.transport.apply_tempo(add=True),
        True,
    ),
    Shortcut(
        "add_marker",
        "Ctrl+M",
        "add a marker at the cursor",
        ("<Control-m>",),
        lambda w: ruler_lanes.add_marker(w.document, w.roll.cursor_tick),
        True,
    ),
    Shortcut(
        "previous_marker",
        "Alt+Left",
        "cursor to the marker before it",
        ("<Alt-Left>",),
        lambda w: jump_to_marker(w, -1),
    ),
    Shortcut(
        "next_marker",
        "Alt+Right",
        "cursor to the next marker",
        ("<Alt-Right>",),
        lambda w: jump_to_marker(w, 1),
    ),
    Shortcut("panic", "F12", "panic: all notes off", ("<F12>",), lambda w: w.panic(), True),
    # editing
    Shortcut("undo", "Ctrl+Z", "undo", ("<Control-z>",), lambda w: w.editor.undo()),
    # Ctrl+Shift+Z arrives as the capital keysym
    Shortcut(
        "redo",
        "Ctrl+Shift+Z / Ctrl+Y",
        "redo",
        ("<Control-Z>", "<Control-Shift-Z>", "<Control-y>"),
        lambda w: w.editor.redo(),
    ),
    Shortcut("cut", "Ctrl+X", "cut the selection", ("<Control-x>",), lambda w: w.editor.cut()),
    Shortcut("copy", "Ctrl+C", "copy the selection", ("<Control-c>",), lambda w: w.editor.copy()),
    Shortcut(
        "paste", "Ctrl+V", "paste at the cursor", ("<Control-v>",), lambda w: w.editor.paste()
    ),
    Shortcut(
        "delete",
        "Delete / BackSpace",
        "delete the selection",
        ("<Delete>", "<BackSpace>"),
        lambda w: w.editor.delete_selection(),
    ),
    Shortcut(
        "select_all",
        "Ctrl+A",
        "select all notes of the track",
        ("<Control-a>",),
        lambda w: w.editor.select_all(),
    ),
    Shortcut(
        "escape",
        "Esc",
        "deselect (during a drag: cancel it)",
        ("<Escape>",),
        lambda w: w.editor.escape(),
    ),
    Shortcut(
        "left",
        "Left",
        "move the selection one grid step earlier (song view: one bar)",
        ("<Left>",),
        _nudge((-1, 0), grid_steps=-1),
    ),
    Shortcut(
        "right",
        "Right",
        "move the selection one grid step later (song view: one bar)",
        ("<Right>",),
        _nudge((1, 0), grid_steps=1),
    ),
    Shortcut(
        "up",
        "Up / Shift+Up",
        "move the selection up a semitone (song view: a track up)",
        ("<Up>", "<Shift-Up>"),
        _nudge((0, -1), semitones=1),
    ),
    Shortcut(
        "down",
        "Down / Shift+Down",
        "move the selection down a semitone (song view: a track down)",
        ("<Down>", "<Shift-Down>"),
        _nudge((0, 1), semitones=-1),
    ),
    Shortcut(
        "octave_up",
        "Ctrl+Up",
        "move the selection up an octave",
        ("<Control-Up>",),
        _nudge(semitones=12),
    ),
    Shortcut(
        "octave_down",
        "Ctrl+Down",
        "move the selection down an octave",
        ("<Control-Down>",),
        _nudge(semitones=-12),
    ),
    Shortcut(
        "quantize",
        "Q",
        "quantize the selection (or the track) to the grid",
        ("<q>", "<Q>"),
        lambda w: w.editor.quantize(),
    ),
    # view
    Shortcut(
        "zoom_in",
        "Ctrl+=",
        "zoom in (time)",
        ("<Control-equal>", "<Control-plus>"),
        lambda w: w.roll.zoom(1.25),
    ),
    Shortcut(
        "zoom_out", "Ctrl+-", "zoom out (time)", ("<Control-minus>",), lambda w: w.roll.zoom(0.8)
    ),
    Shortcut(
        "zoom_rows_in",
        "Alt+=",
        "taller rows",
        ("<Alt-equal>", "<Alt-plus>"),
        lambda w: navigation.zoom_vertically(w.roll, 1.25),
    ),
    Shortcut(
        "zoom_rows_out",
        "Alt+-",
        "shorter rows",
        ("<Alt-minus>",),
        lambda w: navigation.zoom_vertically(w.roll, 0.8),
    ),
    Shortcut(
        "fit",
        "F",
        "zoom to the selection (or the song)",
        ("<f>",),
        lambda w: navigation.fit(w.roll),
    ),
    Shortcut(
        "fit_song",
        "Shift+F",
        "zoom to the whole song",
        ("<F>",),
        lambda w: navigation.fit(w.roll, song=True),
    ),
    # tracks
    Shortcut(
        "previous_track",
        "Alt+Up",
        "edit the track above",
        ("<Alt-Up>",),
        lambda w: w.tracks.step(-1),
    ),
    Shortcut(
        "next_track",
        "Alt+Down",
        "edit the track below",
        ("<Alt-Down>",),
        lambda w: w.tracks.step(1),
    ),
    Shortcut(
        "mute", "M", "mute / unmute the edited track", ("<m>",), lambda w: w.tracks.toggle("mute")
    ),
    Shortcut(
        "solo", "S", "solo / unsolo the edited track", ("<s>",), lambda w: w.tracks.toggle("solo")
    ),
    # files and help
    # Looked up at key time: files.install() gives the window other File commands.
    Shortcut("new", "Ctrl+N", "new song", ("<Control-n>",), lambda w: w.files.new(), True),
    Shortcut(
        "open",
        "Ctrl+O",
        "open a song or MIDI file",
        ("<Control-o>",),
        lambda w: w.files.open(),
        True,
    ),
    Shortcut("save", "Ctrl+S", "save", ("<Control-s>",), lambda w: w.files.save(), True),
    Shortcut(
        "save_as", "Ctrl+Shift+S", "save as", ("<Control-S>",), lambda w: w.files.save_as(), True
    ),
    Shortcut("quit", "Ctrl+Q", "quit", ("<Control-q>",), lambda w: w.files.quit(), True),
    Shortcut("help", "F1", "this list", ("<F1>",), lambda w: w.show_shortcuts(), True),
    # views
    Shortcut("view_roll", "F5", "the piano roll", ("<F5>",), lambda w: w.steps.show(0), True),
    Shortcut("view_steps", "F6", "the step grid", ("<F6>",), lambda w: w.steps.show(1), True),
    Shortcut("view_song", "F7", "the song view", ("<F7>",), lambda w: w.steps.show(2), True),
    Shortcut(
        "next_view", "Ctrl+Tab", "the next view", ("<Control-Tab>",), lambda w: w.steps.next_view()
    ),
    # patterns: the key left of 1, beside the 1-9 that pick patterns in the step grid.  It
    # is ` only on some layouts (² on French, § on a Mac's ISO keyboard), so it is bound
    # where it lies (X keycode 49); where it is a dead key (German ^) the input method eats
    # its press before Tk sees it, so F8 does the same on any keyboard.
    Shortcut(
        "fill",
        "Key left of 1 / F8 (hold)",
        "fill while held (with Latch: each press switches fill on or off)",
        ("<grave>", "<F8>"),
        lambda w: w.steps.session.hold_fill(True),
        release=lambda w: w.steps.session.hold_fill(False),
        keycodes=(LEFT_OF_ONE_KEYCODE,),
    ),
)
BY_NAME = {s.name: s for s in SHORTCUTS}

# What the mouse does: shown in Help beside the keys (nothing to bind here).
MOUSE = (
    ("Click empty cell", "add a note (snapped, last used length); drag to place it"),
    ("Drag note", "move (snapped to the grid); hold Alt to move freely"),
    ("Drag note edge", "resize from the start or the end"),
    ("Ctrl+drag note", "duplicate"),
    ("Right-click / double-click", "delete the note"),
    ("Shift+click note", "add to / remove from the selection"),
    ("Shift/Ctrl+drag empty", "rubber-band select (Shift adds)"),
    ("Wheel / Shift+wheel", "scroll up-down / sideways"),
    ("Ctrl+wheel / Alt+wheel", "zoom in time about the mouse / taller or shorter rows"),
    ("Click / drag in the bar row", "move the cursor / set the loop region"),
    ("Double-click a lane", "add a marker, tempo or meter change (or edit the one clicked)"),
    ("Drag / right-click a flag", "move / delete a marker, tempo or meter change"),
    ("Click a key", "hear it"),
    ("Drag in the controller lane", "draw points / move the one grabbed; right-drag erases"),
    ("Drag a track by its strip", "move the track up or down the list"),
    ("Double-click a slider", "volume back to 100, pan to the centre"),
    ("Tab / Shift+Tab", "move the keyboard focus; Return presses the focused button"),
)

KEYS_WIDTH = 32  # the keys column of the Help list, in characters


def accelerator(name: str) -> str:
    """The keys of shortcut ``name`` as a menu shows them."""
    return BY_NAME[name].keys.split(" / ")[0]


def help_lines() -> list[str]:
    """The Help window's list: every shortcut of the table, then the mouse."""
    lines = [f"{s.keys:<{KEYS_WIDTH}}{s.what}" for s in SHORTCUTS if s.keys]
    lines.append("")
    lines += [f"{keys:<{KEYS_WIDTH}}{what}" for keys, what in MOUSE]
    return lines
