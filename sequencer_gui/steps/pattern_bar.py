"""The bar above the step grid: pattern selector and commands, length, step size, swing,
lanes, play mode and the fill switch (GUI thread).

Every change of the song here is one undo step through the document; the play mode,
the queued pattern and fill are transport state kept by the ``PatternSession``.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import replace
from functools import partial
from tkinter import simpledialog, ttk
from typing import Literal

from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.gm_drums import GM_DRUM_NAMES, note_name
from engine.core.pattern import MAX_STEPS, MAX_SWING, MIN_SWING, STEP_SIZES, Pattern

MELODIC_OCTAVES = range(1, 8)  # C1..B7 offered for new lanes on a melodic track


class PatternBar(ttk.Frame):
    """Two rows of controls for the selected pattern."""

    def __init__(self, master, panel):
        super().__init__(master, padding=(4, 2))
        self.panel = panel
        self.clipboard: Pattern | None = None
        self.pattern_var = tk.StringVar()
        self.length_var = tk.StringVar(value="16")
        self.size_var = tk.StringVar(value="1/16")
        self.swing_var = tk.StringVar(value="50")
        self.mode_var = tk.StringVar(value="song")
        self.latch_var = tk.BooleanVar(value=False)
        self.fill_var = tk.BooleanVar(value=False)
        self._ids: list[str] = []
        self._menu_for_drums: bool | None = None

        top = ttk.Frame(self)
        top.pack(side="top", fill="x")
        ttk.Label(top, text="Pattern").pack(side="left")
        self.selector = ttk.Combobox(top, textvariable=self.pattern_var, width=18, state="readonly")
        self.selector.bind("<<ComboboxSelected>>", lambda e: self._picked())
        self.selector.pack(side="left", padx=(4, 6))
        self.buttons = {}
        for name, label in (
            ("new", "New"),
            ("duplicate", "Duplicate"),
            ("rename", "Rename…"),
            ("clear", "Clear"),
            ("copy", "Copy"),
            ("paste", "Paste"),
            ("delete", "Delete"),
        ):
            button = ttk.Button(
                top, text=label, width=len(label) + 1, command=getattr(self, f"{name}_pattern")
            )
            button.configure(takefocus=False)
            button.pack(side="left", padx=1)
            self.buttons[name] = button
        self.queued_label = ttk.Label(top, text="", foreground="#c9a10c")
        self.queued_label.pack(side="left", padx=8)

        bottom = ttk.Frame(self)
        bottom.pack(side="top", fill="x", pady=(3, 0))
        ttk.Label(bottom, text="Steps").pack(side="left")
        self.length_box = ttk.Spinbox(
            bottom,
            from_=1,
            to=MAX_STEPS,
            width=4,
            textvariable=self.length_var,
            command=self.apply_length,
        )
        self.length_box.bind("<Return>", lambda e: self.apply_length())
        self.length_box.bind("<FocusOut>", lambda e: self.apply_length())
        self.length_box.pack(side="left", padx=(3, 8))
        ttk.Label(bottom, text="Step").pack(side="left")
        self.size_box = ttk.Combobox(
            bottom, values=STEP_SIZES, width=6, textvariable=self.size_var, state="readonly"
        )
        self.size_box.bind("<<ComboboxSelected>>", lambda e: self.apply_step_size())
        self.size_box.pack(side="left", padx=(3, 8))
        ttk.Label(bottom, text="Swing %").pack(side="left")
        self.swing_box = ttk.Spinbox(
            bottom,
            from_=MIN_SWING,
            to=MAX_SWING,
            width=4,
            textvariable=self.swing_var,
            command=self.apply_swing,
        )
        self.swing_box.bind("<Return>", lambda e: self.apply_swing())
        self.swing_box.bind("<FocusOut>", lambda e: self.apply_swing())
        self.swing_box.pack(side="left", padx=(3, 8))
        self.add_lane_button = ttk.Menubutton(bottom, text="Add lane")
        self.add_lane_menu = tk.Menu(self.add_lane_button, tearoff=False)
        self.add_lane_button.configure(menu=self.add_lane_menu)
        self.add_lane_button.pack(side="left", padx=(0, 12))
        ttk.Label(bottom, text="Play").pack(side="left")
        for mode, label in (("pattern", "Pattern"), ("song", "Song")):
            ttk.Radiobutton(
                bottom,
                text=label,
                value=mode,
                variable=self.mode_var,
                command=lambda: panel.session.set_mode(self.mode_var.get()),
                takefocus=False,
            ).pack(side="left", padx=2)
        self.fill_button = ttk.Checkbutton(
            bottom, text="Fill", variable=self.fill_var, takefocus=False, style="Toolbutton"
        )
        self.fill_button.pack(side="left", padx=(12, 2))
        # Fill is held: on while the button is pressed, unless latched (then a click toggles)
        self.fill_button.bind("<ButtonPress-1>", self._fill_press)
        self.fill_button.bind("<ButtonRelease-1>", self._fill_release)
        ttk.Checkbutton(
            bottom, text="Latch", variable=self.latch_var, takefocus=False, command=self._latch
        ).pack(side="left")

    # ------------------------------------------------------------------ helpers
    @property
    def document(self):
        return self.panel.document

    @property
    def pattern(self) -> Pattern | None:
        return self.panel.pattern

    def _apply(self, score, label: str) -> None:
        self.document.apply(score, label)

    def _try(self, make, label: str) -> None:
        try:
            score = make()
        except ScoreError as exc:
            self.panel.set_status(str(exc))
            self.refresh()
            return
        self._apply(score, label)

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        """Show the song's patterns, the selected one's settings and the play state."""
        score = self.document.score
        session = self.panel.session
        names = [self._label(i, p) for i, p in enumerate(score.patterns)]
        self._ids = [p.id for p in score.patterns]
        self.selector.configure(values=names)
        pattern = self.pattern
        if pattern is None:
            self.pattern_var.set("")
        else:
            self.pattern_var.set(names[self._ids.index(pattern.id)])
            self.length_var.set(str(pattern.length_steps))
            self.size_var.set(pattern.step_size)
            self.swing_var.set(str(pattern.swing))
        state = "normal" if pattern is not None else "disabled"
        for name, button in self.buttons.items():
            if name == "paste":
                button.configure(state=state if self.clipboard is not None else "disabled")
            elif name != "new":
                button.configure(state=state)
        for widget in (self.length_box, self.swing_box):
            widget.configure(state=state)
        self.size_box.configure(state="readonly" if pattern is not None else "disabled")
        self.add_lane_button.configure(state=state)
        self._fill_lane_menu()
        self.mode_var.set(session.mode)
        self.fill_var.set(session.fill)
        queued = session.queued_id
        if queued is not None and score.has_pattern(queued):
            self.queued_label.configure(text=f"queued: {score.pattern(queued).name}")
        else:
            self.queued_label.configure(text="")

    @staticmethod
    def _label(index: int, pattern: Pattern) -> str:
        return f"{index + 1}  {pattern.name}" if index < 9 else pattern.name

    def _fill_lane_menu(self) -> None:
        if self._menu_for_drums == self.panel.is_drum:
            return  # the same sounds as shown: a menu of 47 entries is not rebuilt per edit
        self._menu_for_drums = self.panel.is_drum
        menu = self.add_lane_menu
        menu.delete(0, "end")
        if self.panel.is_drum:
            for i, (key, name) in enumerate(sorted(GM_DRUM_NAMES.items())):
                menu.add_command(
                    label=f"{key}  {name}",
                    command=partial(self.add_lane, key),
                    columnbreak=(i > 0 and i % 16 == 0),
                )
        else:
            for octave in MELODIC_OCTAVES:
                sub = tk.Menu(menu, tearoff=False)
                for key in range(12 * (octave + 1), 12 * (octave + 2)):
                    sub.add_command(label=note_name(key), command=partial(self.add_lane, key))
                menu.add_cascade(label=f"Octave {octave}", menu=sub)

    # ------------------------------------------------------------------ pattern commands
    def _picked(self) -> None:
        index = self.selector.current()
        if 0 <= index < len(self._ids):
            self.panel.session.select(self._ids[index])

    def new_pattern(self) -> None:
        score = self.document.score
        keys = pe.DEFAULT_DRUM_KEYS if self.panel.is_drum else (60, 62, 64, 65, 67, 69, 71, 72)
        pattern = pe.new_pattern(f"Pattern {len(score.patterns) + 1}", keys)
        self._apply(pe.add_pattern(score, pattern), "New pattern")
        self.panel.session.select(pattern.id)

    def duplicate_pattern(self) -> None:
        if self.pattern is None:
            return
        score, copy = pe.duplicate_pattern(self.document.score, self.pattern.id)
        self._apply(score, "Duplicate pattern")
        self.panel.session.select(copy.id)

    def rename_pattern(self) -> None:
        pattern = self.pattern
        if pattern is None:
            return
        name = simpledialog.askstring(
            "Rename pattern", "Name:", initialvalue=pattern.name, parent=self
        )
        if name is not None and name.strip() and name.strip() != pattern.name:
            self._try(
                lambda: pe.rename_pattern(self.document.score, pattern.id, name.strip()),
                "Rename pattern",
            )

    def clear_pattern(self) -> None:
        if self.pattern is not None:
            self._apply(pe.clear_pattern(self.document.score, self.pattern.id), "Clear pattern")

    def copy_pattern(self) -> None:
        if self.pattern is not None:
            self.clipboard = self.pattern
            self.panel.set_status(f"Copied pattern {self.pattern.name}.")
            self.refresh()

    def paste_pattern(self) -> None:
        """Paste the copied pattern's lanes and settings over the selected one (its name
        and its placements stay; the lanes get new ids so their dice roll afresh)."""
        pattern, clip = self.pattern, self.clipboard
        if pattern is None or clip is None:
            return
        pasted = replace(
            clip,
            id=pattern.id,
            name=pattern.name,
            lanes=tuple(replace(lane, id=pe.new_id("l")) for lane in clip.lanes),
        )
        score = self.document.score
        patterns = tuple(pasted if p.id == pattern.id else p for p in score.patterns)
        self._try(lambda: replace(score, patterns=patterns), "Paste pattern")

    def delete_pattern(self) -> None:
        pattern = self.pattern
        if pattern is None:
            return
        score = self.document.score
        index = [p.id for p in score.patterns].index(pattern.id)
        self._apply(pe.remove_pattern(score, pattern.id), "Delete pattern")
        patterns = self.document.score.patterns
        self.panel.session.select(patterns[min(index, len(patterns) - 1)].id if patterns else None)

    # ------------------------------------------------------------------ settings
    def _setting(
        self,
        var: tk.StringVar,
        field: Literal["length_steps", "swing"],
        lo: int,
        hi: int,
        label: str,
    ) -> None:
        pattern = self.pattern
        if pattern is None:
            return
        try:
            value = int(var.get())
        except ValueError:
            self.panel.set_status(f"The {label} must be a whole number from {lo} to {hi}.")
            self.refresh()
            return
        if not lo <= value <= hi:
            self.panel.set_status(f"The {label} must be from {lo} to {hi}, not {value}.")
            self.refresh()
            return
        if value != getattr(pattern, field):
            self._try(
                lambda: pe.set_pattern_settings(
                    self.document.score,
                    pattern.id,
                    length_steps=value if field == "length_steps" else None,
                    swing=value if field == "swing" else None,
                ),
                f"Change pattern {label}",
            )

    def apply_length(self) -> None:
        self._setting(self.length_var, "length_steps", 1, MAX_STEPS, "length")

    def apply_swing(self) -> None:
        self._setting(self.swing_var, "swing", MIN_SWING, MAX_SWING, "swing")

    def apply_step_size(self) -> None:
        pattern = self.pattern
        if pattern is not None and self.size_var.get() != pattern.step_size:
            self._try(
                lambda: pe.set_pattern_settings(
                    self.document.score, pattern.id, step_size=self.size_var.get()
                ),
                "Change step size",
            )

    def add_lane(self, key: int) -> None:
        pattern = self.pattern
        if pattern is None:
            return
        score, lane = pe.add_lane(self.document.score, pattern.id, key)
        self._apply(score, "Add lane")
        self.panel.preview_lane(lane)

    # ------------------------------------------------------------------ fill
    def _fill_press(self, event) -> str:
        self.panel.session.hold_fill(True)
        self.fill_var.set(self.panel.session.fill)
        return "break"

    def _fill_release(self, event) -> str:
        self.panel.session.hold_fill(False)
        self.fill_var.set(self.panel.session.fill)
        return "break"

    def _latch(self) -> None:
        self.panel.session.fill_latched = self.latch_var.get()
        if not self.latch_var.get():
            self.panel.session.set_fill(False)
            self.fill_var.set(False)
