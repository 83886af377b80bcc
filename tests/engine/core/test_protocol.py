"""Protocol messages: validated at construction, picklable, named for their direction."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from engine.core import protocol as p
from engine.core.score import Note, Score, Track


def _score():
    return Score(tracks=(Track(notes=(Note(0, 240, 60), Note(480, 240, 64))),))


def test_every_message_survives_a_pipe_unchanged():
    messages = [
        p.LoadScoreCommand(_score()),
        p.ReplaceScoreCommand(_score()),
        p.PlayCommand(),
        p.PlayCommand(960),
        p.StopCommand(),
        p.LocateCommand(480),
        p.SetLoopCommand(True, 0, 1920),
        p.SetTempoCommand(90.5),
        p.PreviewNoteOnCommand(0, 60, 90),
        p.PreviewNoteOffCommand(0, 60),
        p.SetTrackMixCommand(1, program=5, mute=True),
        p.PanicCommand(),
        p.SetMidiInputCommand("keys:out", 1),
        p.SetMetronomeCommand(True, 80),
        p.SetPlayModeCommand("pattern", "p1", 2),
        p.QueuePatternCommand("p2"),
        p.SetFillCommand(True),
        p.SetSyncCommand("link", 3.0, False),
        p.SetMidiClockOutCommand("Pianola"),
        p.ShutdownCommand(),
        p.ReplaceScoreAtCommand(_score(), 2, 960, 7),
        p.PlayAtCommand(0, 123_456_789),
        p.ReportScheduledCommand(True),
        p.ReadyEvent(
            {"pianola": "0.1"},
            "jack",
            "a JACK server answers",
            48000,
            256,
            "SCHED_FIFO 70",
            "granted",
            "/x.sf2",
            "bundled",
            {(0, 0): "Piano"},
            12,
        ),
        p.TransportEvent(True, 480, 2),
        p.NoteStartedEvent(0, 60, 0, 240, 4800),
        p.BeatEvent(1, 2, 480),
        p.LateEvent(3, 128),
        p.XrunEvent(1),
        p.AudioLostEvent("The JACK server 'x' stopped.", "x"),
        p.ErrorEvent("The SoundFont x does not exist.", True, "SoundFontError"),
        p.StoppedEvent(960),
        p.EngineDiedEvent(-9, "killed"),
        p.TakeOverEvent(7, 3, 0, False),
        p.NotesScheduledEvent(((0, 0, 240, 0, 60, 100),)),
        p.SyncEvent("link", "Link: 1 peer."),
    ]
    for message in messages:
        assert pickle.loads(pickle.dumps(message)) == message
    assert all(
        type(m).__name__.endswith("Command") for m in messages if isinstance(m, p.COMMAND_TYPES)
    )
    assert all(type(m).__name__.endswith("Event") for m in messages if isinstance(m, p.EVENT_TYPES))
    assert {type(m) for m in messages} == set(p.COMMAND_TYPES) | set(p.EVENT_TYPES)


@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: p.PlayCommand(-1), "play from tick"),
        (lambda: p.SetPlayModeCommand("jam"), "play mode"),
        (lambda: p.SetPlayModeCommand("pattern"), "needs the pattern"),
        (lambda: p.SetFillCommand(1), "fill"),
        (lambda: p.SetSyncCommand("midi"), "sync source must be one of internal, link"),
        (lambda: p.SetSyncCommand("link", 0.5), "quantum must be from 1 to 64 beats, not 0.5"),
        (lambda: p.QueuePatternCommand(3), "pattern id"),
        (lambda: p.SetTempoCommand(120, at_next_bar="yes"), "at next bar"),
        (lambda: p.LocateCommand(1.5), "locate tick"),
        (lambda: p.SetLoopCommand(True, 960, 960), "loop end tick"),
        (lambda: p.SetLoopCommand(1, 0, 960), "loop enabled"),
        (lambda: p.SetTempoCommand(5), "tempo"),
        (lambda: p.SetTempoCommand("fast"), "tempo"),
        (lambda: p.PreviewNoteOnCommand(0, 128), "preview pitch"),
        (lambda: p.PreviewNoteOnCommand(0, 60, 0), "preview velocity"),
        (lambda: p.PreviewNoteOffCommand(-1, 60), "preview track index"),
        (lambda: p.SetTrackMixCommand(0, volume=200), "track volume"),
        (lambda: p.SetTrackMixCommand(0, mute="yes"), "track mute"),
        (lambda: p.LoadScoreCommand("song.mid"), "score"),
        (lambda: p.TransportEvent(1, 0), "playing"),
        (lambda: p.NoteStartedEvent(0, 60, 0, 0, 0), "note length"),
        (
            lambda: p.ReadyEvent({}, "jack", "", 48000, 256, "realtime", "", "", "", {}),
            "scheduling",
        ),
        (lambda: p.ReadyEvent({}, "jack", "", 0, 256, "normal", "", "", "", {}), "sample rate"),
    ],
)
def test_bad_values_are_refused_naming_the_field(make, field):
    with pytest.raises(ValueError, match=field):
        make()


def test_messages_are_frozen():
    with pytest.raises(AttributeError):
        p.PlayCommand(0).from_tick = 5


def test_track_mix_fields_are_only_the_ones_given():
    assert p.SetTrackMixCommand(2, pan=10, solo=False).fields() == {"pan": 10, "solo": False}


def test_ready_summary_names_driver_priority_and_soundfont():
    ready = p.ReadyEvent(
        {},
        "jack",
        "a JACK server answers",
        48000,
        256,
        "nice -10",
        "SCHED_FIFO 70 was refused",
        "/a/b.sf2",
        "bundled",
        {},
    )
    text = ready.summary()
    assert "jack" in text and "48000 Hz" in text and "256 frames" in text
    assert "nice -10" in text and "/a/b.sf2" in text


def test_protocol_loads_no_audio_or_gui_library():
    code = (
        "import sys, engine.core.protocol, engine.realtime.position\n"
        "bad = {'tkinter', 'fluidsynth', 'sounddevice', 'rtmidi', 'numpy'} & set(sys.modules)\n"
        "sys.exit(', '.join(sorted(bad)) if bad else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
