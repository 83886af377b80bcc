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


def test_each_press_and_quantum_goes_to_be_remembered(tk_root):
    engine = SentCommands()
    chosen = []
    button = LinkButton(tk_root, engine, installed=True)
    button.on_choice = lambda on, quantum: chosen.append((on, quantum))
    button.invoke()
    button.quantum_var.set(6.0)
    button.set_quantum()
    button.invoke()
    assert chosen == [(True, 4.0), (True, 6.0), (False, 6.0)]


def ready_event():
    return evt.ReadyEvent({}, "none", "chosen", 48000, 256, "normal", "", "sf2", "", {})


def test_link_turned_on_is_asked_for_again_next_time_with_its_quantum(tk_root):
    from sequencer_gui.app import MainWindow

    first = MainWindow(tk_root, start_engine=False)
    first.sync_menu.link_chosen(True, 3.0)  # what a press with a running engine reports
    first.close()
    window = MainWindow(tk_root, start_engine=False)
    try:
        assert window.link_button.quantum == 3.0
        assert window.link_button.quantum_var.get() == 3.0
        sent = []
        window.link.send = sent.append  # a started engine's first words, recorded
        window.sync_menu.on_event(ready_event())
        assert sent == [cmd.SetSyncCommand("link", 3.0)]
        window.sync_menu.link_chosen(False, 3.0)
        sent.clear()
        window.sync_menu.on_event(ready_event())
        assert sent == []  # turned off: stays off next time
    finally:
        window.close()


def test_link_kept_on_without_its_package_says_so_in_one_sentence(tk_root):
    from sequencer_gui.app import MainWindow

    window = MainWindow(tk_root, start_engine=False)
    try:
        window.sync_menu.link_chosen(True, 4.0)
        window.link_button.installed = False
        sent = []
        window.link.send = sent.append
        window.sync_menu.on_event(ready_event())
        assert sent == []
        assert window.status.message.cget("text") == (
            "Link was on last time but cannot be turned on: the LinkPython-extern package "
            "is not installed."
        )
    finally:
        window.close()


def test_a_kept_quantum_out_of_range_falls_back_with_one_sentence():
    from sequencer_gui.settings.preferences import preferences_from_dict

    prefs, problem = preferences_from_dict({"sync_source": "link", "link_quantum": 99})
    assert prefs.sync_source == "link" and prefs.link_quantum == 4.0
    assert problem == "the Link quantum must be from 1 to 64 beats, not 99"
    assert preferences_from_dict({"link_quantum": 3})[0].link_quantum == 3.0
