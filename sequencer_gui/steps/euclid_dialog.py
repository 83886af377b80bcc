"""The Euclidean fill of one lane: hits, steps, rotation, heard live while it is open (GUI thread).

The dialog is one gesture of the document: every change of a field updates the song at
once (the engine gets it like any edit, so a playing pattern changes on the next step
that is still ahead), OK commits it as one undo step and Cancel puts the lane back.
Steps that stay on keep their velocity and other settings; new hits get the lane's
loudest velocity so far (100 in an empty lane).
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import replace
from tkinter import ttk

from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.generators import euclid
from engine.core.pattern import MAX_STEPS, OFF, Lane


def euclid_steps(lane: Lane, hits: int, steps: int, rotation: int) -> tuple:
    """The lane's steps with E(hits, steps, rotation) as its on/off pattern."""
    onsets = euclid(hits, steps, rotation)
    loud = max((s.velocity for s in lane.steps if s.on), default=100)
    old = lane.steps + (OFF,) * max(0, steps - lane.length_steps)
    out = []
    for i, on in enumerate(onsets):
        s = old[i]
        if on and not s.on:
            s = replace(s, on=True, velocity=loud)
        elif not on and s.on:
            s = replace(s, on=False)
        out.append(s)
    return tuple(out)


class EuclidDialog(tk.Toplevel):
    """E(k, n, r) for one lane of the selected pattern."""

    def __init__(self, panel, lane_index: int):
        super().__init__(panel)
        self.panel = panel
        pattern = panel.pattern
        lane = pattern.lanes[lane_index]
        self.pattern_id, self.lane = pattern.id, lane
        self.title(f"Euclidean rhythm: {panel.lane_name(lane)}")
        self.transient(panel.winfo_toplevel())
        self.resizable(False, False)
        on = sum(s.on for s in lane.steps)
        self.k_var = tk.IntVar(value=on if 0 < on <= lane.length_steps else 4)
        self.n_var = tk.IntVar(value=lane.length_steps)
        self.r_var = tk.IntVar(value=0)
        body = ttk.Frame(self, padding=10)
        body.pack(fill="both", expand=True)
        self.spins = {}
        for row, (label, var, lo, hi) in enumerate(
            (
                ("Hits", self.k_var, 0, MAX_STEPS),
                ("Steps", self.n_var, 1, MAX_STEPS),
                ("Rotation", self.r_var, -MAX_STEPS, MAX_STEPS),
            )
        ):
            ttk.Label(body, text=label).grid(row=row, column=0, sticky="w", pady=1)
            spin = ttk.Spinbox(
                body, from_=lo, to=hi, textvariable=var, width=5, command=self.preview
            )
            spin.grid(row=row, column=1, sticky="w", padx=(8, 0))
            spin.bind("<KeyRelease>", lambda e: self.preview())
            self.spins[label] = spin
        self.shown = ttk.Label(body, text="", font=("TkFixedFont", 10))
        self.shown.grid(row=3, column=0, columnspan=2, sticky="w", pady=(6, 0))
        buttons = ttk.Frame(body)
        buttons.grid(row=4, column=0, columnspan=2, sticky="e", pady=(8, 0))
        ttk.Button(buttons, text="Cancel", command=self.cancel).pack(side="right")
        ttk.Button(buttons, text="OK", command=self.ok).pack(side="right", padx=4)
        self.bind("<Return>", lambda e: self.ok())
        self.bind("<Escape>", lambda e: self.cancel())
        self.protocol("WM_DELETE_WINDOW", self.cancel)
        panel.document.begin("Euclidean rhythm")
        self.preview()

    def values(self) -> tuple[int, int, int]:
        return int(self.k_var.get()), int(self.n_var.get()), int(self.r_var.get())

    def preview(self) -> None:
        """Apply the fields to the lane now (part of the dialog's one gesture)."""
        try:
            k, n, r = self.values()
            if not (1 <= n <= MAX_STEPS and 0 <= k <= n):
                raise ScoreError(f"hits must be from 0 to the steps ({n}), steps from 1 to 64")
            steps = euclid_steps(self.lane, k, n, r)
            doc = self.panel.document
            score = pe.set_lane_steps(doc.score, self.pattern_id, self.lane.id, steps)
        except (tk.TclError, ValueError) as exc:  # ScoreError is a ValueError
            self.shown.configure(text=str(exc) if isinstance(exc, ScoreError) else "")
            return
        self.shown.configure(text="".join("x" if s.on else "." for s in steps))
        if not doc.history.in_gesture:
            doc.begin("Euclidean rhythm")
        doc.update(score)

    def ok(self) -> None:
        self.preview()
        self.panel.document.commit()
        self.destroy()

    def cancel(self) -> None:
        self.panel.document.cancel()
        self.destroy()
