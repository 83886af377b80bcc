"""`pianola play --midi-out`: the real command and engine sending to a JACK MIDI client of
the test's own on the private dummy JACK server."""

from __future__ import annotations

import os
import select
import statistics
import subprocess
import sys
import time

import pytest

from engine.core.controllers import CONTROL, PITCH_BEND, ControlEvent
from engine.core.score import Note, Score, Track
from engine.core.timing import TempoChange, TempoMap, bpm_to_us_per_quarter
from engine.files.project_file import save_project
from engine.measure.midi_capture import MidiRecorder, sounding_notes
from tests.engine.commands.pianola_cli import run_pianola, start_pianola

pytestmark = pytest.mark.audio

PPQ = 480
US = bpm_to_us_per_quarter(137)
SIXTEENTH = PPQ // 4


def _pattern_song(path, bars=2, length=SIXTEENTH - 20):
    lead = tuple(Note(i * SIXTEENTH, length, 60 + i % 12, 90) for i in range(16 * bars))
    kick = tuple(Note(i * PPQ, length, 36, 110) for i in range(4 * bars))
    pedal = (
        ControlEvent(0, CONTROL, 64, 127),
        ControlEvent(PPQ * 2, PITCH_BEND, 0, 2000),
        ControlEvent(PPQ * 4, CONTROL, 64, 0),
        ControlEvent(PPQ * 4, PITCH_BEND, 0, 0),
    )
    score = Score(
        tracks=(
            Track("Lead", channel=2, program=5, notes=lead, controllers=pedal),
            Track("Kick", channel=9, is_drum=True, notes=kick),
        ),
        ppq=PPQ,
        tempo_map=TempoMap((TempoChange(0, US),)),
    )
    save_project(score, path)
    return score


def _frames(tick: int) -> float:
    return tick * US / PPQ * 48000 / 1_000_000


@pytest.fixture
def recorder(jack_server):
    with MidiRecorder(f"rec-{os.getpid()}", server=jack_server) as rec:
        yield rec


def test_every_event_arrives_paired_on_its_frame(jack_server, recorder, tmp_path):
    song = tmp_path / "pattern.pianola"
    score = _pattern_song(song)
    res = run_pianola("play", str(song), "--driver", "jack", "--midi-out", recorder.name)
    assert res.returncode == 0, res.stderr
    got = recorder.events()
    expected = []  # (frame from the song's start, bytes)
    for track, channel in zip(score.tracks, (2, 9)):
        for n in track.notes:
            expected.append((_frames(n.start_tick), bytes((0x90 | channel, n.pitch, n.velocity))))
            expected.append((_frames(n.end_tick), bytes((0x80 | channel, n.pitch, 0))))
        for e in track.controllers:
            expected.append((_frames(e.tick), e.midi_bytes(channel)))
    # Pair each kind of message in order: received against due frames.
    by_bytes: dict[bytes, tuple[list, list]] = {}
    for frame, data in expected:
        by_bytes.setdefault(data, ([], []))[0].append(frame)
    for frame, data in got:
        if data in by_bytes:
            by_bytes[data][1].append(frame)
    pairs = [
        (g, e)
        for due, heard in by_bytes.values()
        if len(due) == len(heard)
        for g, e in zip(sorted(heard), sorted(due))
    ]
    assert pairs
    # One constant offset (the latency from the play command) is fitted ...
    offset = statistics.median(g - e for g, e in pairs)
    # ... then every due event arrived, unless the busy dummy server did not run the
    # recorder in its cycle (then nobody could have heard it).
    lost = [
        (e + offset, data)
        for data, (due, heard) in by_bytes.items()
        for e in due
        if len(heard) < len(due) and recorder.heard(round(e + offset))
    ]
    assert not lost, (lost, recorder.missed)
    assert sounding_notes(got) == {} or recorder.missed
    # Order kept: on every key a note-on, then its note-off, then the next note-on.
    kinds: dict[tuple[int, int], list[int]] = {}
    for _, data in got:
        if len(data) == 3 and data[0] & 0xF0 in (0x80, 0x90):
            kinds.setdefault((data[0] & 0x0F, data[1]), []).append(data[0] & 0xF0)
    for key, seen in kinds.items():
        assert seen == [0x90, 0x80] * (len(seen) // 2) or recorder.missed, (key, seen)
    assert bytes((0xC2, 5)) in [d for _, d in got]  # the track's program went out first
    # Each event's distance from its due frame: the bound is the benchmark's (`pianola
    # bench midi`); printed here for the record.
    errors = [abs(g - e - offset) for g, e in pairs]
    print(f"MIDI out, period {recorder.period_frames}: worst {max(errors):.1f} frames")


def test_stopping_mid_song_leaves_no_note_on(jack_server, recorder, tmp_path):
    song = tmp_path / "long.pianola"
    _pattern_song(song, bars=8, length=PPQ * 4)  # every note still sounds at the stop
    res = run_pianola(
        "play", str(song), "--driver", "jack", "--midi-out", recorder.name, "--seconds", "1.5"
    )
    assert res.returncode == 0, res.stderr
    time.sleep(0.2)
    got = recorder.events()
    assert any(d[0] & 0xF0 == 0x90 for _, d in got)
    assert sounding_notes(got) == {}
    assert bytes((0xB2, 64, 0)) in [d for _, d in got]  # the pedal is lifted too


def test_a_port_name_matching_nothing_is_one_sentence(jack_server, recorder, tmp_path):
    song = tmp_path / "pattern.pianola"
    _pattern_song(song)
    res = run_pianola("play", str(song), "--driver", "jack", "--midi-out", "no-such-synth")
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("pianola: No MIDI output port matches 'no-such-synth': the ports are")
    assert f"JACK: {recorder.name}:in" in line


def test_a_port_name_matching_several_is_one_sentence(jack_server, recorder, tmp_path):
    song = tmp_path / "pattern.pianola"
    _pattern_song(song)
    with MidiRecorder(f"rec2-{os.getpid()}", server=jack_server):
        res = run_pianola("play", str(song), "--driver", "jack", "--midi-out", "rec")
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("pianola: 2 MIDI output ports match 'rec'")


# A synth at the other end of a port, in a process of its own: it says "ready", then
# "heard" at the first event, and ends when its standard input closes.
SYNTH = """
import sys, time
from engine.measure.midi_capture import MidiRecorder
with MidiRecorder(sys.argv[1], server=sys.argv[2]) as rec:
    print("ready", flush=True)
    while not rec.events():
        time.sleep(0.02)
    print("heard", flush=True)
    sys.stdin.read()
"""


def _said(proc, timeout_s: float) -> str:
    readable, _, _ = select.select([proc.stdout], [], [], timeout_s)
    return proc.stdout.readline().strip() if readable else ""


def test_a_port_going_away_is_said_once_and_the_song_plays_on(jack_server, tmp_path):
    song = tmp_path / "long.pianola"
    _pattern_song(song, bars=4)
    name = f"gone-{os.getpid()}"
    # The synth is a process of its own that ends, as a real one is switched off (closing
    # a client of this process while another sends to it can hang in libjack)
    synth = subprocess.Popen(
        [sys.executable, "-c", SYNTH, name, jack_server],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    proc = None
    try:
        assert _said(synth, 60) == "ready"
        proc = start_pianola(
            "play", str(song), "--driver", "jack", "--midi-out", name, "--seconds", "5"
        )
        assert _said(synth, 60) == "heard"
        synth.kill()  # the synth at the other end is switched off
        synth.wait()
        out, err = proc.communicate(timeout=120)
    finally:
        if synth.poll() is None:
            synth.kill()
            synth.wait()
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    lines = [line for line in err.strip().splitlines() if "MIDI port" in line]
    assert lines == [
        f"pianola: The MIDI port JACK: {name}:in went away: its tracks play through the synth."
    ], err


def test_no_midi_api_at_all_is_one_sentence(tmp_path):
    song = tmp_path / "pattern.pianola"
    _pattern_song(song)
    env = dict(os.environ, JACK_DEFAULT_SERVER=f"pianola-none-{os.getpid()}")
    res = run_pianola(
        "play", str(song), "--driver", "none", "--midi-out", "synth", timeout=120, env=env
    )
    if os.path.exists("/dev/snd/seq"):
        pytest.skip("the ALSA sequencer answers here")
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert line == (
        "pianola: No MIDI output port matches 'synth': the ports are none at all "
        "(`pianola doctor` says why)."
    )
