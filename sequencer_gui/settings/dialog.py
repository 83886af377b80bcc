"""The Preferences dialog and keeping the engine alive (GUI thread).

``EngineKeeper`` restarts the engine process when it dies unasked (the song as it is by
then, loop and mix go to the new engine; the dead engine's JACK client is gone, so
nothing is left sounding) and when the musician changes the audio preferences -- in both
cases the document stays in the window untouched, and the window never waits for the
new engine: editing goes on while it starts, and its ReadyEvent finishes the restart.  ``PreferencesDialog`` edits the preferences with ttk widgets.
"""

from __future__ import annotations

import time
import tkinter as tk
from dataclasses import replace
from tkinter import filedialog, messagebox, ttk

from engine.core import protocol as p
from engine.core.errors import PianolaError
from sequencer_gui.settings.preferences import (
    AUDIO_DRIVERS,
    GRIDS,
    MAX_AUTOSAVE_S,
    MIN_AUTOSAVE_S,
    PERIOD_SIZES,
    SAMPLE_RATES,
    Preferences,
    PreferencesStore,
    to_audio_settings,
)

MAX_RESTARTS = 3  # within RESTART_WINDOW_S; more means restarting will not help
RESTART_WINDOW_S = 60.0


class EngineKeeper:
    """Restarts the window's engine after a crash or an audio-settings change."""

    def __init__(self, window):
        self.window = window
        self.link = window.link
        self.restarts: list[float] = []  # monotonic times of automatic restarts
        self._reported: set[str] = set()
        self.failed = False  # a fatal error was reported: do not restart on its exit
        self.resume: bool | None = None  # after a death: play again once ready?
        self.link.listeners.append(self.on_event)
        if self.link.state == "failed" and self.link.error:  # failed before we listened
            self.report(self.link.error)

    def report(self, message: str) -> None:
        """One dialog per distinct audio problem (no sound is worth one interruption, not
        one per retry); the status bar keeps saying it after the dialog is closed."""
        if message in self._reported:
            return
        self._reported.add(message)
        root = self.window.root
        # after_idle: never open a modal dialog inside the engine pipe's file handler
        root.after_idle(lambda: messagebox.showerror("Audio is off", message, parent=root))

    def on_event(self, event) -> None:
        if isinstance(event, p.ReadyEvent):
            self.failed = False
            if self.resume is not None:
                self.restarted_after_death(self.resume)
        elif isinstance(event, p.ErrorEvent) and event.fatal:
            # the engine could not start or run with these settings (no JACK server, no
            # SoundFont...): it exits, and starting it again would fail the same way
            self.failed = True
            self.resume = None
            self.report(event.message)
        elif isinstance(event, p.EngineDiedEvent) and not self.failed:
            client = self.link.client
            # the dead engine's last position is still in shared memory
            was_playing = client is not None and client.read_position().playing
            self.window.set_status(f"{event.message} Engine restarting…")
            self.window.root.after(100, lambda: self.restart_after_death(was_playing))

    def restart_after_death(self, was_playing: bool = False) -> bool:
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_S]
        if len(self.restarts) >= MAX_RESTARTS:
            self.window.set_status(
                "The audio engine keeps stopping, so Pianola no longer restarts it; your "
                "song is safe: check the audio set-up in Preferences or `pianola doctor`."
            )
            return False
        self.restarts.append(now)
        self.link.restart()  # returns at once; the ReadyEvent calls restarted_after_death
        if self.link.state != "starting":
            return False  # the link reported why in the status bar
        self.resume = was_playing
        self.window.status.refresh()
        self.window.set_status(
            "The audio engine stopped unexpectedly. Engine restarting… (you can go on editing)"
        )
        return True

    def restarted_after_death(self, was_playing: bool) -> None:
        """The new engine is ready and has the song, loop, mix and transport position."""
        self.resume = None
        if was_playing:
            self.window.playback.play()  # the cursor animation follows the engine again
        self.window.status.refresh()
        self.window.set_status(
            "The audio engine stopped unexpectedly and was restarted; your song is loaded again."
        )

    def apply_settings(self, settings, *, realtime: bool) -> None:
        """Restart the engine with new audio settings; the document stays as it is."""
        playback = self.window.playback
        if playback.playing:
            playback.stop()
        self.failed = False
        self.resume = None
        # returns at once: the old engine ends, then the new one starts and gets the
        # document's score (which carries the mix and the loop)
        self.link.change_settings(settings, realtime=realtime)
        self.window.status.refresh()
        self.window.set_status("Restarting audio with the new settings…")


def engine_keeper(window) -> EngineKeeper:
    keeper = getattr(window, "engine_keeper", None)
    if keeper is None:
        keeper = window.engine_keeper = EngineKeeper(window)
    return keeper


class PreferencesDialog:
    """A non-modal Preferences window: OK saves and applies, Cancel forgets."""

    def __init__(self, window, store: PreferencesStore, on_saved=None):
        self.window = window
        self.store = store
        self.on_saved = on_saved
        prefs = store.preferences
        top = self.top = tk.Toplevel(window.root)
        top.title("Preferences - Pianola")
        top.transient(window.root)
        frame = ttk.Frame(top, padding=12)
        frame.pack(fill="both", expand=True)
        self.vars = {
            "audio_driver": tk.StringVar(top, prefs.audio_driver),
            "jack_server": tk.StringVar(top, prefs.jack_server),
            "jack_autoconnect": tk.BooleanVar(top, prefs.jack_autoconnect),
            "sample_rate": tk.StringVar(top, str(prefs.sample_rate)),
            "period_frames": tk.StringVar(top, str(prefs.period_frames)),
            "soundfont": tk.StringVar(top, prefs.soundfont),
            "realtime_priority": tk.BooleanVar(top, prefs.realtime_priority),
            "autosave_interval_s": tk.StringVar(top, str(prefs.autosave_interval_s)),
            "default_grid": tk.StringVar(top, prefs.default_grid),
        }
        self.widgets = {}
        row = 0

        def add(label, name, widget):
            nonlocal row
            ttk.Label(frame, text=label).grid(row=row, column=0, sticky="w", pady=3, padx=(0, 8))
            widget.grid(row=row, column=1, sticky="ew", pady=3)
            self.widgets[name] = widget
            row += 1

        def combo(name, values):
            return ttk.Combobox(
                frame,
                textvariable=self.vars[name],
                state="readonly",
                values=[str(v) for v in values],
                width=24,
            )

        add("Audio driver", "audio_driver", combo("audio_driver", AUDIO_DRIVERS))
        add(
            "JACK server (empty: default)",
            "jack_server",
            ttk.Entry(frame, textvariable=self.vars["jack_server"]),
        )
        add(
            "",
            "jack_autoconnect",
            ttk.Checkbutton(
                frame, text="Connect to the speakers (JACK)", variable=self.vars["jack_autoconnect"]
            ),
        )
        add("Sample rate (Hz)", "sample_rate", combo("sample_rate", SAMPLE_RATES))
        add("Period (frames)", "period_frames", combo("period_frames", PERIOD_SIZES))
        sf = ttk.Frame(frame)
        ttk.Entry(sf, textvariable=self.vars["soundfont"], width=30).pack(
            side="left", fill="x", expand=True
        )
        ttk.Button(sf, text="Browse…", command=self.browse_soundfont).pack(side="left", padx=4)
        add("SoundFont (empty: automatic)", "soundfont", sf)
        add(
            "",
            "realtime_priority",
            ttk.Checkbutton(
                frame, text="Ask for realtime priority", variable=self.vars["realtime_priority"]
            ),
        )
        add(
            "Autosave after (seconds)",
            "autosave_interval_s",
            ttk.Spinbox(
                frame,
                from_=MIN_AUTOSAVE_S,
                to=MAX_AUTOSAVE_S,
                increment=1,
                textvariable=self.vars["autosave_interval_s"],
                width=6,
            ),
        )
        add("Default grid", "default_grid", combo("default_grid", GRIDS))
        frame.columnconfigure(1, weight=1)
        buttons = ttk.Frame(frame)
        buttons.grid(row=row, column=0, columnspan=2, sticky="e", pady=(12, 0))
        self.ok_button = ttk.Button(buttons, text="OK", default="active", command=self.ok)
        self.cancel_button = ttk.Button(buttons, text="Cancel", command=self.cancel)
        self.ok_button.pack(side="left", padx=4)
        self.cancel_button.pack(side="left", padx=4)
        top.bind("<Escape>", lambda _e: self.cancel())
        top.protocol("WM_DELETE_WINDOW", self.cancel)

    def browse_soundfont(self) -> None:
        path = filedialog.askopenfilename(
            parent=self.top,
            title="Choose a SoundFont",
            filetypes=[("SoundFont 2", "*.sf2"), ("All files", "*")],
        )
        if path:
            self.vars["soundfont"].set(path)

    def collect(self) -> Preferences:
        """The preferences the dialog shows; ValueError (one sentence) for a bad entry."""
        v = {name: var.get() for name, var in self.vars.items()}
        try:
            numbers = {
                name: int(v[name])
                for name in ("sample_rate", "period_frames", "autosave_interval_s")
            }
        except ValueError:
            raise ValueError(
                "sample rate, period and autosave interval must be whole numbers"
            ) from None
        return replace(
            self.store.preferences,
            audio_driver=v["audio_driver"],
            jack_server=v["jack_server"].strip(),
            jack_autoconnect=bool(v["jack_autoconnect"]),
            soundfont=v["soundfont"].strip(),
            realtime_priority=bool(v["realtime_priority"]),
            default_grid=v["default_grid"],
            **numbers,
        )

    def ok(self) -> bool:
        old = self.store.preferences
        try:
            new = self.collect()
            settings = to_audio_settings(new)
        except ValueError as exc:
            messagebox.showerror(
                "Preferences", f"{str(exc)[:1].upper()}{str(exc)[1:]}.", parent=self.top
            )
            return False
        if new != old:
            try:
                self.store.save(new)
            except PianolaError as exc:
                messagebox.showerror("Preferences", str(exc), parent=self.top)
                return False
        self.top.destroy()
        if new.audio_differs(old):
            engine_keeper(self.window).apply_settings(settings, realtime=new.realtime_priority)
        if self.on_saved is not None:
            self.on_saved(old, new)
        return True

    def cancel(self) -> None:
        self.top.destroy()
