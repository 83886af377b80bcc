"""The Link button in the real window (Xvfb, no engine): what it sends, what it shows."""

import pytest

from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from sequencer_gui.panels.link_button import LinkButton, link_text

pytestmark = pytest.mark.gui


class SentCommands:
    """The window's engine link as the button sees it: a running engine that records."""

    def __init__(self):
        self.listeners = []
        self.sent = []

    usable = True

    def send(self, command) -> None:
        self.sent.append(command)

    def tell(self, event) -> None:
        for listener in self.listeners:
            listener(event)


def test_the_window_has_a_link_button_that_needs_the_engine(window):
    button = window.link_button
    assert button.winfo_ismapped()
    button.invoke()  # the window fixture runs no engine
    assert not button.var.get()
    assert window.status.message.cget("text") == (
        "Link needs the audio engine, which is not running."
    )


def test_pressed_it_asks_for_link_and_shows_the_peers_and_quantum(tk_root):
    engine = SentCommands()
    said = []
    button = LinkButton(tk_root, engine, installed=True, say=said.append)
    button.pack()
    button.invoke()
    assert engine.sent == [cmd.SetSyncCommand("link", 4.0)]
    engine.tell(evt.SyncEvent("link", "Link: 2 peers.", 2, 4.0))
    assert button.cget("text") == "Link · 2 peers · 4"
    assert said == ["Link: 2 peers."]
    button.quantum_var.set(3.0)
    button.set_quantum()
    assert engine.sent[-1] == cmd.SetSyncCommand("link", 3.0)
    button.invoke()
    assert engine.sent[-1] == cmd.SetSyncCommand("internal", 3.0)
    assert button.cget("text") == "Link"


def test_an_engine_that_could_not_join_turns_it_off_and_says_why(tk_root):
    engine = SentCommands()
    said = []
    button = LinkButton(tk_root, engine, installed=True, say=said.append)
    button.invoke()
    reason = "No JACK server answers. Playing on Pianola's own clock."
    engine.tell(evt.SyncEvent("internal", reason))
    assert not button.var.get() and button.cget("text") == "Link"
    assert said == [reason]


def test_without_the_link_library_it_says_so_and_stays_off(tk_root):
    engine = SentCommands()
    button = LinkButton(tk_root, engine, installed=False)
    assert button.cget("text") == "Link: not installed"
    assert str(button.cget("state")) == "disabled"
    button.invoke()
    assert engine.sent == []


def test_the_text_counts_peers_as_ableton_does():
    assert link_text(True, 1, 4.0) == "Link · 1 peer · 4"
    assert link_text(True, 0, 3.0) == "Link · 0 peers · 3"
    assert link_text(False, 5, 4.0) == "Link"
