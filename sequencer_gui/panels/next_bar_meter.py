"""A meter change "at the next bar" while playing: a switch in the Transport menu for the
transport bar's meter box (GUI thread).

With the switch on and the music playing, the meter chosen in the box goes to the engine
(``SetMeterCommand``), which puts it on the first bar line it has not yet played, so it is
heard exactly there however late the choice came.  The engine says where it landed
(``MeterChangedEvent``); in song mode the window then writes the same time signature
into the document there, as one undo step, so the song and what was heard agree.  In
pattern mode the change is the loop's own (its metronome and bar lines): the song keeps
its meter.  Stopped, or with the switch off, the box edits the meter at the cursor as
always.
"""

from __future__ import annotations

import tkinter as tk

from engine.core import edits
from engine.core.errors import ScoreError
from engine.core.protocol import events as evt

HINT = "A meter chosen while playing starts at the next bar line not yet heard."


class NextBarMeter:
    """The switch, the meter box's choice routed through it, and the engine's answer."""

    def __init__(self, window):
        self.window = window
        bar = window.transport
        self.var = tk.BooleanVar(value=False)
        # a switch of the Transport menu: the transport bar has no room left
        window.menus["transport"].add_checkbutton(
            label="Meter Changes at the Next Bar", variable=self.var, command=self._switched
        )
        # the box's choice comes here first (this binding replaces the bar's own)
        bar.meter.bind("<<ComboboxSelected>>", self._chosen)
        window.link.listeners.append(self.on_event)

    def _switched(self) -> None:
        self.window.set_status(HINT if self.var.get() else "Meter changes apply at the cursor.")

    def _chosen(self, _event=None) -> None:
        bar = self.window.transport
        if self.var.get() and self.window.playback.playing:
            numerator, denominator = (int(v) for v in bar.meter_var.get().split("/"))
            self.window.link.set_meter(numerator, denominator, at_next_bar=True)
        else:
            bar.apply_meter()
        bar._back_to_roll()

    def on_event(self, event) -> None:
        if not isinstance(event, evt.MeterChangedEvent):
            return
        sig = f"{event.numerator}/{event.denominator}"
        document = self.window.document
        if not event.in_song:
            self.window.set_status(f"The loop counts bars of {sig} from its next bar.")
            return
        try:
            score = edits.set_time_signature(
                document.score, event.tick, event.numerator, event.denominator
            )
        except ScoreError as exc:
            self.window.set_status(str(exc))
            return
        if score.time_signatures != document.score.time_signatures:
            document.apply(score, "Time signature at the next bar")
        bar = score.time_signatures.tick_to_bar_beat(event.tick, score.ppq).bar
        self.window.set_status(f"{sig} from bar {bar}.")
