"""Putting MIDI into the main window: the record button, the Transport menu's recording
entries, the MIDI input and the metronome kept set on every engine, the track outputs and
the controller lane (GUI thread).

The record shortcut is in the window's shortcut table (``sequencer_gui.shortcuts``)."""

from __future__ import annotations

import functools
import tkinter as tk
from dataclasses import dataclass
from tkinter import ttk

from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from sequencer_gui.panels.track_output import TrackOutputs
from sequencer_gui.recording.input_choice import (
    choose_input,
    input_sources,
    remember,
    source_label,
)
from sequencer_gui.recording.recorder import Recorder
from sequencer_gui.recording.settings import (
    METRONOME_CHOICES,
    QUANTIZE_CHOICES,
    VOLUME_CHOICES,
    RecordSettings,
)
from sequencer_gui.recording.step_input import StepInput
from sequencer_gui.roll.controller_lane import ControllerLane
from sequencer_gui.shortcuts import accelerator

RECORD_RED = "#e0303a"


@dataclass
class Recording:
    """What ``mount`` added to the window."""

    settings: RecordSettings
    recorder: Recorder
    step_input: StepInput
    button: ttk.Button
    outputs: TrackOutputs
    controller_lane: ControllerLane


def mount(window, input_source: str = "") -> Recording:
    settings = RecordSettings(window.root, input_source)
    recorder = Recorder(window, settings)
    step = StepInput(window, recorder)
    # as narrow as the "to start" button: the transport bar has no room to spare
    style = ttk.Style(window.root)
    style.configure("Record.TButton", foreground=RECORD_RED)
    style.configure("Recording.TButton", foreground="#ffffff", background=RECORD_RED)
    style.map("Recording.TButton", background=[("active", RECORD_RED)])
    button = ttk.Button(
        window.transport,
        text="●",
        width=3,
        style="Record.TButton",
        command=recorder.toggle,
        takefocus=False,
    )
    button.pack(side="left", padx=2, after=window.transport.start_button)
    recorder.listeners.append(
        lambda on: button.configure(style="Recording.TButton" if on else "Record.TButton")
    )
    _add_menu(window, window.menus["transport"], settings, recorder, step)

    def on_event(event) -> None:
        # a new engine (first start or restart) listens and clicks as set
        if isinstance(event, evt.ReadyEvent):
            # (a chosen input, or one in use before a restart; else it opens when asked for:
            # recording, step input, Transport > MIDI Input)
            if settings.input_source or settings.input_open:
                settings.send_input(window)
            if settings.metronome == "always":
                settings.send_metronome(window)

    def on_document(document, reason: str) -> None:
        if reason == "track" and settings.input_open and not recorder.recording:
            settings.send_input(window)  # MIDI thru follows the edited track

    window.link.listeners.append(on_event)
    window.document.add_listener(on_document)
    settings.load(window.files.prefs.preferences)
    for var in (settings.count_in_var, settings.metronome_var, settings.volume_var):
        var.trace_add("write", lambda *_: remember(window, settings))
    outputs = TrackOutputs(window)
    _add_input_menu(window, window.menus["transport"], settings, outputs)
    # the controller lane under the velocity lane, above the roll's scroll bar
    lane = ControllerLane(window.roll)
    window.roll.hbar.grid_configure(row=4)
    lane.mount(row=3)
    window.theme.listeners.append(lane.apply_palette)
    return Recording(settings, recorder, step, button, outputs, lane)


def _add_input_menu(window, menu: tk.Menu, settings: RecordSettings, outputs) -> None:
    """Transport > MIDI Input: the ports to listen to the engine last reported."""
    inputs = tk.Menu(menu, tearoff=False)

    def fill() -> None:
        window.link.send(cmd.ListMidiPortsCommand())  # fresh for the next time
        inputs.delete(0, "end")
        for source in input_sources(settings.input_source, outputs):
            mark = "● " if source == settings.input_source else "   "
            inputs.add_command(
                label=mark + source_label(source, outputs),
                command=functools.partial(choose_input, window, settings, outputs, source),
            )
        if outputs.problem:
            inputs.add_command(label=outputs.problem, state="disabled")

    inputs.configure(postcommand=fill)
    menu.add_cascade(label="MIDI Input", menu=inputs)


def _add_menu(window, menu: tk.Menu, settings, recorder, step) -> None:
    menu.add_separator()
    menu.add_command(label="Record", accelerator=accelerator("record"), command=recorder.toggle)
    options = tk.Menu(menu, tearoff=False)
    for bars in range(cmd.MAX_COUNT_IN_BARS + 1):
        options.add_radiobutton(
            label=f"Count-in: {bars} bar{'s' if bars != 1 else ''}" if bars else "No Count-in",
            value=bars,
            variable=settings.count_in_var,
        )
    options.add_separator()
    for label, value in (("Overdub", "overdub"), ("Replace", "replace")):
        options.add_radiobutton(label=label, value=value, variable=settings.mode_var)
    options.add_separator()
    for label, value in QUANTIZE_CHOICES:
        options.add_radiobutton(
            label=f"Input Quantize: {label}", value=value, variable=settings.quantize_var
        )
    menu.add_cascade(label="Recording", menu=options)
    click = tk.Menu(menu, tearoff=False)
    for label, value in METRONOME_CHOICES:
        click.add_radiobutton(
            label=label,
            value=value,
            variable=settings.metronome_var,
            command=lambda: settings.send_metronome(window),
        )
    click.add_separator()
    for volume in VOLUME_CHOICES:
        click.add_radiobutton(
            label=f"Volume {volume} %",
            value=volume,
            variable=settings.volume_var,
            command=lambda: settings.send_metronome(window),
        )
    menu.add_cascade(label="Metronome", menu=click)

    def step_toggled() -> None:
        if step.enabled_var.get() and not settings.input_open:
            settings.send_input(window)
        window.set_status(
            "Step input: keys played enter notes at the cursor."
            if step.enabled_var.get()
            else "Step input off."
        )

    menu.add_checkbutton(label="Step Input", variable=step.enabled_var, command=step_toggled)
