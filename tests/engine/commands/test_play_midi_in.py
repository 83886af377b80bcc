"""`pianola play --midi-in`: a port name that matches nothing or several, or no MIDI API at
all, is one sentence on the command line (the real command, the private dummy JACK server)."""

from __future__ import annotations

import os

import pytest

from engine.core.score import Note, Score, Track
from engine.files.project_file import save_project
from engine.measure.midi_capture import MidiRecorder
from tests.engine.commands.pianola_cli import run_pianola


@pytest.fixture
def song(tmp_path):
    path = tmp_path / "song.pianola"
    save_project(Score(tracks=(Track("Keys", notes=(Note(0, 240, 60),)),)), path)
    return str(path)


@pytest.mark.audio
def test_a_name_matching_nothing_or_several_is_one_sentence(jack_server, song):
    pid = os.getpid()
    with MidiRecorder(f"kbd-a-{pid}", server=jack_server):
        with MidiRecorder(f"kbd-b-{pid}", server=jack_server):
            nothing = run_pianola("play", song, "--driver", "jack", "--midi-in", "no-such-keys")
            several = run_pianola("play", song, "--driver", "jack", "--midi-in", "kbd-")
    for res in (nothing, several):
        assert res.returncode == 1, res.stderr
    (line,) = nothing.stderr.strip().splitlines()
    assert line.startswith("pianola: No MIDI input port matches 'no-such-keys': the ports are")
    assert f"JACK: kbd-a-{pid}:out" in line
    (line,) = several.stderr.strip().splitlines()
    assert line.startswith("pianola: 2 MIDI input ports match 'kbd-' (")


@pytest.mark.skipif(os.path.exists("/dev/snd/seq"), reason="the ALSA sequencer answers here")
def test_no_midi_api_is_one_sentence(song):
    env = {**os.environ, "JACK_DEFAULT_SERVER": f"pianola-none-{os.getpid()}"}
    res = run_pianola("play", song, "--driver", "none", "--midi-in", "keys", env=env)
    assert res.returncode == 1, res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("pianola: No MIDI API answers here (")
    assert "ALSA: the ALSA sequencer cannot be opened" in line
    assert "JACK: no JACK server is running" in line
