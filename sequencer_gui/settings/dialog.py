"""The Preferences dialog (GUI thread): edits the preferences with ttk widgets; OK saves
them, and new audio settings restart the engine through the engine link's keeper.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import replace
from tkinter import filedialog, messagebox, ttk

from engine.core.errors import PianolaError
from sequencer_gui.recording.input_choice import InputField, choose_input
from sequencer_gui.settings.preferences import (
    AUDIO_DRIVERS,
    GRIDS,
    MAX_AUTOSAVE_S,
    MIN_AUTOSAVE_S,
    PERIOD_SIZES,
    SAMPLE_RATES,
    THEMES,
    Preferences,
    PreferencesStore,
    to_audio_settings,
)


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
            "theme": tk.StringVar(top, prefs.theme),
        }
        self.widgets: dict[str, tk.Widget] = {}
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
        add("Theme", "theme", combo("theme", THEMES))
        # the same choice as Transport > MIDI Input (the window's recording settings)
        self.midi_input = InputField(frame, window) if hasattr(window, "recording") else None
        if self.midi_input is not None:
            add("MIDI input", "midi_input", self.midi_input.frame)
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
            sample_rate, period_frames, autosave_interval_s = (
                int(v[name]) for name in ("sample_rate", "period_frames", "autosave_interval_s")
            )
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
            theme=v["theme"],
            sample_rate=sample_rate,
            period_frames=period_frames,
            autosave_interval_s=autosave_interval_s,
            midi_input=(
                self.midi_input.source
                if self.midi_input is not None
                else self.store.preferences.midi_input
            ),
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
            self.window.link.keeper.apply_settings(settings, realtime=new.realtime_priority)
        recording = getattr(self.window, "recording", None)
        if recording is not None and new.midi_input != recording.settings.input_source:
            choose_input(self.window, recording.settings, recording.outputs, new.midi_input)
        if self.on_saved is not None:
            self.on_saved(old, new)
        return True

    def cancel(self) -> None:
        self.top.destroy()
