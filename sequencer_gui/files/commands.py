"""The File menu on top of the main window: files, recent files, unsaved-changes prompts,
drag-and-drop, autosave and crash recovery wired together (GUI thread).

The window delegates its File menu, its Ctrl+N/O/S/Q shortcuts and its close button to
its ``files`` object (``window.files``): the one it makes itself only does the work
(no autosave, no recovery offer, nothing started), and ``install()`` puts in its place one
that also keeps the autosave copy and offers work left by a crash.  Every command keeps one promise: when anything goes wrong (a damaged or
truncated file, an unwritable folder, a full disk), the musician gets one sentence in a
dialog and the document already open stays exactly as it was -- same score, same path,
same modified mark -- because nothing is replaced until the new song has been read whole.
"""

from __future__ import annotations

import os
import tkinter as tk
from functools import partial
from pathlib import Path
from tkinter import filedialog, messagebox

from engine.core.errors import PianolaError
from sequencer_gui.files.autosave import Autosaver
from sequencer_gui.files.dialogs import ask_choice, offer_recovery
from sequencer_gui.files.recovery import RecoverySlot, RecoveryStore
from sequencer_gui.roll.geometry import grid_choices
from sequencer_gui.settings.preferences import PreferencesStore

PROJECT_TYPES = [("Pianola songs", "*.pianola"), ("All files", "*")]
MIDI_TYPES = [("MIDI files", "*.mid *.midi"), ("All files", "*")]
OPEN_TYPES = [("Songs and MIDI files", "*.pianola *.mid *.midi")] + PROJECT_TYPES + MIDI_TYPES
SONG_SUFFIXES = (".pianola", ".mid", ".midi")
SAVE, DONT_SAVE, CANCEL = "save", "discard", "cancel"
RECENT_MENU_LABEL = "Open Recent"
# Set by test harnesses that run the real program and must not meet a dialog at start.
NO_RECOVERY_PROMPT_ENV = "PIANOLA_NO_RECOVERY_PROMPT"


class FileCommands:
    """File menu commands of one window (see the module docstring)."""

    def __init__(
        self, window, prefs: PreferencesStore | None = None, recovery: RecoveryStore | None = None
    ):
        self.window = window
        self.root = window.root
        self.document = window.document
        self.prefs = prefs if prefs is not None else PreferencesStore()
        self.recovery = recovery if recovery is not None else RecoveryStore()
        self.autosaver: Autosaver | None = None  # made and started by install()
        self.recent_menu: tk.Menu | None = None  # the File menu's cascade, once built
        self.dnd_available = False
        self.export = None  # the Export WAV dialog under way, if any

    # ------------------------------------------------------------------ set-up
    def install(self) -> FileCommands:
        """Become the window's File commands (in place of the one it made) and start the
        autosave copy and file drops."""
        window = self.window
        previous = getattr(window, "files", None)
        if previous is not None and previous is not self:
            self.recent_menu = previous.recent_menu  # the File menu's cascade, built once
        window.files = self
        self.autosaver = Autosaver(
            self.root,
            self.recovery.new_session(),
            self._snapshot,
            interval_s=self.prefs.preferences.autosave_interval_s,
            on_error=window.set_status,
        )
        self.dnd_available = enable_file_drop(self.root, self.drop_files)
        self.autosaver.start()
        return self

    def build_menu(self, menu) -> None:
        """The File menu; its entries ask ``window.files`` when chosen, so they follow
        the File commands the window has then."""
        import tkinter as tk

        window = self.window

        def entry(name):
            return lambda: getattr(window.files, name)()

        menu.add_command(label="New", accelerator="Ctrl+N", command=entry("new"))
        menu.add_command(label="Open…", accelerator="Ctrl+O", command=entry("open"))
        self.recent_menu = tk.Menu(menu, tearoff=False, postcommand=entry("fill_recent_menu"))
        menu.add_cascade(label=RECENT_MENU_LABEL, menu=self.recent_menu)
        menu.add_command(label="Save", accelerator="Ctrl+S", command=entry("save"))
        menu.add_command(label="Save As…", accelerator="Ctrl+Shift+S", command=entry("save_as"))
        menu.add_separator()
        menu.add_command(label="Import MIDI…", command=entry("import_midi"))
        menu.add_command(label="Export MIDI…", command=entry("export_midi"))
        menu.add_command(label="Export WAV…", command=entry("export_wav"))
        menu.add_separator()
        menu.add_command(label="Preferences…", command=entry("preferences"))
        menu.add_separator()
        menu.add_command(label="Quit", accelerator="Ctrl+Q", command=entry("quit"))
        self.fill_recent_menu()

    def fill_recent_menu(self) -> None:
        menu = self.recent_menu
        if menu is None:  # no File menu (yet): nothing to fill
            return
        menu.delete(0, "end")
        recent = self.prefs.preferences.recent_files
        for number, path in enumerate(recent, 1):
            menu.add_command(
                label=f"{number}  {Path(path).name}  ({Path(path).parent})",
                underline=0 if number < 10 else -1,
                command=partial(self.open, path),
            )
        if not recent:
            menu.add_command(label="(no recent files)", state="disabled")

    def offer_recovery(self):
        """At start: offer work left by a crashed session; returns the restored entry."""
        return offer_recovery(self.root, self.recovery, self.restore)

    # ------------------------------------------------------------------ state
    def _snapshot(self):
        d = self.document
        return d.score, d.is_modified, d.path

    def _remember(self, path) -> None:
        try:
            self.prefs.add_recent_file(path)
        except PianolaError as exc:  # the song is fine; only the list could not be kept
            self.window.set_status(str(exc))

    def _error(self, exc: Exception, title: str) -> None:
        self.window.set_status(str(exc))
        messagebox.showerror(title, str(exc), parent=self.root)

    # ------------------------------------------------------------------ the prompt
    def confirm_discard(self, doing: str = "closing") -> bool:
        """Ask Save / Don't Save / Cancel if there are unsaved changes.

        True when the caller may go on (saved, or the user chose not to save).
        """
        if not self.document.is_modified:
            return True
        choice = ask_choice(
            self.root,
            "Unsaved changes - Pianola",
            f"Do you want to save the changes to {self.document.display_name} before "
            f"{doing}? If you don't save, they will be lost.",
            (("Save", SAVE), ("Don't Save", DONT_SAVE), ("Cancel", CANCEL)),
            default=SAVE,
            escape=CANCEL,
        )
        if choice == SAVE:
            return self.save()
        return choice == DONT_SAVE

    def _replaced(self, path=None) -> None:
        """A new song is in the window: the old one's recovery copy is not needed."""
        if self.autosaver is not None:
            self.autosaver.document_saved()
        if path is not None:
            self._remember(path)

    # ------------------------------------------------------------------ commands
    def new(self) -> bool:
        if not self.confirm_discard("starting a new song"):
            return False
        self.window.new_document()
        self._replaced()
        self.window.set_status("New song.")
        return True

    def open(self, path=None) -> bool:
        """Open a .pianola song or a MIDI file (asks for one when ``path`` is None)."""
        if not self.confirm_discard("opening another song"):
            return False
        if path is None:
            path = filedialog.askopenfilename(parent=self.root, title="Open", filetypes=OPEN_TYPES)
            if not path:
                return False
        try:
            self.window.open_path(path)  # reads whole before replacing anything
        except (PianolaError, OSError) as exc:
            if not Path(path).exists() and str(path) in self.prefs.preferences.recent_files:
                self._forget_recent(path)
            self._error(exc, "Cannot open")
            return False
        self._replaced(path)
        return True

    def _forget_recent(self, path) -> None:
        try:
            self.prefs.save(self.prefs.preferences.without_recent_file(path))
        except PianolaError:
            pass  # the list stays as it was; the dialog about the file says enough

    def save(self) -> bool:
        path = self.document.path
        if path is None or path.suffix.lower() != ".pianola":
            return self.save_as()
        return self._save_to(path)

    def save_as(self) -> bool:
        current = self.document.path
        path = filedialog.asksaveasfilename(
            parent=self.root,
            title="Save As",
            defaultextension=".pianola",
            filetypes=PROJECT_TYPES,
            initialdir=str(current.parent) if current else None,
            initialfile=(current.stem + ".pianola") if current else "Untitled.pianola",
        )
        if not path:
            return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            self.window.save_to(path)  # atomic: the old file is whole if this fails
        except (PianolaError, OSError) as exc:
            self._error(exc, "Cannot save")
            return False
        if self.autosaver is not None:
            self.autosaver.document_saved()
        self._remember(path)
        return True

    def import_midi(self) -> bool:
        if not self.confirm_discard("importing a MIDI file"):
            return False
        path = filedialog.askopenfilename(
            parent=self.root, title="Import MIDI", filetypes=MIDI_TYPES
        )
        if not path:
            return False
        from engine.files.midifile import import_midi

        try:
            score = import_midi(path)
        except (PianolaError, OSError) as exc:
            self._error(exc, "Cannot import")
            return False
        self.document.replace(score, None)
        self._replaced()
        self.window.set_status(f"Imported {Path(path).name}; Save will ask for a song name.")
        return True

    def export_midi(self) -> bool:
        current = self.document.path
        path = filedialog.asksaveasfilename(
            parent=self.root,
            title="Export MIDI",
            defaultextension=".mid",
            filetypes=MIDI_TYPES,
            initialfile=(current.stem if current else "Untitled") + ".mid",
        )
        if not path:
            return False
        from engine.files.midifile_export import export_midi

        try:
            export_midi(self.document.score, path)
        except (PianolaError, OSError) as exc:
            self._error(exc, "Cannot export")
            return False
        self.window.set_status(f"Exported {Path(path).name}.")
        return True

    def export_wav(self):
        from sequencer_gui.files.export_wav import ask_and_export_wav

        self.export = ask_and_export_wav(self.window, self.prefs.preferences)
        return self.export

    def preferences(self):
        from sequencer_gui.settings.dialog import PreferencesDialog

        return PreferencesDialog(self.window, self.prefs, on_saved=self.preferences_changed)

    def preferences_changed(self, old, new) -> None:
        if self.autosaver is not None:
            self.autosaver.interval_s = new.autosave_interval_s
        if new.theme != old.theme:
            from sequencer_gui.appearance import set_theme

            set_theme(self.window, new.theme)

    def drop_files(self, paths) -> None:
        """Files dropped on the window: open the first song among them."""
        songs = [p for p in paths if Path(p).suffix.lower() in SONG_SUFFIXES]
        if not songs:
            self.window.set_status("Drop a .pianola song or a MIDI file to open it.")
            return
        self.open(songs[0])

    def restore(self, entry) -> None:
        """Open a recovery file in the window, marked unsaved, in its original file.

        The restored work becomes one undo step on top of the file on disk (or an empty
        song), so Undo shows what the file held and the title carries the unsaved mark.
        """
        from engine.files.project_file import load_project
        from sequencer_gui.document import empty_score

        restored = load_project(entry.project_path)
        base, path = empty_score(), None
        if entry.document_path:
            path = Path(entry.document_path)
            try:
                base = load_project(path)
            except PianolaError:
                pass  # the file is gone or damaged: the work is still restored in full
        self.document.replace(base, path)
        self.document.apply(restored, "Restore unsaved work")
        if self.autosaver is not None:
            self.autosaver.adopt(RecoverySlot.adopt(entry))
        self.window.set_status(f"Restored {entry.describe()}; save it to keep it.")

    def quit(self) -> None:
        if not self.confirm_discard("quitting"):
            return
        if self.export is not None and self.export.running:
            self.export.cancel()  # the render's temporary file is removed by the render
            self.export.export.wait(10)
        if self.autosaver is not None:
            self.autosaver.stop()
            # saved, unchanged, or the musician chose Don't Save: the copy is not wanted
            self.autosaver.slot.remove()
        self.window.destroy()


def enable_file_drop(root, on_files) -> bool:
    """Let files be dropped on the window (tkdnd via tkinterdnd2); False where unsupported.

    Tk has no drag-and-drop of its own; tkinterdnd2 ships the tkdnd extension for Linux,
    macOS and Windows.  Without it (or on a Tk it cannot load into) the window simply
    does not accept drops.
    """
    try:
        from tkinterdnd2 import DND_FILES, TkinterDnD
    except ImportError:
        return False
    import tkinter

    try:
        TkinterDnD._require(root)  # loads the tkdnd package into this Tk interpreter
        root.tk.call("tkdnd::drop_target", "register", root._w, DND_FILES)
    except (tkinter.TclError, RuntimeError):
        return False

    def dropped(data):
        on_files(list(root.tk.splitlist(data)))
        return "copy"

    command = root.register(dropped)
    root.tk.call("bind", root._w, "<<Drop>>", f"{command} %D")
    return True


def install(
    window, prefs: PreferencesStore | None = None, *, offer_restore: bool = True
) -> FileCommands:
    """Give ``window`` the full File menu, autosave, crash recovery, the dialog for audio
    that will not start and the preferred grid (called by engine/commands/gui.py once the
    window is built).

    A damaged preferences file is reported in the status bar.
    """
    files = FileCommands(window, prefs).install()
    if window.document.path is not None:  # opened from the command line: that counts
        files._remember(window.document.path)
    window.link.keeper.show_dialogs()
    apply_default_grid(window, files.prefs.preferences.default_grid)
    if files.prefs.warning:
        window.set_status(files.prefs.warning)
    if offer_restore and not os.environ.get(NO_RECOVERY_PROMPT_ENV):
        window.root.after_idle(files.offer_recovery)
    return files


def apply_default_grid(window, grid: str) -> None:
    transport = window.transport
    if grid in dict(grid_choices(window.document.score.ppq)):
        transport.grid_var.set(grid)
        transport.apply_grid()
