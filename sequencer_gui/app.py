"""Pianola's main window: menus, transport bar, track list, piano roll, status bar (GUI thread).

What other parts build on:
- ``window.document``: the one ``Document`` (history, path, change listeners);
- ``window.link``: the ``EngineLink`` to the engine process (it hears the document itself);
- ``window.files``: the File commands the menu, shortcuts and close button delegate to;
- ``window.menus[name]``: each menu ("file", "edit", "view", "transport", "help"), built by
  one ``build_NAME_menu(menu)`` method a subclass or a plug-in may extend;
- ``window.set_status(text)``: one sentence in the status bar;
- ``window.update_title()``; ``window.open_path(path)`` / ``window.save_to(path)``.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path
from tkinter import messagebox, ttk

from engine.core import edits
from engine.core.audio_settings import AudioSettings
from engine.core.protocol import events as evt
from sequencer_gui import help_window
from sequencer_gui.appearance import add_theme_menu
from sequencer_gui.collab.mount import mount as mount_session
from sequencer_gui.document import Document, empty_score
from sequencer_gui.engine_link import EngineLink
from sequencer_gui.files.commands import FileCommands
from sequencer_gui.panels.level_meter import LevelMeter
from sequencer_gui.panels.link_button import LinkButton
from sequencer_gui.panels.next_bar_meter import NextBarMeter
from sequencer_gui.panels.status_bar import StatusBar
from sequencer_gui.panels.sync_menu import SyncMenu
from sequencer_gui.panels.track_list import TrackList
from sequencer_gui.panels.track_meters import mount_track_meters
from sequencer_gui.panels.transport_bar import TransportBar
from sequencer_gui.playback import Playback
from sequencer_gui.recording.mount import mount as mount_recording
from sequencer_gui.roll.editing import RollEditor
from sequencer_gui.roll.view import PianoRoll
from sequencer_gui.shortcut_binding import bind_shortcuts
from sequencer_gui.shortcuts import accelerator
from sequencer_gui.steps.mount import mount as mount_steps
from sequencer_gui.theme import Theme
from sequencer_gui.view_menus import add_transport_entries, add_view_entries, build_track_menu


class MainWindow:
    """The whole window around one document and one engine."""

    def __init__(
        self,
        root: tk.Tk,
        document: Document | None = None,
        settings: AudioSettings | None = None,
        *,
        realtime: bool = True,
        start_engine: bool = True,
        theme: str = "dark",
    ):
        self.root = root
        self.theme = Theme(root, theme)  # fonts and styles before the first widget
        self.document = document if document is not None else Document()
        self.link = EngineLink(root, self.document, settings, realtime=realtime)
        root.minsize(900, 560)
        self.follow_var = tk.BooleanVar(value=True)

        self.transport = TransportBar(root, self)
        self.transport.pack(side="top", fill="x")
        self.status = StatusBar(root, self.link)
        self.status.pack(side="bottom", fill="x")
        self.link_button = LinkButton(self.transport, self.link, say=self.status.set_text)
        # beside the transport's buttons: a narrow window cuts the bar's right end
        self.link_button.pack(side="left", padx=2, after=self.transport.start_button)
        panes = ttk.PanedWindow(root, orient="horizontal")
        panes.pack(side="top", fill="both", expand=True)
        self.tracks = TrackList(panes, self)
        self.views = ttk.Notebook(panes)  # the piano roll, the step grid, the song view
        self.roll = PianoRoll(self.views, self.document, audition=self.link, scale=self.theme.scale)
        self.views.add(self.roll, text="Piano roll")
        self.theme.listeners += [self.roll.apply_palette, lambda _p: self.tracks.refresh()]
        panes.add(self.tracks, weight=0)
        panes.add(self.views, weight=1)
        self.editor = RollEditor(self.roll)
        self.playback = Playback(self.roll, self.link)
        self.playback.listeners.append(self.transport.show_playing)
        self.link.keeper.connect(
            say=self.set_status, refresh=self.status.refresh, playback=self.playback
        )
        # every cursor move (playing, a click in the ruler, a new song) updates the readout
        self.roll.cursor_listeners.append(self.transport.show_position)
        self.roll.ruler.edit_listeners.append(self.transport.focus_box)
        self.meter = LevelMeter(self.transport, self)  # the output's level, beside the position
        self.meter.canvas.pack(side="right", padx=4)
        self.theme.listeners.append(self.meter.apply_palette)
        self.track_meters = mount_track_meters(self)  # each track's level on its strip
        self.roll.listeners.append(lambda roll: self.transport.refresh())

        # the File menu, its shortcuts and the close button ask this (see files.commands)
        self.files = FileCommands(self)
        self.menus: dict[str, tk.Menu] = {}
        self.build_menus()
        bind_shortcuts(self)
        self.steps = mount_steps(self)
        self.session = mount_session(self)
        self.recording = mount_recording(self)
        self.sync_menu = SyncMenu(self)  # Transport > Sync, kept set on every engine
        self.next_bar_meter = NextBarMeter(self)  # the meter box "at the next bar" while playing
        self.document.add_listener(self._on_document)
        self.link.listeners.append(self._on_engine_event)
        # self.quit asks window.files when used: files.install() may have replaced it
        root.protocol("WM_DELETE_WINDOW", self.quit)
        self.transport.refresh()
        self.update_title()
        if start_engine:
            self.link.start()
            self.status.refresh()

    # ------------------------------------------------------------------ menus
    def build_menus(self) -> None:
        bar = tk.Menu(self.root)
        for name, label in (
            ("file", "File"),
            ("edit", "Edit"),
            ("view", "View"),
            ("transport", "Transport"),
            ("track", "Track"),
            ("help", "Help"),
        ):
            menu = tk.Menu(bar, tearoff=False)
            getattr(self, f"build_{name}_menu")(menu)
            bar.add_cascade(label=label, menu=menu, underline=0)
            self.menus[name] = menu
        self.root.configure(menu=bar)
        self.menubar = bar

    def build_file_menu(self, menu: tk.Menu) -> None:
        self.files.build_menu(menu)

    def build_edit_menu(self, menu: tk.Menu) -> None:
        ed = self.editor
        menu.add_command(label="Undo", accelerator=accelerator("undo"), command=ed.undo)
        menu.add_command(label="Redo", accelerator=accelerator("redo"), command=ed.redo)
        menu.add_separator()
        for label, name, command in (
            ("Cut", "cut", ed.cut),
            ("Copy", "copy", ed.copy),
            ("Paste", "paste", ed.paste),
            ("Delete", "delete", ed.delete_selection),
            ("Select All", "select_all", ed.select_all),
            ("Deselect", "escape", ed.deselect),
        ):
            menu.add_command(label=label, accelerator=accelerator(name), command=command)
        menu.add_separator()
        menu.add_command(label="Quantize", accelerator=accelerator("quantize"), command=ed.quantize)
        menu.add_command(
            label="Transpose Up",
            accelerator=accelerator("up"),
            command=lambda: ed.nudge(semitones=1),
        )
        menu.add_command(
            label="Transpose Down",
            accelerator=accelerator("down"),
            command=lambda: ed.nudge(semitones=-1),
        )
        menu.add_command(
            label="Octave Up",
            accelerator=accelerator("octave_up"),
            command=lambda: ed.nudge(semitones=12),
        )
        menu.add_command(
            label="Octave Down",
            accelerator=accelerator("octave_down"),
            command=lambda: ed.nudge(semitones=-12),
        )

        def relabel():  # "Undo Add note": say what will be undone
            h = self.document.history
            menu.entryconfigure(
                0,
                label=f"Undo {h.undo_label}" if h.can_undo else "Undo",
                state="normal" if h.can_undo else "disabled",
            )
            menu.entryconfigure(
                1,
                label=f"Redo {h.redo_label}" if h.can_redo else "Redo",
                state="normal" if h.can_redo else "disabled",
            )

        menu.configure(postcommand=relabel)

    def build_view_menu(self, menu: tk.Menu) -> None:
        menu.add_command(
            label="Zoom In",
            accelerator=accelerator("zoom_in"),
            command=lambda: self.roll.zoom(1.25),
        )
        menu.add_command(
            label="Zoom Out",
            accelerator=accelerator("zoom_out"),
            command=lambda: self.roll.zoom(0.8),
        )
        menu.add_checkbutton(
            label="Follow Cursor",
            variable=self.follow_var,
            command=lambda: self.set_follow(self.follow_var.get()),
        )
        add_view_entries(self, menu)
        menu.add_separator()
        add_theme_menu(self, menu)

    def build_transport_menu(self, menu: tk.Menu) -> None:
        menu.add_command(
            label="Play / Stop", accelerator=accelerator("play"), command=self.toggle_play
        )
        menu.add_command(
            label="To Start", accelerator=accelerator("to_start"), command=self.to_start
        )
        menu.add_checkbutton(
            label="Loop",
            accelerator=accelerator("loop"),
            variable=self.transport.loop_var,
            command=lambda: self.set_loop_enabled(self.transport.loop_var.get()),
        )
        add_transport_entries(self, menu)
        menu.add_separator()
        menu.add_command(
            label="Panic (all notes off)", accelerator=accelerator("panic"), command=self.panic
        )

    def build_track_menu(self, menu: tk.Menu) -> None:
        build_track_menu(self, menu)

    def build_help_menu(self, menu: tk.Menu) -> None:
        menu.add_command(
            label="Getting Started…", command=lambda: help_window.show_getting_started(self)
        )
        menu.add_command(
            label="Keyboard and Mouse…",
            accelerator=accelerator("help"),
            command=self.show_shortcuts,
        )
        menu.add_command(label="Audio Engine…", command=self.show_engine_info)

    # ------------------------------------------------------------------ status, title
    def set_status(self, text: str) -> None:
        self.status.set_text(text)

    def update_title(self) -> None:
        mark = "*" if self.document.is_modified else ""
        self.root.title(f"{mark}{self.document.display_name} — Pianola")

    def show_error(self, exc: Exception, title: str = "Pianola") -> None:
        self.set_status(str(exc))
        messagebox.showerror(title, str(exc), parent=self.root)

    def show_shortcuts(self):
        return help_window.show_shortcuts(self)

    def show_engine_info(self) -> None:
        ready = self.link.ready
        info = ready.summary() if ready is not None else (self.link.error or "Audio is starting.")
        messagebox.showinfo("Audio engine", info, parent=self.root)

    # ------------------------------------------------------------------ transport
    def toggle_play(self) -> None:
        self.playback.toggle()

    def to_start(self) -> None:
        self.playback.to_start()

    def panic(self) -> None:
        self.playback.panic()
        self.set_status("All notes off.")

    def set_follow(self, on: bool) -> None:
        self.roll.follow = on
        self.follow_var.set(on)
        self.transport.follow_var.set(on)

    def set_loop_enabled(self, on: bool) -> None:
        score = self.document.score
        loop = score.loop
        if loop is None:  # no region yet: the first four bars
            bar = score.bar_ticks_at(0)
            score = edits.set_loop(score, 0, 4 * bar, on)
        else:
            score = edits.set_loop(score, loop.start_tick, loop.end_tick, on)
        self.document.apply(score, "Loop on" if on else "Loop off")

    # ------------------------------------------------------------------ document/engine
    def _on_document(self, document: Document, reason: str) -> None:
        # (the engine link hears the document itself: here only the window's own views)
        if reason == "load":
            self.playback.song_replaced()
        if reason in ("load", "edit", "track"):
            self.tracks.refresh()
        self.transport.refresh()
        self.update_title()

    def _on_engine_event(self, event) -> None:
        if isinstance(event, evt.ReadyEvent):
            self.tracks.set_presets(event.preset_names)
            self.set_status(f"Audio ready: {event.driver}.")

    # ------------------------------------------------------------------ files
    def open_path(self, path) -> None:
        """Open a .pianola song, or import a .mid file, replacing the document."""
        from engine.files.project_file import load_project
        from engine.files.song_files import READERS

        path = Path(path)
        # by extension; anything else is tried as a song, so its error says what it is
        reader = READERS.get(path.suffix.lower(), load_project)
        score = reader(path)
        # an imported MIDI file has no song file yet: Save asks for one
        self.document.replace(score, path if reader is load_project else None)
        self.set_status(f"Opened {path.name}.")

    def save_to(self, path) -> None:
        from engine.files.project_file import save_project

        path = Path(path)
        save_project(self.document.score, path)
        self.document.mark_saved(path)
        self.set_status(f"Saved {path.name}.")

    def new_document(self) -> None:
        """An empty song in place of the current one, asking nothing (files.new asks)."""
        self.playback.stop()
        self.document.replace(empty_score(), None)

    def quit(self) -> None:
        """Quit as the musician asks it: the File commands ask about unsaved work first."""
        self.files.quit()

    def destroy(self) -> None:
        """Close the engine and the window at once, asking nothing."""
        self.close()
        self.root.destroy()

    def close(self) -> None:
        """Stop the engine (no note left sounding); safe to call twice."""
        self.link.close()
