"""Step input: keys played on a MIDI keyboard while the transport stands enter notes at
the cursor (GUI thread).

Each key (or chord: keys held together) enters a note of the roll's new-note length at
the cursor in the edited track; when the last key of the chord is released the cursor
advances by one grid step, ready for the next.  A chord is one undo step.
"""

from __future__ import annotations

import tkinter as tk

from engine.core.edits import add_notes
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
        self._chord: list[Note] = []
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

    def _key_down(self, key: int, velocity: int) -> None:
        w, doc = self.window, self.window.document
        if key in self._held:
            return
        self._held.add(key)
        note = Note(w.roll.cursor_tick, w.roll.new_length_ticks, key, velocity)
        if not self._chord:
            doc.begin(LABEL)
            self._base = doc.score
        self._chord.append(note)
        score, _ = add_notes(self._base, doc.track_index, self._chord)
        if doc.history.in_gesture:
            doc.update(score)
        else:  # an edit in between ended the chord's gesture: the rest is a step of its own
            doc.apply(score, LABEL)

    def _key_up(self, key: int) -> None:
        self._held.discard(key)
        if self._held or not self._chord:
            return
        w = self.window
        self.window.document.commit()
        self._chord = []
        w.playback.locate(w.roll.cursor_tick + w.roll.grid_ticks)
