"""How takes are recorded: count-in, overdub or replace, input quantize, the metronome,
the MIDI input (GUI thread: Tk variables the Transport menu edits)."""

from __future__ import annotations

import tkinter as tk

from engine.core.protocol import commands as cmd

QUANTIZE_CHOICES = (("Off", "off"), ("Grid", "grid"), ("1/4", "4"), ("1/8", "8"), ("1/16", "16"))
METRONOME_CHOICES = (("Off", "off"), ("While Recording", "recording"), ("Always", "always"))
VOLUME_CHOICES = (50, 75, 100, 150)


class RecordSettings:
    """The window's recording settings (see module doc)."""

    def __init__(self, root, input_source: str = ""):
        self.count_in_var = tk.IntVar(root, value=1)
        self.mode_var = tk.StringVar(root, value="overdub")
        self.quantize_var = tk.StringVar(root, value="off")
        self.metronome_var = tk.StringVar(root, value="recording")
        self.volume_var = tk.IntVar(root, value=100)
        # the MIDI input: a JACK MIDI output feeding Pianola's own JACK input, an
        # "API: port" label, or "API: Pianola virtual input" ("": only what is
        # connected to Pianola's own JACK input port, pianola-midi-in:in)
        self.input_source = input_source
        self.input_open = False  # the engine was asked to listen

    # --- remembered in the preferences ------------------------------------------------
    def load(self, prefs) -> None:
        """Take the recording settings of ``prefs`` (sequencer_gui.settings.preferences)."""
        self.input_source = prefs.midi_input
        self.count_in_var.set(prefs.count_in_bars)
        self.metronome_var.set(prefs.metronome)
        self.volume_var.set(prefs.metronome_volume)

    def remembered(self) -> dict:
        """The preference fields these settings keep."""
        return {
            "midi_input": self.input_source,
            "count_in_bars": self.count_in_bars,
            "metronome": self.metronome,
            "metronome_volume": self.metronome_volume,
        }

    @property
    def count_in_bars(self) -> int:
        return max(0, min(cmd.MAX_COUNT_IN_BARS, self.count_in_var.get()))

    @property
    def mode(self) -> str:
        return self.mode_var.get()

    @property
    def metronome(self) -> str:
        return self.metronome_var.get()

    @property
    def metronome_volume(self) -> int:
        return self.volume_var.get()

    def quantize_ticks(self, window) -> int:
        """The input quantize grid in ticks (0: as played)."""
        choice = self.quantize_var.get()
        if choice == "off":
            return 0
        if choice == "grid":
            return window.roll.grid_ticks
        return window.document.score.ppq * 4 // int(choice)

    def send_input(self, window) -> None:
        """Ask the engine to listen, through the edited track (MIDI thru)."""
        window.link.send(cmd.SetMidiInputCommand(self.input_source, window.document.track_index))
        self.input_open = True

    def send_metronome(self, window) -> None:
        """The metronome as set now (while recording it is switched by the recorder)."""
        window.link.send(cmd.SetMetronomeCommand(self.metronome == "always", self.metronome_volume))


# What starts the music instead of a count-in, by the sync source followed (the sync menu's
# names): these start every client together when their own transport rolls, so there is
# no moment of ours to count in to.  Link counts in: its session keeps the beat.
_STARTED_BY = {
    "jack-follow": "JACK transport drives playback: the take starts when it rolls",
    "jack-lead": "JACK transport drives playback: the take starts when it rolls",
    "midi-clock": "following MIDI clock: the take starts when its sender starts",
}


def count_in_words(bars: int, sync_source: str) -> str:
    """How the recording status goes on: the count-in, or why there is none."""
    if not bars:
        return ""
    if sync_source in _STARTED_BY:
        return f"; no count-in while {_STARTED_BY[sync_source]}"
    counted = f" after {bars} bar{'s' if bars > 1 else ''} of count-in"
    return counted + " on the Link session's bars" if sync_source == "link" else counted
