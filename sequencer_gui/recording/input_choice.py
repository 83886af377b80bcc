"""The MIDI input choice, one for the Transport menu and the Preferences dialog (GUI thread).

The window's ``RecordSettings.input_source`` is the one value both show and change; what
can be chosen is what the engine last reported (``TrackOutputs.inputs``), plus the chosen
source when it is not there now (unplugged, or its program ended): it stays chosen and
both places say so in one sentence, so a keyboard plugged back in is one click away.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core.errors import PianolaError
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt

OWN_INPUT = "Pianola's own input port only (pianola-midi-in:in)"
GONE_MARK = " (not there now)"


def input_sources(chosen: str, outputs) -> list[str]:
    """What can be chosen: "" (Pianola's own input port), the reported sources (JACK MIDI
    outputs, other APIs' ports, Pianola's virtual input on each API but JACK), and
    ``chosen`` when it is not among them."""
    sources = ["", *outputs.inputs]
    if chosen and chosen not in sources:
        sources.append(chosen)
    return sources


def is_gone(source: str, outputs) -> bool:
    """True when the engine reported its ports and ``source`` is not among them (Pianola's
    own virtual input is never unplugged: the engine says why it cannot open one)."""
    return (
        bool(source)
        and outputs.reported
        and source not in outputs.inputs
        and not cmd.is_virtual_input(source)
    )


def source_label(source: str, outputs) -> str:
    if not source:
        return OWN_INPUT
    return source + GONE_MARK if is_gone(source, outputs) else source


def gone_sentence(source: str, outputs) -> str:
    """One sentence when the chosen source vanished, else ""."""
    if not is_gone(source, outputs):
        return ""
    return (
        f"The MIDI input {source} is not there now (unplugged, or its program ended): "
        "Pianola hears only its own input port until you choose it again."
    )


def remember(window, settings) -> None:
    """Keep the recording settings in the preferences (the File commands' store: the
    one that also writes the recent files, so neither overwrites the other)."""
    store = window.files.prefs
    changes = settings.remembered()
    if all(getattr(store.preferences, k) == v for k, v in changes.items()):
        return
    try:
        store.update(**changes)
    except (PianolaError, ValueError) as exc:
        window.set_status(f"The recording settings could not be remembered: {exc}")


def choose_input(window, settings, outputs, source: str) -> None:
    """Listen to ``source`` ("" = only Pianola's own input port) now and from now on."""
    settings.input_source = source
    settings.send_input(window)
    remember(window, settings)
    window.set_status(
        gone_sentence(source, outputs)
        or (f"MIDI input: {source}." if source else "MIDI input: Pianola's own input port only.")
    )


class InputField:
    """The Preferences dialog's MIDI input: the Transport menu's choices in a read-only
    combobox, and a line below saying when the chosen source is gone or JACK has none.
    ``source`` is what the dialog will save; the list follows the engine's reports."""

    def __init__(self, parent, window):
        recording = window.recording
        self.window = window
        self.outputs = recording.outputs
        self.source = recording.settings.input_source
        self._sources: list[str] = []
        self.frame = ttk.Frame(parent)
        self.var = tk.StringVar(self.frame)
        self.combo = ttk.Combobox(
            self.frame, textvariable=self.var, state="readonly", width=40, postcommand=self.refresh
        )
        self.combo.bind("<<ComboboxSelected>>", self._on_selected)
        self.combo.pack(fill="x")
        self.note = ttk.Label(self.frame, text="", wraplength=360, justify="left")
        self.note.pack(fill="x")
        self.refresh()
        window.link.listeners.append(self._on_event)
        self.frame.bind("<Destroy>", self._on_destroy)
        window.link.send(cmd.ListMidiPortsCommand())  # the ports as they are now

    def refresh(self) -> None:
        self._sources = input_sources(self.source, self.outputs)
        self.combo.configure(values=[source_label(s, self.outputs) for s in self._sources])
        self.var.set(source_label(self.source, self.outputs))
        self.note.configure(text=gone_sentence(self.source, self.outputs) or self.outputs.problem)

    def choose(self, source: str) -> None:
        """Pick ``source`` (one of the choices shown, or one to be shown)."""
        self.source = source
        self.refresh()

    def labels(self) -> list[str]:
        return list(self.combo.cget("values"))

    def _on_selected(self, _event) -> None:
        index = self.combo.current()
        if 0 <= index < len(self._sources):
            self.choose(self._sources[index])

    def _on_event(self, event) -> None:
        # after TrackOutputs (an earlier listener) took the new list in
        if isinstance(event, evt.MidiPortsEvent) and self.combo.winfo_exists():
            self.refresh()

    def _on_destroy(self, event) -> None:
        if event.widget is self.frame and self._on_event in self.window.link.listeners:
            self.window.link.listeners.remove(self._on_event)
