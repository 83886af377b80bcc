"""Transport > Sync: the clock Pianola follows and where MIDI clock goes out (GUI thread).

One source at a time, as the engine has it: Pianola's own clock, Ableton Link, JACK's
transport (followed, or led: Pianola's play and stop move every JACK client), or a MIDI
clock coming in from a JACK MIDI output.  MIDI clock out goes to a JACK MIDI input (or to
a port of Pianola's own, ``pianola-clock:out``) with any source.  The choices are kept in
the preferences and set again on every engine (first start and restarts); what the radio
entries show comes back from the engine (``SyncEvent``), so a source that could not open
shows the internal clock again, with the engine's sentence in the status bar.  The Link
button's presses and quantum are kept the same way, so Link turned on stays on next time;
when Link cannot be turned on then (its package is missing), the status bar says so once.

While a source leads the tempo (Link, JACK's transport followed, a MIDI clock), the tempo
box shows the followed tempo, read from the position block the engine publishes.
"""

from __future__ import annotations

import functools
import tkinter as tk

from engine.core.errors import PianolaError
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt

SOURCES = (
    ("internal", "Internal Clock"),
    ("link", "Ableton Link"),
    ("jack-follow", "JACK Transport: Follow"),
    ("jack-lead", "JACK Transport: Lead"),
    ("midi-clock", "MIDI Clock In"),
)
TEMPO_LEADERS = ("link", "jack-follow", "midi-clock")  # Pianola plays at their tempo
OWN_CLOCK_PORT = "Pianola"  # the engine's name for a clock-out port of its own
TEMPO_POLL_MS = 250
JACK_PREFIX = "JACK: "


def jack_port_name(label: str) -> str:
    """A port list label ("JACK: drums:midi_out") as the sync hub finds it ("drums:midi_out")."""
    return label[len(JACK_PREFIX) :] if label.startswith(JACK_PREFIX) else label


class SyncMenu:
    """See module doc.  ``window`` is the main window (its engine link, menus, status bar,
    transport bar and the File commands' preferences store)."""

    def __init__(self, window):
        self.window = window
        prefs = window.files.prefs.preferences
        self.source = prefs.sync_source  # the musician's choice, sent to every engine
        self.clock_in = prefs.midi_clock_in
        self.clock_out = prefs.midi_clock_out
        self.quantum = prefs.link_quantum
        self.button = window.link_button
        self.button.restore(self.quantum)
        self.button.on_choice = self.link_chosen
        self.source_var = tk.StringVar(window.root, value="internal")  # what the engine does
        self.followed = "internal"
        self.jack_outputs: tuple[str, ...] = ()  # where a clock may come from
        self.jack_inputs: tuple[str, ...] = ()  # where a clock may go
        window.link.listeners.append(self.on_event)
        self.menu = self._build(window.menus["transport"])
        self._after: str | None = None
        # the tempo is read on the transport bar's clock, and ends with it
        window.transport.bind("<Destroy>", self._on_destroy, add="+")
        self._poll_tempo()

    # --- the menu ----------------------------------------------------------------------
    def _build(self, transport: tk.Menu) -> tk.Menu:
        menu = tk.Menu(transport, tearoff=False)
        for source, label in SOURCES:
            menu.add_radiobutton(
                label=label,
                value=source,
                variable=self.source_var,
                command=functools.partial(self.choose, source),
            )
        menu.add_separator()
        self.clock_in_menu = tk.Menu(menu, tearoff=False, postcommand=self._fill_clock_in)
        self.clock_out_menu = tk.Menu(menu, tearoff=False, postcommand=self._fill_clock_out)
        menu.add_cascade(label="MIDI Clock In From", menu=self.clock_in_menu)
        menu.add_cascade(label="MIDI Clock Out To", menu=self.clock_out_menu)
        transport.add_separator()
        transport.add_cascade(label="Sync", menu=menu)
        return menu

    def _fill_clock_in(self) -> None:
        self.window.link.send(cmd.ListMidiPortsCommand())  # fresh for the next time
        self._fill(self.clock_in_menu, self.jack_outputs, self.clock_in, self.choose_clock_in)

    def _fill_clock_out(self) -> None:
        self.window.link.send(cmd.ListMidiPortsCommand())
        ports = (OWN_CLOCK_PORT, *self.jack_inputs)
        self._fill(self.clock_out_menu, ports, self.clock_out, self.choose_clock_out)

    def _fill(self, menu: tk.Menu, ports, chosen: str, choose) -> None:
        menu.delete(0, "end")
        names = list(ports)
        if chosen and chosen not in names:
            names.append(chosen)  # gone for now: still shown
        for port in ["", *names]:
            label = {"": "None", OWN_CLOCK_PORT: "Pianola's own port (pianola-clock:out)"}.get(
                port, port
            )
            mark = "● " if port == chosen else "   "
            menu.add_command(label=mark + label, command=functools.partial(choose, port))

    # --- the musician's choices --------------------------------------------------------
    def choose(self, source: str) -> None:
        if source == "midi-clock" and not self.clock_in:
            self.source_var.set(self.followed)
            self.window.set_status(
                "Choose where the MIDI clock comes from: Transport > Sync > MIDI Clock In From."
            )
            return
        self.source = source
        self._remember()
        self._send_source()

    def link_chosen(self, on: bool, quantum: float) -> None:
        """The Link button pressed (it sends the command itself): kept for next time."""
        self.quantum = quantum
        if on:
            self.source = "link"
        elif self.source == "link":
            self.source = "internal"
        self._remember()

    def choose_clock_in(self, port: str) -> None:
        self.clock_in = port
        if port:
            self.source = "midi-clock"  # choosing where it comes from means following it
        elif self.source == "midi-clock":
            self.source = "internal"
        self._remember()
        self._send_source()

    def choose_clock_out(self, port: str) -> None:
        self.clock_out = port
        self._remember()
        self.window.link.send(cmd.SetMidiClockOutCommand(port))
        if not port:
            self.window.set_status("No MIDI clock is sent.")

    def _send_source(self) -> None:
        if not self.window.link.usable:
            self.source_var.set(self.followed)
            self.window.set_status("Sync needs the audio engine, which is not running.")
            return
        self.window.link.send(self._sync_command())

    def _sync_command(self) -> cmd.SetSyncCommand:
        return cmd.SetSyncCommand(self.source, self.quantum, port=self.clock_in)

    def _remember(self) -> None:
        """Keep the choices in the preferences (the File commands' store, which also
        writes the recent files, so neither overwrites the other)."""
        changes = {
            "sync_source": self.source,
            "midi_clock_in": self.clock_in,
            "midi_clock_out": self.clock_out,
            "link_quantum": self.quantum,
        }
        store = self.window.files.prefs
        if all(getattr(store.preferences, k) == v for k, v in changes.items()):
            return
        try:
            store.update(**changes)
        except (PianolaError, ValueError) as exc:
            self.window.set_status(f"The sync settings could not be remembered: {exc}")

    # --- the engine ----------------------------------------------------------------------
    def on_event(self, event) -> None:
        if isinstance(event, evt.ReadyEvent):
            # a new engine (first start or restart) follows and sends as chosen
            if self.source == "link" and not self.button.installed:
                self.window.set_status(
                    "Link was on last time but cannot be turned on: the LinkPython-extern "
                    "package is not installed."
                )
            elif self.source != "internal":
                self.window.link.send(self._sync_command())
            if self.clock_out:
                self.window.link.send(cmd.SetMidiClockOutCommand(self.clock_out))
        elif isinstance(event, evt.SyncEvent):
            self.followed = event.source
            self.source_var.set(event.source)
        elif isinstance(event, evt.MidiPortsEvent):
            self.jack_outputs = tuple(
                jack_port_name(p) for p in event.inputs if not p.startswith("pianola")
            )
            self.jack_inputs = tuple(
                jack_port_name(p)
                for p in event.outputs
                if p.startswith(JACK_PREFIX) and not jack_port_name(p).startswith("pianola")
            )

    def _poll_tempo(self) -> None:
        """Show the followed tempo in the tempo box while a source leads it."""
        transport = self.window.transport
        bpm = None
        if self.followed in TEMPO_LEADERS and self.window.link.usable:
            position = self.window.link.read_position()
            if position is not None and position.us_per_quarter > 0:
                bpm = 60e6 / position.us_per_quarter
        if (bpm is None) != (transport.followed_bpm is None) or (
            bpm is not None and abs(bpm - transport.followed_bpm) > 0.004
        ):
            transport.followed_bpm = bpm
            transport.refresh()
        self._after = transport.after(TEMPO_POLL_MS, self._poll_tempo)

    def _on_destroy(self, event) -> None:
        if event.widget is self.window.transport and self._after is not None:
            self.window.transport.after_cancel(self._after)
            self._after = None
