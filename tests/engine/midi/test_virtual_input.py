"""Pianola's own virtual MIDI input through python-rtmidi: a port Pianola opens for other
programs to connect to.  With no ALSA sequencer here, rtmidi's JACK API stands in for it:
a JACK MIDI client of the test's own connects to the virtual port and plays notes; they
must be heard in the synth's output and recorded where they were played (the same path
and checks as a port opened through rtmidi).  Finding it by name, and the API that has
no virtual ports, are pure rules."""

from __future__ import annotations

import os
import time

import pytest

from engine.core.errors import MidiPortError
from engine.core.protocol import commands as cmd
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Score, Track
from engine.measure.midi_capture import MidiRecorder
from engine.midi.ports import (
    VIRTUAL_INPUT,
    MidiApi,
    MidiPort,
    choose_input,
    find_input,
    offered_virtual_inputs,
)
from tests.engine.midi.test_midi_input import _connected
from tests.engine.midi.test_rtmidi_input import PPQ, played_notes_are_heard_and_recorded

VIRTUAL_PORT = "pianola-virtual-in:in"  # what other programs connect to
APIS = [MidiApi(0, "ALSA", True), MidiApi(1, "JACK", True), MidiApi(2, "CoreMIDI", False)]
PORTS = [MidiPort("ALSA", "Keystation 49:0", 0), MidiPort("JACK", "keys:out", 0)]


def test_the_virtual_input_is_found_by_its_label_or_a_part_only_it_has():
    found = choose_input("ALSA: Pianola virtual", APIS, PORTS)
    assert (found.label, found.virtual) == (f"ALSA: {VIRTUAL_INPUT}", True)
    assert choose_input(f"JACK: {VIRTUAL_INPUT}", APIS, PORTS).virtual
    assert not choose_input("Keystation", APIS, PORTS).virtual


def test_a_virtual_input_asked_for_on_several_apis_asks_for_more_of_the_name():
    with pytest.raises(MidiPortError) as err:
        choose_input("virtual", APIS, PORTS)
    assert str(err.value) == (
        f"2 MIDI input ports match 'virtual' (ALSA: {VIRTUAL_INPUT}; JACK: {VIRTUAL_INPUT}): "
        "give more of the name."
    )


def test_an_api_with_no_virtual_ports_is_one_sentence():
    winmm = [MidiApi(3, "WinMM", True)]
    with pytest.raises(MidiPortError) as err:
        choose_input(f"WinMM: {VIRTUAL_INPUT}", winmm, [MidiPort("WinMM", "USB Keys", 0)])
    assert str(err.value) == (
        "WinMM has no virtual ports, so Pianola cannot open an input of its own there: "
        "install a loopback driver (such as loopMIDI) and choose its port."
    )
    # an API that does not answer has no virtual input either
    with pytest.raises(MidiPortError, match=r"^No MIDI input port matches 'CoreMIDI: Pian"):
        choose_input(f"CoreMIDI: {VIRTUAL_INPUT}", APIS, PORTS)


def test_the_window_offers_the_virtual_input_of_every_api_but_jack():
    # on JACK the engine's own JACK input is offered: it places events to the frame
    offered = offered_virtual_inputs([*APIS, MidiApi(4, "CoreMIDI", True)])
    assert offered == (f"ALSA: {VIRTUAL_INPUT}", f"CoreMIDI: {VIRTUAL_INPUT}")


def test_with_no_midi_api_the_virtual_input_is_one_sentence(monkeypatch):
    if os.path.exists("/dev/snd/seq"):
        pytest.skip("the ALSA sequencer answers here")
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"pianola-none-{os.getpid()}")
    with pytest.raises(MidiPortError) as err:
        find_input(f"ALSA: {VIRTUAL_INPUT}")
    message = str(err.value)
    assert message.startswith("No MIDI API answers here (ALSA: the ALSA sequencer cannot")
    assert "JACK: no JACK server is running" in message and "\n" not in message


def _port_there(client, name: str, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.get_ports(name, is_midi=True, is_input=True):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.audio
def test_notes_played_into_the_virtual_input_are_heard_and_recorded(engine, jack_server):
    kit = Track("Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True)
    engine.load_score(Score(tracks=(kit,), ppq=PPQ))
    with MidiRecorder(f"vkeys-{os.getpid()}", server=jack_server) as keyboard:
        assert not keyboard.client.get_ports(VIRTUAL_PORT)
        engine.send(cmd.SetMidiInputCommand(f"JACK: {VIRTUAL_INPUT}", 0))
        assert _port_there(keyboard.client, VIRTUAL_PORT)
        keyboard.connect_to(VIRTUAL_PORT)  # another program connects to Pianola's port
        assert _connected(keyboard, VIRTUAL_PORT)
        played_notes_are_heard_and_recorded(engine, jack_server, keyboard)
        # listening to something else closes the virtual port
        engine.send(cmd.SetMidiInputCommand("", 0))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and keyboard.client.get_ports(VIRTUAL_PORT):
            time.sleep(0.05)
        assert not keyboard.client.get_ports(VIRTUAL_PORT)


@pytest.mark.audio
def test_the_command_lines_midi_in_names_the_virtual_input(jack_server):
    from engine.commands.play import _midi_source

    assert _midi_source("JACK: pianola virtual", jack_server) == f"JACK: {VIRTUAL_INPUT}"


@pytest.mark.audio
def test_on_jack_the_window_is_offered_the_own_jack_input_not_rtmidis(jack_server):
    from engine.midi.ports import port_choices

    with MidiRecorder(f"offer-{os.getpid()}", server=jack_server) as keyboard:
        _, inputs, problem, others = port_choices(jack_server)
    assert problem == "" and f"{keyboard.name}:out" in inputs
    assert not any(VIRTUAL_INPUT in label for label in inputs + others)
