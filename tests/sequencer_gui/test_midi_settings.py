"""The MIDI input and the recording settings are remembered: chosen in the Transport
menu, saved in the preferences, taken up by the next window (and its engine)."""

from __future__ import annotations

import os

import pytest

from engine.core.protocol import commands as cmd
from engine.measure.midi_capture import MidiRecorder
from sequencer_gui.settings.preferences import PreferencesStore
from tests.sequencer_gui.conftest import pump
from tests.sequencer_gui.test_recording import recording_window  # noqa: F401 (fixture)

pytestmark = pytest.mark.gui


@pytest.fixture
def own_config(tmp_path, monkeypatch):
    """Preferences of this test's own: what it saves reaches no other test."""
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def _menu_entry(menu, words: str) -> int:
    for i in range(menu.index("end") + 1):
        if menu.type(i) == "command" and words in menu.entrycget(i, "label"):
            return i
    raise AssertionError(f"no entry with {words!r}")


def test_recording_settings_are_remembered(own_config, tk_root):
    from sequencer_gui.app import MainWindow

    win = MainWindow(tk_root, start_engine=False)
    try:
        settings = win.recording.settings
        assert (settings.count_in_bars, settings.metronome) == (1, "recording")
        settings.count_in_var.set(2)
        settings.metronome_var.set("always")
        settings.volume_var.set(150)
    finally:
        win.close()
    prefs = PreferencesStore().preferences
    assert (prefs.count_in_bars, prefs.metronome, prefs.metronome_volume) == (2, "always", 150)
    again = MainWindow(tk_root, start_engine=False)
    try:
        assert again.recording.settings.count_in_bars == 2
        assert again.recording.settings.metronome_volume == 150
    finally:
        again.close()


@pytest.mark.audio
def test_the_midi_input_chosen_is_connected_and_remembered(
    own_config,
    recording_window,  # noqa: F811
    tk_root,
    jack_server,
):
    from engine.core.score import Score, Track

    win = recording_window(Score(tracks=(Track("Keys"),)))
    with MidiRecorder(f"keys-{os.getpid()}", server=jack_server) as keyboard:
        source = f"{keyboard.name}:out"
        outputs = win.recording.outputs
        win.link.send(cmd.ListMidiPortsCommand())  # the keyboard came after the engine
        assert pump(tk_root, 20, lambda: source in outputs.inputs), outputs.inputs
        transport = win.menus["transport"]
        inputs = tk_root.nametowidget(transport.entrycget("MIDI Input", "menu"))
        tk_root.call(inputs.cget("postcommand"))
        inputs.invoke(_menu_entry(inputs, source))

        def connected() -> bool:
            ports = keyboard.client.get_all_connections(keyboard.outport)
            return "pianola-midi-in:in" in [p.name for p in ports]

        assert pump(tk_root, 20, connected)
        assert PreferencesStore().preferences.midi_input == source
        assert "MIDI input: " + source in win.status.message.cget("text")


@pytest.mark.audio
def test_the_midi_input_chosen_in_the_preferences_is_the_transport_menus_and_a_gone_one_is_said(
    own_config,
    recording_window,  # noqa: F811
    tk_root,
    jack_server,
):
    from engine.core.score import Score, Track
    from sequencer_gui.recording.input_choice import GONE_MARK

    win = recording_window(Score(tracks=(Track("Keys"),)))
    keyboard = MidiRecorder(f"keys-{os.getpid()}", server=jack_server).open()
    source = f"{keyboard.name}:out"
    try:
        dialog = win.files.preferences()
        field = dialog.midi_input
        # the dialog asks for the ports as they are now: the keyboard came after the engine
        assert pump(tk_root, 20, lambda: source in field.labels()), field.labels()
        field.combo.current(field.labels().index(source))
        field.combo.event_generate("<<ComboboxSelected>>")
        assert dialog.ok()

        def connected() -> bool:
            ports = keyboard.client.get_all_connections(keyboard.outport)
            return "pianola-midi-in:in" in [p.name for p in ports]

        assert pump(tk_root, 20, connected)
        assert PreferencesStore().preferences.midi_input == source
        assert win.recording.settings.input_source == source
        # the Transport menu shows the same choice
        transport = win.menus["transport"]
        inputs = tk_root.nametowidget(transport.entrycget("MIDI Input", "menu"))
        tk_root.call(inputs.cget("postcommand"))
        assert inputs.entrycget(_menu_entry(inputs, source), "label") == "● " + source
    finally:
        keyboard.close()
    # the keyboard is gone: still chosen, and said so in one sentence, in both places
    dialog = win.files.preferences()
    field = dialog.midi_input
    assert pump(tk_root, 20, lambda: source + GONE_MARK in field.labels()), field.labels()
    assert field.var.get() == source + GONE_MARK
    sentence = field.note.cget("text")
    assert sentence.startswith(f"The MIDI input {source} is not there now")
    assert sentence.count(".") == 1 and sentence.endswith(".")
    tk_root.call(inputs.cget("postcommand"))
    assert inputs.entrycget(_menu_entry(inputs, source), "label") == "● " + source + GONE_MARK
    # choosing Pianola's own port instead is saved like any other choice
    field.combo.current(0)
    field.combo.event_generate("<<ComboboxSelected>>")
    assert dialog.ok()
    assert PreferencesStore().preferences.midi_input == ""
    assert win.status.message.cget("text") == "MIDI input: Pianola's own input port only."


def test_the_recording_status_says_the_count_in_or_why_a_transport_source_leaves_none():
    from sequencer_gui.recording.settings import count_in_words

    assert count_in_words(0, "link") == ""
    assert count_in_words(1, "internal") == " after 1 bar of count-in"
    assert count_in_words(2, "internal") == " after 2 bars of count-in"
    assert count_in_words(1, "link") == " after 1 bar of count-in on the Link session's bars"
    for source, words in (
        ("jack-follow", "JACK transport"),
        ("jack-lead", "JACK transport"),
        ("midi-clock", "MIDI clock"),
    ):
        said = count_in_words(1, source)
        assert said.startswith("; no count-in while ") and words in said, said


@pytest.mark.audio
def test_a_remembered_virtual_input_opens_with_the_window_and_is_shown_chosen(
    own_config,
    recording_window,  # noqa: F811
    tk_root,
    jack_server,
):
    """rtmidi's JACK API stands in for ALSA's here (no sequencer on this machine); what
    is played into the port is checked in tests/engine/midi/test_virtual_input.py."""
    from engine.core.score import Score, Track
    from sequencer_gui.recording.input_choice import GONE_MARK

    source = f"JACK: {cmd.VIRTUAL_MIDI_INPUT}"
    PreferencesStore().update(midi_input=source)
    win = recording_window(Score(tracks=(Track("Keys"),)))
    with MidiRecorder(f"vkeys-{os.getpid()}", server=jack_server) as keyboard:
        # the port other programs connect to is there without being chosen again
        port = "pianola-virtual-in:in"
        assert pump(tk_root, 30, lambda: bool(keyboard.client.get_ports(port)))
    assert win.recording.settings.input_source == source
    # a port Pianola opens is never shown unplugged, though no API lists it
    win.link.send(cmd.ListMidiPortsCommand())
    outputs = win.recording.outputs
    assert pump(tk_root, 20, lambda: outputs.reported)
    assert source not in outputs.inputs
    transport = win.menus["transport"]
    inputs = tk_root.nametowidget(transport.entrycget("MIDI Input", "menu"))
    tk_root.call(inputs.cget("postcommand"))
    label = inputs.entrycget(_menu_entry(inputs, source), "label")
    assert label == "● " + source and GONE_MARK not in label
