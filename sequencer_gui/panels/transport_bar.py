"""The transport bar: play/stop, to start, loop, follow, tempo, meter, grid, note length (GUI thread).

Tempo and time signature are edits of the score (one undo step each, heard live since the
engine gets the new score); grid and note length are view settings of the roll.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core import edits
from engine.core.errors import ScoreError
from sequencer_gui.roll.geometry import grid_choices

METERS = ("2/4", "3/4", "4/4", "5/4", "6/8", "7/8", "9/8", "12/8")


class TransportBar(ttk.Frame):
    """Buttons and fields above the roll."""

    def __init__(self, master, window):
        super().__init__(master, padding=(4, 3))
        self.window = window
        self.play_button = ttk.Button(
            self, text="▶ Play", width=8, style="Play.TButton", command=window.toggle_play
        )
        self.start_button = ttk.Button(self, text="◀◀", width=3, command=window.to_start)
        self.loop_var = tk.BooleanVar(value=False)
        self.follow_var = tk.BooleanVar(value=True)
        self.tempo_var = tk.StringVar(value="120")
        self.meter_var = tk.StringVar(value="4/4")
        self.grid_var = tk.StringVar(value="1/16")
        self.length_var = tk.StringVar(value="1/16")
        loop = ttk.Checkbutton(
            self,
            text="Loop",
            variable=self.loop_var,
            command=lambda: window.set_loop_enabled(self.loop_var.get()),
        )
        follow = ttk.Checkbutton(
            self,
            text="Follow",
            variable=self.follow_var,
            command=lambda: window.set_follow(self.follow_var.get()),
        )
        self.tempo = ttk.Spinbox(
            self,
            from_=20,
            to=300,
            increment=1,
            width=6,
            textvariable=self.tempo_var,
            command=self.apply_tempo,
        )
        self.tempo.bind("<Return>", lambda e: self.apply_tempo())
        self.tempo.bind("<FocusOut>", lambda e: self.apply_tempo())
        self.meter = ttk.Combobox(
            self, values=METERS, width=5, textvariable=self.meter_var, state="readonly"
        )
        self.meter.bind("<<ComboboxSelected>>", lambda e: self.apply_meter())
        labels = [label for label, _ in grid_choices(window.document.score.ppq)]
        self.grid_box = ttk.Combobox(
            self, values=labels, width=5, textvariable=self.grid_var, state="readonly"
        )
        self.grid_box.bind("<<ComboboxSelected>>", lambda e: self.apply_grid())
        self.length_box = ttk.Combobox(
            self, values=labels, width=5, textvariable=self.length_var, state="readonly"
        )
        self.length_box.bind("<<ComboboxSelected>>", lambda e: self.apply_length())
        for button in (self.play_button, self.start_button, loop, follow):
            # no keyboard focus: Space must reach the window's play/stop, not press a button
            button.configure(takefocus=False)
        for widget in (
            self.play_button,
            self.start_button,
            loop,
            follow,
            ttk.Label(self, text="  Tempo", style="Dim.TLabel"),
            self.tempo,
            ttk.Label(self, text="BPM   Meter", style="Dim.TLabel"),
            self.meter,
            ttk.Label(self, text="  Grid", style="Dim.TLabel"),
            self.grid_box,
            ttk.Label(self, text="  New note", style="Dim.TLabel"),
            self.length_box,
        ):
            widget.pack(side="left", padx=2)
        self.position_label = ttk.Label(
            self, text="1.1.000", width=10, anchor="e", style="Position.TLabel"
        )
        self.position_label.pack(side="right", padx=6)

    # ------------------------------------------------------------------ from the user
    def apply_tempo(self) -> None:
        doc = self.window.document
        try:
            bpm = float(self.tempo_var.get())
            tick = doc.score.tempo_map.change_at(self.window.roll.cursor_tick).tick
            score = edits.set_tempo(doc.score, tick, bpm)
        except (ValueError, ScoreError) as exc:
            self.window.set_status(
                str(exc)
                if isinstance(exc, ScoreError)
                else "The tempo must be a number of beats per minute."
            )
            self.refresh()
            return
        if score.tempo_map != doc.score.tempo_map:
            doc.apply(score, "Change tempo")

    def apply_meter(self) -> None:
        numerator, denominator = (int(v) for v in self.meter_var.get().split("/"))
        doc = self.window.document
        score = edits.set_time_signature(doc.score, 0, numerator, denominator)
        if score.time_signatures != doc.score.time_signatures:
            doc.apply(score, "Change time signature")

    def _ticks(self, label: str) -> int:
        return dict(grid_choices(self.window.document.score.ppq))[label]

    def apply_grid(self) -> None:
        self.window.roll.grid_ticks = self._ticks(self.grid_var.get())
        self.window.roll.redraw()

    def apply_length(self) -> None:
        self.window.roll.new_length_ticks = self._ticks(self.length_var.get())

    # ------------------------------------------------------------------ to the user
    def refresh(self) -> None:
        """Show the document's tempo, meter and loop and the roll's grid and length."""
        window = self.window
        score = window.document.score
        bpm = score.tempo_map.bpm_at(window.roll.cursor_tick)
        # integer microseconds per quarter make 116 BPM read back as 116.00008
        self.tempo_var.set(f"{bpm:.2f}".rstrip("0").rstrip("."))
        sig = score.time_signatures.at(0)
        self.meter_var.set(f"{sig.numerator}/{sig.denominator}")
        self.loop_var.set(score.loop_enabled)
        names = {t: label for label, t in grid_choices(score.ppq)}
        self.grid_var.set(names.get(window.roll.grid_ticks, ""))
        self.length_var.set(names.get(window.roll.new_length_ticks, "(custom)"))

    def show_playing(self, playing: bool) -> None:
        self.play_button.configure(text="■ Stop" if playing else "▶ Play")

    def show_position(self, tick: int) -> None:
        score = self.window.document.score
        self.position_label.configure(
            text=str(score.time_signatures.tick_to_bar_beat(tick, score.ppq))
        )
