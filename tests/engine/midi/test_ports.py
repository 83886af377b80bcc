"""Finding MIDI ports by name, on the APIs the platform has (pure rules + real rtmidi)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from engine.core.errors import MidiPortError
from engine.measure.midi_capture import MidiRecorder, sounding_notes
from engine.midi.ports import MidiPort, find_port, list_ports, midi_apis

PORTS = [
    MidiPort("JACK", "synth-a:midi_in", 0),
    MidiPort("JACK", "synth-b:midi_in", 1),
    MidiPort("ALSA", "Virtual Raw MIDI 1-0:VirMIDI 1-0 24:0", 0),
]


def test_a_whole_name_or_a_unique_part_finds_the_port():
    assert find_port("JACK: synth-a:midi_in", PORTS) is PORTS[0]
    assert find_port("synth-b:midi_in", PORTS) is PORTS[1]
    assert find_port("virmidi", PORTS) is PORTS[2]
    assert find_port("  SYNTH-A ", PORTS) is PORTS[0]


def test_a_name_matching_nothing_says_what_there_is():
    with pytest.raises(MidiPortError) as err:
        find_port("korg", PORTS)
    message = str(err.value)
    assert message.startswith("No MIDI output port matches 'korg': the ports are JACK: synth-a")
    assert "\n" not in message


def test_a_name_matching_several_asks_for_more_of_it():
    with pytest.raises(MidiPortError, match=r"^2 MIDI output ports match 'midi_in' .*more of"):
        find_port("midi_in", PORTS)


def test_no_ports_at_all_points_to_the_doctor():
    with pytest.raises(MidiPortError, match=r"none at all \(`pianola doctor` says why\)\.$"):
        find_port("anything", [])


def test_with_no_jack_server_and_no_alsa_no_api_answers(monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"pianola-none-{os.getpid()}")
    apis = {api.name: api for api in midi_apis()}
    assert "JACK" in apis and not apis["JACK"].available
    assert apis["JACK"].problem.startswith("no JACK server is running")
    if not os.path.exists("/dev/snd/seq"):
        assert not apis["ALSA"].available and "snd-seq" in apis["ALSA"].problem
    assert list_ports(True) == [] or os.path.exists("/dev/snd/seq")


# rtmidi holds the GIL while its JACK client opens and closes, and jack2 waits there for
# every client's cycle: with the recorder's Python callback in this process that could
# deadlock, so the rtmidi side runs in a process of its own, as it does in the engine.
SENDER = """
import sys, time
from engine.midi.deadline_port import DeadlinePort
from engine.midi.ports import find_port, list_ports
out = DeadlinePort(find_port(sys.argv[1], list_ports(True))).open()
print(out.port.label, flush=True)
start = time.monotonic_ns() + 50_000_000
for i in range(20):
    out.send(start + i * 5_000_000, bytes((0x90, 60 + i, 90)))
    out.send(start + i * 5_000_000 + 2_000_000, bytes((0x80, 60 + i, 0)))
out.send_now(bytes((0x95, 0x30, 0x40)))  # still sounding when the port closes
out.send(time.monotonic_ns() + 10**10, bytes((0x85, 0x30, 0)))  # never: closed before
time.sleep(0.3)
print(out.sent, flush=True)
out.close()
"""


@pytest.mark.audio
def test_a_jack_port_is_listed_found_and_sent_to_at_deadlines_and_closed_clean(jack_server):
    with MidiRecorder(f"rec-{os.getpid()}", server=jack_server) as recorder:
        assert f"JACK: rec-{os.getpid()}:in" in [p.label for p in list_ports(True)]
        run = subprocess.run(
            [sys.executable, "-c", SENDER, f"rec-{os.getpid()}:in"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr[-500:]
        label, sent = run.stdout.split("\n")[:2]
        got = recorder.wait_for(41 + 3, timeout_s=5)
    assert label == f"JACK: rec-{os.getpid()}:in" and sent == "41"
    ons = [d for _, d in got if d[0] == 0x90]
    assert ons == [bytes((0x90, 60 + i, 90)) for i in range(20)] or len(recorder.missed)
    assert sounding_notes(got) == {} or len(recorder.missed)
    assert (bytes((0x85, 0x30, 0))) in [d for _, d in got]  # ended by close, not by the send


def test_ports_coming_and_going_while_listed_never_break_the_listing(jack_server):
    """A port can vanish between JACK listing it and the lookup of its name: the listing
    asks again rather than failing (a keyboard unplugged while the menu opens)."""
    import threading

    stop = threading.Event()

    def churn() -> None:
        index = 0
        while not stop.is_set():
            with MidiRecorder(f"churn-{os.getpid()}-{index}", server=jack_server):
                pass
            index += 1

    worker = threading.Thread(target=churn, daemon=True)
    worker.start()
    try:
        for _ in range(40):
            apis = midi_apis(jack_server)
            assert [api for api in apis if api.name == "JACK" and api.available], apis
            list_ports(True, apis, jack_server)
    finally:
        stop.set()
        worker.join(30)
