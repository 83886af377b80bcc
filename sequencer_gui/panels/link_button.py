"""The Link button of the transport bar: on/off, the peers and the quantum (GUI thread).

Pressing it asks the engine to follow an Ableton Link session (``SetSyncCommand``); what
the button then shows comes back from the engine (``SyncEvent``): the peers counted
as Ableton shows them, the quantum (beats per bar of the session's launches; a right
click picks another), or off again when the engine could not join.  When the Link
library is not installed the button says so and stays off; everything else works.
Each press and quantum goes to ``on_choice(on, quantum)`` too, which keeps them in the
preferences (``sequencer_gui.panels.sync_menu`` sets it), so Link is on again next time.
"""

from __future__ import annotations

import importlib.util
import tkinter as tk
from tkinter import ttk

from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt

QUANTA = (1, 2, 3, 4, 5, 6, 7, 8, 12, 16)


def link_installed() -> bool:
    """The Link binding is there (found without importing it into the window)."""
    return importlib.util.find_spec("link") is not None


def link_text(on: bool, peers: int, quantum: float) -> str:
    if not on:
        return "Link"
    return f"Link · {peers} peer{'s' if peers != 1 else ''} · {quantum:g}"


class LinkButton(ttk.Checkbutton):
    """See module doc.  ``engine`` is the window's engine link (send, usable, listeners)."""

    def __init__(self, master, engine, *, installed: bool | None = None, say=None):
        self.var = tk.BooleanVar(value=False)
        super().__init__(
            master,
            text="Link",
            variable=self.var,
            command=self.toggle,
            style="Toolbutton",
            takefocus=False,  # Space must reach play/stop, not press this
        )
        self.engine = engine
        self.say = say or (lambda text: None)
        self.quantum = 4.0
        self.peers = 0
        self.installed = link_installed() if installed is None else installed
        self.on_choice = lambda on, quantum: None  # the musician's press, to be remembered
        self.menu = tk.Menu(self, tearoff=False)
        self.quantum_var = tk.DoubleVar(value=self.quantum)
        for q in QUANTA:
            self.menu.add_radiobutton(
                label=f"Quantum {q} beats",
                value=float(q),
                variable=self.quantum_var,
                command=self.set_quantum,
            )
        self.bind("<Button-3>", self._show_menu)
        engine.listeners.append(self.on_event)
        if not self.installed:
            self.configure(text="Link: not installed", state="disabled")

    def toggle(self) -> None:
        on = self.var.get()
        if on and not self.engine.usable:
            self.var.set(False)
            self.say("Link needs the audio engine, which is not running.")
        else:
            self._send("link" if on else "internal")
            self.on_choice(on, self.quantum)
        self._show()

    def set_quantum(self) -> None:
        self.quantum = float(self.quantum_var.get())
        if self.var.get():
            self._send("link")
        self.on_choice(self.var.get(), self.quantum)
        self._show()

    def restore(self, quantum: float) -> None:
        """The quantum kept from last time (Link itself is turned on by the engine's
        answer to the sync menu's request)."""
        self.quantum = float(quantum)
        self.quantum_var.set(self.quantum)
        self._show()

    def _send(self, source: str) -> None:
        self.engine.send(cmd.SetSyncCommand(source, self.quantum))

    def _show_menu(self, event) -> None:
        if self.installed:
            self.menu.tk_popup(event.x_root, event.y_root)

    def on_event(self, event) -> None:
        if isinstance(event, evt.SyncEvent):
            self.var.set(event.source == "link")
            self.peers = event.peers
            self.say(event.message)
            self._show()

    def _show(self) -> None:
        if self.installed:
            self.configure(text=link_text(self.var.get(), self.peers, self.quantum))
