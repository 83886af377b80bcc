"""Protocol messages: validated at construction, picklable, named for their direction."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.score import Note, Score, Track


def _score():
    return Score(tracks=(Track(notes=(Note(0, 240, 60), Note(480, 240, 64))),))


def test_every_message_survives_a_pipe_unchanged():
    messages = [
        cmd.LoadScoreCommand(_score()),
        cmd.ReplaceScoreCommand(_score()),
        cmd.PlayCommand(),
        cmd.PlayCommand(960),
        cmd.StopCommand(),
        cmd.LocateCommand(480),
        cmd.SetLoopCommand(True, 0, 1920),
        cmd.SetTempoCommand(90.5),
        cmd.SetMeterCommand(6, 8),
        cmd.PreviewNoteOnCommand(0, 60, 90),
        cmd.PreviewNoteOffCommand(0, 60),
        cmd.SetTrackMixCommand(1, program=5, mute=True),
        cmd.PanicCommand(),
        cmd.SetMidiInputCommand("keys:out", 1),
        cmd.SetMetronomeCommand(True, 80),
        cmd.SetPlayModeCommand("pattern", "p1", 2),
        cmd.QueuePatternCommand("p2"),
        cmd.SetFillCommand(True),
        cmd.SetSyncCommand("link", 3.0, False),
        cmd.SetMidiClockOutCommand("Pianola"),
        cmd.ShutdownCommand(),
        cmd.ReplaceScoreAtCommand(_score(), 2, 960, 7),
        cmd.PlayAtCommand(0, 123_456_789),
        cmd.ReportScheduledCommand(True),
        cmd.SetLinkTempoCommand(133.0),
        evt.SessionSyncEvent(True, 133.0, 2),
        evt.ReadyEvent(
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
        evt.TransportEvent(True, 480, 2),
        evt.NoteStartedEvent(0, 60, 0, 240, 4800),
        evt.BeatEvent(1, 2, 480),
        evt.LateEvent(3, 128),
        evt.XrunEvent(1),
        evt.AudioLostEvent("The JACK server 'x' stopped.", "x"),
        evt.ErrorEvent("The SoundFont x does not exist.", True, "SoundFontError"),
        evt.StoppedEvent(960),
        evt.EngineDiedEvent(-9, "killed"),
        evt.TakeOverEvent(7, 3, 0, False),
        evt.MeterChangedEvent(1920, 6, 8, True),
        evt.NotesScheduledEvent(((0, 0, 240, 0, 60, 100),)),
        evt.MixScheduledEvent(((2, 960, 1, False, 0, 33, 90, 64),)),
        evt.RealignedEvent(-1024, 64, 48000),
        evt.SyncEvent("link", "Link: 1 peer."),
        evt.MidiInputEvent(bytes((0x90, 60, 100)), 480, 2, True),
        evt.MidiPortsEvent(("JACK: synth:midi_in",), ("JACK: keys:out",), ""),
        cmd.ListMidiPortsCommand(),
    ]
    for message in messages:
        assert pickle.loads(pickle.dumps(message)) == message
    assert all(
        type(m).__name__.endswith("Command") for m in messages if isinstance(m, cmd.COMMAND_TYPES)
    )
    assert all(
        type(m).__name__.endswith("Event") for m in messages if isinstance(m, evt.EVENT_TYPES)
    )
    assert {type(m) for m in messages} == set(cmd.COMMAND_TYPES) | set(evt.EVENT_TYPES)


@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: cmd.PlayCommand(-1), "play from tick"),
        (lambda: cmd.PlayCommand(0, 3), "count-in bars"),
        (lambda: evt.MidiPortsEvent(["x"]), "tuple of names"),
        (lambda: evt.MidiInputEvent(b"", 0), "1 to 3 bytes"),
        (lambda: evt.MidiInputEvent(bytes((0x90, 60, 1)), -1), "MIDI input tick"),
        (lambda: cmd.SetPlayModeCommand("jam"), "play mode"),
        (lambda: cmd.SetPlayModeCommand("pattern"), "needs the pattern"),
        (lambda: cmd.SetFillCommand(1), "fill"),
        (lambda: cmd.SetSyncCommand("midi"), "sync source must be one of internal, link"),
        (lambda: cmd.SetSyncCommand("link", 0.5), "quantum must be from 1 to 64 beats, not 0.5"),
        (lambda: cmd.QueuePatternCommand(3), "pattern id"),
        (lambda: cmd.SetTempoCommand(120, at_next_bar="yes"), "at next bar"),
        (lambda: cmd.LocateCommand(1.5), "locate tick"),
        (lambda: cmd.SetLoopCommand(True, 960, 960), "loop end tick"),
        (lambda: cmd.SetLoopCommand(1, 0, 960), "loop enabled"),
        (lambda: cmd.SetTempoCommand(5), "tempo"),
        (lambda: cmd.SetMeterCommand(6, 6), "denominator must be a power of two, not 6"),
        (lambda: cmd.SetMeterCommand(0, 4), "time signature numerator"),
        (lambda: cmd.SetMeterCommand(3, 4, at_next_bar=1), "at next bar"),
        (lambda: cmd.SetTempoCommand("fast"), "tempo"),
        (lambda: cmd.PreviewNoteOnCommand(0, 128), "preview pitch"),
        (lambda: cmd.PreviewNoteOnCommand(0, 60, 0), "preview velocity"),
        (lambda: cmd.PreviewNoteOffCommand(-1, 60), "preview track index"),
        (lambda: cmd.SetTrackMixCommand(0, volume=200), "track volume"),
        (lambda: cmd.SetTrackMixCommand(0, mute="yes"), "track mute"),
        (lambda: cmd.LoadScoreCommand("song.mid"), "score"),
        (lambda: evt.TransportEvent(1, 0), "playing"),
        (lambda: evt.NoteStartedEvent(0, 60, 0, 0, 0), "note length"),
        (
            lambda: evt.ReadyEvent({}, "jack", "", 48000, 256, "realtime", "", "", "", {}),
            "scheduling",
        ),
        (lambda: evt.ReadyEvent({}, "jack", "", 0, 256, "normal", "", "", "", {}), "sample rate"),
    ],
)
def test_bad_values_are_refused_naming_the_field(make, field):
    with pytest.raises(ValueError, match=field):
        make()


def test_messages_are_frozen():
    with pytest.raises(AttributeError):
        cmd.PlayCommand(0).from_tick = 5


def test_track_mix_fields_are_only_the_ones_given():
    assert cmd.SetTrackMixCommand(2, pan=10, solo=False).fields() == {"pan": 10, "solo": False}


def test_ready_summary_names_driver_priority_and_soundfont():
    ready = evt.ReadyEvent(
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
        "import sys, engine.core.protocol.commands, engine.core.protocol.events\n"
        "import engine.realtime.position\n"
        "bad = {'tkinter', 'fluidsynth', 'sounddevice', 'rtmidi', 'numpy'} & set(sys.modules)\n"
        "sys.exit(', '.join(sorted(bad)) if bad else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
