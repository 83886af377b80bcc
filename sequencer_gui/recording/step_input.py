"""Step input: keys played on a MIDI keyboard while the transport stands enter notes at
the cursor (GUI thread).

In the piano roll, each key (or chord: keys held together) enters a note of the roll's
new-note length at the cursor in the edited track; when the last key of the chord is
released the cursor advances by one grid step, ready for the next.  With the step grid
shown, each key sets the step under the step cursor in the lane that plays that key, at
the velocity played, and the step cursor moves on by one step.  A chord is one undo
step.
"""

from __future__ import annotations

import tkinter as tk

from engine.core import pattern_edits as pe
from engine.core.edits import add_notes
from engine.core.errors import ScoreError
from engine.core.note import Note
from engine.core.protocol import events as evt

LABEL = "Step input"


class StepInput:
    """Listens to the engine's MIDI input while stopped (see module doc)."""

    def __init__(self, window, recorder):
        self.window = window
        self.recorder = recorder
        self.enabled_var = tk.BooleanVar(window.root, value=False)
        self._held: set[int] = set()
        self._chord: list = []  # the notes (roll) or keys (step grid) of the chord
        self._in_grid = False
        self._base = None
        window.link.listeners.append(self.on_event)

    def on_event(self, event) -> None:
        if not isinstance(event, evt.MidiInputEvent) or not self.enabled_var.get():
            return
        w = self.window
        if event.playing or w.playback.playing or self.recorder.recording:
            return
        kind = event.data[0] & 0xF0
        if kind == 0x90 and len(event.data) == 3 and event.data[2] > 0:
            self._key_down(event.data[1], event.data[2])
        elif kind in (0x80, 0x90) and len(event.data) == 3:
            self._key_up(event.data[1])

    def _grid(self):
        """The step grid's panel when it is the view shown and has a pattern, else None."""
        w = self.window
        steps = getattr(w, "steps", None)
        if steps is None or w.views.index("current") != 1 or steps.panel.pattern is None:
            return None
        return steps.panel

    def _key_down(self, key: int, velocity: int) -> None:
        w, doc = self.window, self.window.document
        if key in self._held:
            return
        self._held.add(key)
        panel = self._grid()
        if not self._chord:
            self._base = doc.score
            self._in_grid = panel is not None
            doc.begin(LABEL)
        try:
            if self._in_grid and panel is not None:
                score = self._set_step(panel, key, velocity)
            else:
                note = Note(w.roll.cursor_tick, w.roll.new_length_ticks, key, velocity)
                self._chord.append(note)
                score, _ = add_notes(self._base, doc.track_index, self._chord)
        except (ScoreError, LookupError) as exc:
            w.set_status(str(exc))
            return
        if score is None:
            return
        if doc.history.in_gesture:
            doc.update(score)
        else:  # an edit in between ended the chord's gesture: the rest is a step of its own
            doc.apply(score, LABEL)

    def _set_step(self, panel, key: int, velocity: int):
        """The step under the step cursor, in the lane playing ``key``, set on."""
        pattern = panel.pattern
        lanes = [lane for lane in pattern.lanes if lane.key == key]
        if not lanes:
            self.window.set_status(f"No lane of pattern {pattern.name} plays key {key}.")
            return None
        step = panel.grid_view.cursor[1]
        if step >= lanes[0].length_steps:
            return None  # past the end of that lane
        self._chord.append(key)
        score = self.window.document.score
        return pe.set_step(score, pattern.id, lanes[0].id, step, on=True, velocity=velocity)

    def _key_up(self, key: int) -> None:
        self._held.discard(key)
        if self._held:
            return
        w = self.window
        w.document.commit()
        if not self._chord:
            return
        self._chord = []
        panel = self._grid()
        if self._in_grid and panel is not None:
            panel.grid_view.move_cursor(d_step=1)
        else:
            w.playback.locate(w.roll.cursor_tick + w.roll.grid_ticks)
