"""Where each track sounds, chosen in the track list: the synth, a MIDI output port, or
both (GUI thread).

Each track row gets a small menu button ("→ Synth", "→ JACK: fluidsynth:midi_00", "→ Synth +
…").  Its menu lists the ports the engine last reported (``MidiPortsEvent``: asked for when
the engine is ready and again each time a menu opens, so a port plugged in since shows
up the next time), Pianola's own output port, and the track's port even when it is gone
(so the choice can be seen and changed).  A choice is an edit of the song (one undo step,
saved with it); the engine's router follows the new score, and when a port cannot be
opened or goes away the engine says so once and the track plays through the synth.
"""

from __future__ import annotations

import functools
import tkinter as tk
from tkinter import ttk

from engine.core import edits
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt

OWN_PORT = "Pianola"  # the engine opens its own output, pianola-midi-out:out, for this name
LABEL_CHARS = 26


def output_text(track) -> str:
    """What the button says of a track's output."""
    if track.output == "synth" or not track.midi_port:
        return "→ Synth"
    port = (
        track.midi_port
        if len(track.midi_port) <= LABEL_CHARS
        else "…" + track.midi_port[-LABEL_CHARS:]
    )
    return f"→ {port}" if track.output == "port" else f"→ Synth + {port}"


class TrackOutputs:
    """The output buttons of the track list's rows (see module doc)."""

    def __init__(self, window):
        self.window = window
        self.ports: tuple[str, ...] = ()
        self.inputs: tuple[str, ...] = ()  # sources for the MIDI input (see input_choice)
        self.problem = ""
        self.reported = False  # a port list came from the engine (else: not asked yet)
        self.buttons: dict[int, ttk.Menubutton] = {}
        window.tracks.row_hooks.append(self._add_button)
        for row in window.tracks.rows:
            self._add_button(row)
        window.link.listeners.append(self.on_event)
        window.document.add_listener(lambda _doc, _reason: self.refresh())
        self.refresh()

    def _add_button(self, row) -> None:
        button = ttk.Menubutton(row.frame, style="Toolbutton", width=12, takefocus=False)
        menu = tk.Menu(button, tearoff=False, postcommand=lambda: self._fill(menu, row.index))
        button.configure(menu=menu)
        button.grid(row=2, column=2, columnspan=6, sticky="w", pady=(2, 0))
        self.buttons[row.index] = button
        self.refresh()

    def refresh(self) -> None:
        tracks = self.window.document.score.tracks
        for index, button in list(self.buttons.items()):
            if not button.winfo_exists():
                del self.buttons[index]
            elif index < len(tracks):
                text = output_text(tracks[index])
                if button.cget("text") != text:
                    button.configure(text=text)

    def on_event(self, event) -> None:
        if isinstance(event, evt.ReadyEvent):
            self.window.link.send(cmd.ListMidiPortsCommand())
        elif isinstance(event, evt.MidiPortsEvent):
            self.ports, self.problem = event.outputs, event.problem
            # the input's sources: JACK outputs by name, other APIs' ports by label
            self.inputs = event.inputs + event.other_inputs
            self.reported = True

    def _fill(self, menu: tk.Menu, index: int) -> None:
        """The choices, as last reported; a fresh list is asked for next time."""
        self.window.link.send(cmd.ListMidiPortsCommand())
        menu.delete(0, "end")
        track = self.window.document.score.tracks[index]
        synth = track.output == "synth" or not track.midi_port
        menu.add_command(
            label=("● " if synth else "   ") + "Synth",
            command=lambda: self.choose(index, "synth", ""),
        )
        ports = [OWN_PORT, *self.ports]
        if track.midi_port and track.midi_port not in ports:
            ports.append(track.midi_port)  # gone, or named by a part: still shown
        for output, title in (("port", "Port only"), ("both", "Synth and port")):
            menu.add_separator()
            menu.add_command(label=title, state="disabled")
            for port in ports:
                chosen = track.output == output and track.midi_port == port
                name = "Pianola's own output" if port == OWN_PORT else port
                menu.add_command(
                    label=("● " if chosen else "   ") + name,
                    command=functools.partial(self.choose, index, output, port),
                )
        if self.problem:
            menu.add_separator()
            menu.add_command(label=self.problem, state="disabled")

    def choose(self, index: int, output: str, port: str) -> None:
        """Track ``index`` sounds through ``output`` ("synth", "port", "both"), one undo step."""
        doc = self.window.document
        score = edits.update_track(doc.score, index, output=output, midi_port=port)
        if score.tracks[index] != doc.score.tracks[index]:
            doc.apply(score, "Change track output")
            where = "the synth" if output == "synth" else port
            self.window.set_status(f"{doc.score.tracks[index].name} sounds through {where}.")
