"""The step sequencer view: pattern bar, step grid and parameter lane together (GUI thread).

The panel is what the window's "Steps" tab shows.  It owns no state of the song: the
pattern it shows is the ``PatternSession``'s selection, every edit goes through the
document (so undo, autosave and the engine follow), and previews go to the engine link
so a step turned on is heard at once.  While playing, the lit steps come from the
position counter on each animation frame of the window's ``Playback``.
"""

from __future__ import annotations

import random
import tkinter as tk
from functools import partial
from tkinter import simpledialog, ttk

from engine.core import generators
from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.gm_drums import GM_DRUM_NAMES, note_name
from engine.core.pattern import Lane, Pattern, step_ticks
from sequencer_gui import palette
from sequencer_gui.steps.grid_editing import GridEditor
from sequencer_gui.steps.grid_looks import lane_label
from sequencer_gui.steps.grid_view import StepGrid
from sequencer_gui.steps.param_lane import ParamLane
from sequencer_gui.steps.pattern_bar import MELODIC_OCTAVES, PatternBar
from sequencer_gui.steps.playhead import lit_steps


class StepsPanel(ttk.Frame):
    """The Steps tab: everything about the selected pattern."""

    def __init__(self, master, window, session):
        super().__init__(master)
        self.window = window
        self.document = window.document
        self.link = window.link
        self.session = session
        self.bar = PatternBar(self, self)
        self.bar.pack(side="top", fill="x")
        self.grid_view = StepGrid(self, self)
        self.params = ParamLane(self, self)
        # the lane first, from the bottom: when the window is short the grid scrolls, the
        # lane stays whole
        self.params.pack(side="bottom", fill="x")
        self.grid_view.pack(side="top", fill="both", expand=True)
        self.editor = GridEditor(self)
        self.document.add_listener(self._on_document)
        session.listeners.append(lambda s: self.refresh())
        self._shown_pattern_id = None
        self.refresh()

    # ------------------------------------------------------------------ reading
    @property
    def pattern(self) -> Pattern | None:
        return self.session.pattern

    @property
    def is_drum(self) -> bool:
        return self.document.track.is_drum

    @property
    def track_colour(self) -> str:
        """The edited track's colour: its steps are drawn in it, as its notes are."""
        return palette.track_colour(self.document.track, self.document.track_index)

    def lane_name(self, lane: Lane) -> str:
        return lane_label(lane, self.is_drum)

    def set_status(self, text: str) -> None:
        self.window.set_status(text)

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        pattern = self.pattern
        pattern_id = pattern.id if pattern is not None else None
        if pattern_id != self._shown_pattern_id:
            self._shown_pattern_id = pattern_id
            self.grid_view.lit = {}
            self.grid_view.cursor = (0, 0)
        self.bar.refresh()
        self.grid_view.redraw()
        self.params.redraw()

    def _on_document(self, document, reason: str) -> None:
        if reason in ("load", "edit", "track"):
            self.refresh()

    # ------------------------------------------------------------------ sound
    def preview_lane(self, lane: Lane, velocity: int = 100) -> None:
        self.preview_step(lane, velocity)

    def preview_step(self, lane: Lane, velocity: int) -> None:
        """Sound a lane's key now, for one step's length (the engine clamps it to a blip)."""
        pattern = self.pattern
        ppq = self.document.score.ppq
        length = step_ticks(pattern.step_size, ppq) if pattern is not None else ppq // 4
        self.link.preview(self.session.track, lane.key, velocity, length)

    # ------------------------------------------------------------------ playing
    def show_position(self, position) -> None:
        """Light the step each lane plays, as the engine's position counter says (a frame
        of the window's animation; two cells per lane recoloured when the step moved)."""
        self.session.position_seen(position)
        pattern = self.pattern
        if pattern is None or not pattern.lanes:
            return
        patterns = self.document.score.patterns
        index, step = position.pattern_index, position.pattern_step
        if 0 <= index < len(patterns) and patterns[index].id == pattern.id and step >= 0:
            self.grid_view.light(lit_steps(pattern, position.pattern_pass, step))
        else:
            self.grid_view.light({})

    def stopped(self) -> None:
        self.grid_view.light({})

    # ------------------------------------------------------------------ commands
    def pick_pattern_number(self, number: int) -> None:
        patterns = self.document.score.patterns
        if 1 <= number <= len(patterns):
            self.session.select(patterns[number - 1].id)

    def edit_step(self, lane_index: int, step_index: int) -> None:
        from sequencer_gui.steps.step_editor import StepEditor

        StepEditor(self, lane_index, step_index)

    def euclid(self, lane_index: int) -> None:
        from sequencer_gui.steps.euclid_dialog import EuclidDialog

        EuclidDialog(self, lane_index)

    def lane_menu(self, lane_index: int, x_root: int, y_root: int) -> None:
        """The lane header's context menu: sound, name, Euclidean fill, clear, move, remove."""
        pattern = self.pattern
        if pattern is None:
            return  # no pattern shown: there is no lane to offer a menu for
        lane = pattern.lanes[lane_index]
        menu = tk.Menu(self, tearoff=False)
        sound = tk.Menu(menu, tearoff=False)
        if self.is_drum:
            for i, (key, name) in enumerate(sorted(GM_DRUM_NAMES.items())):
                sound.add_command(
                    label=f"{key}  {name}",
                    command=partial(self._lane_edit, lane, "Change lane sound", key=key),
                    columnbreak=(i > 0 and i % 16 == 0),
                )
        else:
            for octave in MELODIC_OCTAVES:
                sub = tk.Menu(sound, tearoff=False)
                for key in range(12 * (octave + 1), 12 * (octave + 2)):
                    sub.add_command(
                        label=note_name(key),
                        command=partial(self._lane_edit, lane, "Change lane sound", key=key),
                    )
                sound.add_cascade(label=f"Octave {octave}", menu=sub)
        menu.add_cascade(label="Sound", menu=sound)
        menu.add_command(label="Rename…", command=lambda: self._rename_lane(lane))
        menu.add_command(label="Euclidean…", command=lambda: self.euclid(lane_index))
        rhythm = tk.Menu(menu, tearoff=False)
        n = lane.length_steps

        def fill_every(every: int) -> None:
            hits = generators.fill_every(n, every)
            self._lane_steps(lane, f"Fill every {every}", generators.apply_hits(lane.steps, hits))

        for every in (2, 4, 8):
            rhythm.add_command(label=f"Fill every {every}", command=partial(fill_every, every))
        rhythm.add_separator()
        for label, steps in (
            ("Shift left", lambda: generators.shift(lane.steps, -1)),
            ("Shift right", lambda: generators.shift(lane.steps, 1)),
            ("Reverse", lambda: generators.reverse(lane.steps)),
            ("Randomize", lambda: generators.randomize(lane.steps, 50, random.getrandbits(31))),
            ("Humanize", lambda: generators.humanize(lane.steps, 10, 12, random.getrandbits(31))),
        ):
            rhythm.add_command(
                label=label, command=partial(self._lane_steps_made, lane, label, steps)
            )
        menu.add_cascade(label="Rhythm", menu=rhythm)
        menu.add_command(
            label="Clear lane",
            command=lambda: self._lane_edit(
                lane, "Clear lane", steps=tuple(type(s)() for s in lane.steps)
            ),
        )
        menu.add_separator()

        def move_lane(to: int) -> None:
            self.document.apply(
                pe.move_lane(self.document.score, pattern.id, lane.id, to), "Move lane"
            )

        for label, to in (("Move up", lane_index - 1), ("Move down", lane_index + 1)):
            menu.add_command(
                label=label,
                state="normal" if 0 <= to < len(pattern.lanes) else "disabled",
                command=partial(move_lane, to),
            )
        menu.add_command(
            label="Remove lane",
            command=lambda: self.document.apply(
                pe.remove_lane(self.document.score, pattern.id, lane.id), "Remove lane"
            ),
        )
        self.lane_menu_widget = menu  # tests drive it
        menu.tk_popup(x_root, y_root)

    def _lane_steps_made(self, lane: Lane, label: str, make_steps) -> None:
        # made when the entry is chosen: a random rhythm differs each time
        self._lane_steps(lane, label, make_steps())

    def _lane_steps(self, lane: Lane, label: str, steps) -> None:
        pattern = self.pattern
        if pattern is None:
            return  # the pattern went away while its lane's menu was open: nothing to change
        self.document.apply(
            pe.set_lane_steps(self.document.score, pattern.id, lane.id, steps), label
        )

    def _lane_edit(self, lane: Lane, label: str, **changes) -> None:
        pattern = self.pattern
        if pattern is None:
            return  # the pattern went away while its lane's menu was open: nothing to change
        try:
            score = pe.update_lane(self.document.score, pattern.id, lane.id, **changes)
        except ScoreError as exc:
            self.set_status(str(exc))
            return
        self.document.apply(score, label)
        if "key" in changes:
            self.preview_lane(self.document.score.pattern(pattern.id).lane(lane.id))

    def _rename_lane(self, lane: Lane) -> None:
        name = simpledialog.askstring(
            "Rename lane", "Name (empty: the sound's name):", initialvalue=lane.name, parent=self
        )
        if name is not None and name.strip() != lane.name:
            self._lane_edit(lane, "Rename lane", name=name.strip())
