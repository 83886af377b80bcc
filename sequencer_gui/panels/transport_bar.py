"""The transport bar: play/stop, to start, loop, follow, tempo, meter, grid, note length, position (GUI thread).

Tempo and time signature are edits of the score (one undo step each, heard live since the
engine gets the new score): each box edits the change in force at the cursor, and its
"+" button adds a change at the cursor instead (a meter change at the start of the
cursor's bar).  Both boxes show what is in force where the cursor is.  Grid and note
length are view settings of the roll.  The position field shows the cursor as
bar.beat.tick; type a position there and Enter to move the cursor to it.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core.errors import ScoreError
from sequencer_gui import timeline_edits
from sequencer_gui.fonts import MONO_LARGE
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
        self.followed_bpm: float | None = None  # a sync source's tempo, shown instead
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
        # Enter applies and gives the keyboard back to the roll (Space plays again)
        for key in ("<Return>", "<KP_Enter>"):
            self.tempo.bind(key, lambda e: (self.apply_tempo(), self._back_to_roll()))
        self.tempo.bind("<Escape>", lambda e: (self.refresh(), self._back_to_roll())[1])
        self.tempo.bind("<FocusOut>", lambda e: self.apply_tempo())
        self.add_tempo_button = ttk.Button(
            self, text="+", width=2, style="Toolbutton", command=lambda: self.apply_tempo(add=True)
        )
        self.meter = ttk.Combobox(
            self, values=METERS, width=5, textvariable=self.meter_var, state="readonly"
        )
        self.meter.bind(
            "<<ComboboxSelected>>", lambda e: (self.apply_meter(), self._back_to_roll())
        )
        self.add_meter_button = ttk.Button(
            self, text="+", width=2, style="Toolbutton", command=lambda: self.apply_meter(add=True)
        )
        labels = [label for label, _ in grid_choices(window.document.score.ppq)]
        self.grid_box = ttk.Combobox(
            self, values=labels, width=5, textvariable=self.grid_var, state="readonly"
        )
        self.grid_box.bind(
            "<<ComboboxSelected>>", lambda e: (self.apply_grid(), self._back_to_roll())
        )
        self.length_box = ttk.Combobox(
            self, values=labels, width=5, textvariable=self.length_var, state="readonly"
        )
        self.length_box.bind(
            "<<ComboboxSelected>>", lambda e: (self.apply_length(), self._back_to_roll())
        )
        for button in (
            self.play_button,
            self.start_button,
            loop,
            follow,
            self.add_tempo_button,
            self.add_meter_button,
        ):
            # no keyboard focus: Space must reach the window's play/stop, not press a button
            button.configure(takefocus=False)
        for widget in (
            self.play_button,
            self.start_button,
            loop,
            follow,
            ttk.Label(self, text="  Tempo", style="Dim.TLabel"),
            self.tempo,
            self.add_tempo_button,
            ttk.Label(self, text="BPM   Meter", style="Dim.TLabel"),
            self.meter,
            self.add_meter_button,
            ttk.Label(self, text="  Grid", style="Dim.TLabel"),
            self.grid_box,
            ttk.Label(self, text="  New note", style="Dim.TLabel"),
            self.length_box,
        ):
            widget.pack(side="left", padx=2)
        self.position_var = tk.StringVar(value="1.1.000")
        self.position = ttk.Entry(
            self,
            textvariable=self.position_var,
            width=10,
            justify="right",
            font=MONO_LARGE,
            style="Position.TEntry",
        )
        self.position.bind("<Return>", lambda e: self.apply_position())
        self.position.bind("<KP_Enter>", lambda e: self.apply_position())
        self.position.bind("<Escape>", lambda e: self._leave_position())
        self.position.bind("<FocusOut>", lambda e: self.show_position(window.roll.cursor_tick))
        # packed first: a narrow window cuts the bar's last boxes, never the position
        self.position.pack(side="right", padx=6, before=self.play_button)
        self._shown_changes = None  # (tempo change, time signature) the boxes show

    # ------------------------------------------------------------------ from the user
    def apply_tempo(self, add: bool = False) -> None:
        """Set the tempo in force at the cursor to the box's value (or add a change there)."""
        doc = self.window.document
        try:
            bpm = float(self.tempo_var.get())
            cursor = self.window.roll.cursor_tick
            score = timeline_edits.set_tempo_at_cursor(doc.score, cursor, bpm, add)
        except (ValueError, ScoreError) as exc:
            self.window.set_status(
                str(exc)
                if isinstance(exc, ScoreError)
                else "The tempo must be a number of beats per minute."
            )
            self.refresh()
            return
        if score.tempo_map != doc.score.tempo_map:
            doc.apply(score, "Add tempo change" if add else "Change tempo")

    def apply_meter(self, add: bool = False) -> None:
        """Set the meter in force at the cursor (or add a change at the cursor's bar)."""
        numerator, denominator = (int(v) for v in self.meter_var.get().split("/"))
        doc = self.window.document
        cursor = self.window.roll.cursor_tick
        score = timeline_edits.set_meter_at_cursor(doc.score, cursor, numerator, denominator, add)
        if score.time_signatures != doc.score.time_signatures:
            doc.apply(score, "Add time signature" if add else "Change time signature")

    def apply_position(self) -> str:
        """Move the cursor to the typed bar.beat.tick."""
        window = self.window
        try:
            tick = timeline_edits.parse_position(self.position_var.get(), window.document.score)
        except ValueError as exc:
            window.set_status(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            self.position.selection_range(0, "end")
            return "break"
        window.playback.locate(tick)
        self._leave_position()
        return "break"

    def _leave_position(self) -> str:
        self._back_to_roll()
        self.show_position(self.window.roll.cursor_tick)
        return "break"

    def _back_to_roll(self) -> str:
        self.window.roll.canvas.focus_set()
        return "break"

    def focus_position(self) -> None:
        """Give the position field the keyboard, its text selected, to type where to go."""
        self.position.focus_set()
        self.position.selection_range(0, "end")
        self.position.icursor("end")

    def focus_box(self, lane: str) -> None:
        """Give the tempo or meter box the keyboard, its text selected (a lane asked)."""
        self.refresh()
        box = self.tempo if lane == "tempo" else self.meter
        box.focus_set()
        if lane == "tempo":
            box.selection_range(0, "end")
            box.icursor("end")

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
        bpm = self.followed_bpm or score.tempo_map.bpm_at(window.roll.cursor_tick)
        # integer microseconds per quarter make 116 BPM read back as 116.00008
        self.tempo_var.set(f"{bpm:.2f}".rstrip("0").rstrip("."))
        sig = score.time_signatures.at(window.roll.cursor_tick)
        self.meter_var.set(f"{sig.numerator}/{sig.denominator}")
        self._shown_changes = (score.tempo_map.change_at(window.roll.cursor_tick), sig)
        self.loop_var.set(score.loop_enabled)
        names = {t: label for label, t in grid_choices(score.ppq)}
        self.grid_var.set(names.get(window.roll.grid_ticks, ""))
        self.length_var.set(names.get(window.roll.new_length_ticks, "(custom)"))

    def show_playing(self, playing: bool) -> None:
        self.play_button.configure(text="■ Stop" if playing else "▶ Play")

    def show_position(self, tick: int) -> None:
        score = self.window.document.score
        try:
            focus = self.focus_get()
        except KeyError:  # focus in a widget Tkinter does not know (a combobox's list)
            focus = None
        if focus is not self.position:  # never overwrite what the musician is typing
            self.position_var.set(str(score.time_signatures.tick_to_bar_beat(tick, score.ppq)))
        changes = (score.tempo_map.change_at(tick), score.time_signatures.at(tick))
        if changes != self._shown_changes and focus not in (self.tempo, self.meter):
            self.refresh()
