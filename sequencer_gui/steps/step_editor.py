"""The compact editor of one step (double-click a step): every parameter at once (GUI thread).

Fields are checked when OK is pressed: a value out of range gets one sentence in the
dialog and nothing changes; OK makes the whole change one undo step.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.pattern import MAX_CONDITION_B, MAX_RATCHET, MAX_STEPS, Condition

# (field, label, lo, hi)
NUMBER_FIELDS = (
    ("velocity", "Velocity", 1, 127),
    ("length_steps", "Length (steps)", 1, MAX_STEPS),
    ("offset_pct", "Offset (% of a step)", -50, 50),
    ("probability", "Probability %", 0, 100),
    ("ratchet", "Ratchet", 1, MAX_RATCHET),
)
CONDITION_LABELS = {
    "always": "Always",
    "first": "First pass only",
    "not_first": "Not the first pass",
    "ab": "Pass A of every B",
    "fill": "Fill only",
    "not_fill": "Not during fill",
}


class StepEditor(tk.Toplevel):
    """A small dialog over the grid for step ``step_index`` of a lane."""

    def __init__(self, panel, lane_index: int, step_index: int):
        super().__init__(panel)
        self.panel = panel
        pattern = panel.pattern
        self.pattern_id = pattern.id
        lane = pattern.lanes[lane_index]
        self.lane_id = lane.id
        self.step_index = step_index
        step = lane.steps[step_index]
        self.title(f"Step {step_index + 1} of {panel.lane_name(lane)}")
        self.transient(panel.winfo_toplevel())
        self.resizable(False, False)
        body = ttk.Frame(self, padding=10)
        body.pack(fill="both", expand=True)
        self.on_var = tk.BooleanVar(value=step.on)
        ttk.Checkbutton(body, text="On", variable=self.on_var).grid(row=0, column=0, sticky="w")
        self.vars: dict[str, tk.StringVar] = {}
        for row, (name, label, lo, hi) in enumerate(NUMBER_FIELDS, start=1):
            ttk.Label(body, text=label).grid(row=row, column=0, sticky="w", pady=1)
            var = tk.StringVar(value=str(getattr(step, name)))
            ttk.Spinbox(body, from_=lo, to=hi, textvariable=var, width=6).grid(
                row=row, column=1, sticky="w", padx=(8, 0)
            )
            self.vars[name] = var
        row = len(NUMBER_FIELDS) + 1
        ttk.Label(body, text="Condition").grid(row=row, column=0, sticky="w", pady=1)
        self.kind_var = tk.StringVar(value=CONDITION_LABELS[step.condition.kind])
        kind = ttk.Combobox(
            body,
            values=list(CONDITION_LABELS.values()),
            textvariable=self.kind_var,
            state="readonly",
            width=18,
        )
        kind.grid(row=row, column=1, columnspan=3, sticky="w", padx=(8, 0))
        ab = ttk.Frame(body)
        ab.grid(row=row + 1, column=1, columnspan=3, sticky="w", padx=(8, 0))
        self.a_var = tk.StringVar(value=str(step.condition.a))
        self.b_var = tk.StringVar(value=str(step.condition.b))
        ttk.Label(ab, text="A").pack(side="left")
        ttk.Spinbox(ab, from_=1, to=MAX_CONDITION_B, textvariable=self.a_var, width=3).pack(
            side="left", padx=3
        )
        ttk.Label(ab, text="B").pack(side="left")
        ttk.Spinbox(ab, from_=1, to=MAX_CONDITION_B, textvariable=self.b_var, width=3).pack(
            side="left", padx=3
        )
        self.error = ttk.Label(body, text="", foreground="#d23a2c", wraplength=260)
        self.error.grid(row=row + 2, column=0, columnspan=4, sticky="w", pady=(6, 0))
        buttons = ttk.Frame(body)
        buttons.grid(row=row + 3, column=0, columnspan=4, sticky="e", pady=(8, 0))
        ttk.Button(buttons, text="Cancel", command=self.destroy).pack(side="right")
        ttk.Button(buttons, text="OK", command=self.apply).pack(side="right", padx=4)
        self.bind("<Return>", lambda e: self.apply())
        self.bind("<KP_Enter>", lambda e: self.apply())
        self.bind("<Escape>", lambda e: self.destroy())

    def changes(self) -> dict:
        """The step's fields as the dialog shows them; ScoreError naming a bad one."""
        out: dict = {"on": bool(self.on_var.get())}
        for name, label, lo, hi in NUMBER_FIELDS:
            text = self.vars[name].get().strip()
            try:
                value = int(text)
            except ValueError:
                raise ScoreError(f"{label} must be a whole number, not {text!r}.") from None
            if not lo <= value <= hi:
                raise ScoreError(f"{label} must be from {lo} to {hi}, not {value}.")
            out[name] = value
        kind = {v: k for k, v in CONDITION_LABELS.items()}[self.kind_var.get()]
        if kind == "ab":
            try:
                a, b = int(self.a_var.get()), int(self.b_var.get())
            except ValueError:
                raise ScoreError("A and B must be whole numbers.") from None
            out["condition"] = Condition("ab", a, b)
        else:
            out["condition"] = Condition(kind)
        return out

    def apply(self) -> None:
        panel = self.panel
        try:
            changes = self.changes()
            score = pe.set_step(
                panel.document.score, self.pattern_id, self.lane_id, self.step_index, **changes
            )
        except ScoreError as exc:
            self.error.configure(text=str(exc))
            return
        panel.document.apply(score, "Edit step")
        if changes["on"]:
            lane = panel.document.score.pattern(self.pattern_id).lane(self.lane_id)
            panel.preview_step(lane, changes["velocity"])
        self.destroy()
