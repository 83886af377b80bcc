"""MIDI input through python-rtmidi: a source named "API: port" is opened through rtmidi on
that API.  With no ALSA sequencer here, rtmidi's JACK API stands in for it: a JACK MIDI
client of the test's own plays notes into it; the synth's output, recorded through JACK,
must carry each one, and each comes back to the GUI as a recorded ``MidiInputEvent``."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import numpy as np
import pytest

from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Score, Track
from engine.measure.capture import Recorder
from engine.measure.midi_capture import MidiRecorder
from engine.measure.onsets import find_onsets, suggest_threshold
from tests.engine.midi.keyboard_notes import play_notes
from tests.engine.midi.test_input_placed import _events, _playing
from tests.engine.midi.test_midi_input import _connected

pytestmark = pytest.mark.audio

RATE = 48000
RIM = 37
PPQ = 480
FRAMES_PER_TICK = RATE // 2 // PPQ  # 120 BPM
SPACING = RATE // 3  # between two notes sent
RTMIDI_PORT = "pianola-rtmidi-in:in"


def _problems(engine, count: int, timeout_s: float = 20) -> list[str]:
    return [e.message for e in _events(engine, evt.ErrorEvent, count, timeout_s)]


def test_notes_through_rtmidis_jack_api_are_heard_and_recorded(engine, jack_server):
    kit = Track("Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True)
    engine.load_score(Score(tracks=(kit,), ppq=PPQ))
    with MidiRecorder(f"rtkeys-{os.getpid()}", server=jack_server) as keyboard:
        engine.send(cmd.SetMidiInputCommand(f"JACK: {keyboard.name}:out", 0))
        assert _connected(keyboard, RTMIDI_PORT)
        played_notes_are_heard_and_recorded(engine, jack_server, keyboard)


def played_notes_are_heard_and_recorded(engine, jack_server, keyboard: MidiRecorder) -> None:
    """Notes ``keyboard`` plays into the engine's input while it records: each heard in
    the synth's output after the frame it was sent at, and recorded where it was played."""
    engine.poll_events()
    with Recorder(r"^pianola:", channels=2, server_name=jack_server, max_seconds=8) as rec:
        rec.start()
        engine.play(0, record=True)
        assert _playing(engine)
        first = keyboard.frame_now() + RATE // 2
        sent = play_notes(keyboard, first, SPACING, [RIM] * 5, channel=9, velocity=110)
        rec.wait_until_frame(sent[-1] + RATE // 2, timeout_s=30)
        recording = rec.stop()
    events = _events(engine, evt.MidiInputEvent, 2 * len(sent))
    engine.stop()
    magnitude = recording.magnitude()
    onsets = recording.jack_frames(
        find_onsets(magnitude, suggest_threshold(magnitude), min_gap_frames=RATE // 8)
    )
    heard = [f for f in sent if keyboard.heard(f)]
    assert len(heard) >= 3
    for frame in heard:
        after = onsets[onsets >= frame]
        assert len(after) and after[0] - frame < SPACING // 2, (frame, onsets)
    ons = [e for e in events if e.data[0] & 0xF0 == 0x90]
    offs = [e for e in events if e.data[0] & 0xF0 == 0x80]
    assert len(ons) == len(heard) and len(offs) == len(heard), events
    assert all(e.playing and e.data == bytes((0x99, RIM, 110)) for e in ons)
    assert all(on.tick < off.tick for on, off in zip(ons, offs))
    # each is recorded where it was played against the others: a note placed nearer
    # another note's place than its own would be recorded at the wrong step
    played = np.array(heard) - heard[0]
    recorded = (np.array([e.tick for e in ons]) - ons[0].tick) * FRAMES_PER_TICK
    assert np.all(np.abs(recorded - played) < SPACING // 2), (recorded, played)


def test_a_port_name_matching_nothing_or_several_is_one_sentence(engine, jack_server):
    pid = os.getpid()
    with (
        MidiRecorder(f"twin-a-{pid}", server=jack_server),
        MidiRecorder(f"twin-b-{pid}", server=jack_server),
    ):
        engine.poll_events()
        engine.send(cmd.SetMidiInputCommand(f"JACK: nothing-{pid}", 0))
        (nothing,) = _problems(engine, 1)
        engine.send(cmd.SetMidiInputCommand("JACK: twin-", 0))
        (several,) = _problems(engine, 1)
    engine.send(cmd.SetMidiInputCommand("", 0))
    assert nothing.startswith(f"No MIDI input port matches 'JACK: nothing-{pid}': the ports are")
    assert f"JACK: twin-a-{pid}:out" in nothing
    assert several.startswith("2 MIDI input ports match 'JACK: twin-' (")
    assert several.endswith("give more of the name.")
    assert "\n" not in nothing + several


# A keyboard in a process of its own, so that it can be switched off (closing a client of
# this process while another listens to it can hang in libjack): says "ready" once its
# port is there, ends when its standard input closes.
KEYBOARD = """
import sys
from engine.measure.midi_capture import MidiRecorder
with MidiRecorder(sys.argv[1], server=sys.argv[2]):
    print("ready", flush=True)
    sys.stdin.read()
"""


def _keyboard(name: str, server: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", KEYBOARD, name, server],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    readable, _, _ = select.select([proc.stdout], [], [], 60)
    assert readable and proc.stdout.readline().strip() == "ready"
    return proc


def _switch_off(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(30)


def _listed(client, pattern: str) -> bool:
    """Whether JACK lists a port matching ``pattern`` (one going away while listed is
    still there: asked again, it is not)."""
    import jack

    try:
        return bool(client.get_ports(pattern))
    except jack.JackError:  # JACK-Client: "Port ... not available" between list and lookup
        return True


def test_a_port_that_goes_away_is_said_once_and_listened_to_again_when_back(engine, jack_server):
    name = f"unplugged-{os.getpid()}"
    keyboard = _keyboard(name, jack_server)
    try:
        engine.poll_events()
        engine.send(cmd.SetMidiInputCommand(f"JACK: {name}:out", 0))
        listening = MidiRecorder(f"watch-{os.getpid()}", server=jack_server).open()
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not listening.client.get_all_connections(
                f"{name}:out"
            ):
                time.sleep(0.05)
            assert listening.client.get_all_connections(f"{name}:out")
            _switch_off(keyboard)
            (gone,) = _problems(engine, 1)
            keyboard = _keyboard(name, jack_server)
            (back,) = _problems(engine, 1)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not listening.client.get_all_connections(
                f"{name}:out"
            ):
                time.sleep(0.05)
            again = [p.name for p in listening.client.get_all_connections(f"{name}:out")]
            # listening to something else closes the port: unplugging then is not said
            engine.send(cmd.SetMidiInputCommand("", 0))
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and _listed(listening.client, RTMIDI_PORT):
                time.sleep(0.05)
            assert not _listed(listening.client, RTMIDI_PORT)
        finally:
            listening.close()
    finally:
        _switch_off(keyboard)
    assert gone == (
        f"The MIDI input JACK: {name}:out went away: Pianola hears only its own input "
        "port until it is back."
    )
    assert back == f"The MIDI input JACK: {name}:out is there again."
    assert again == [RTMIDI_PORT]
    assert _problems(engine, 1, timeout_s=2) == []  # said once each
