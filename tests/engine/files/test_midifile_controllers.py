"""Controllers, pitch bend and program changes through MIDI files (mido, real files)."""

from __future__ import annotations

import mido
import pytest

from engine.core.controllers import CONTROL, PITCH_BEND, PROGRAM, ControlEvent, resets
from engine.core.errors import ScoreError
from engine.core.score import Note, Score, Track
from engine.files.midifile import import_midi
from engine.files.midifile_export import export_midi
from engine.files.project_file import dumps_project, loads_project


def cc(control, value, ch=0):
    return mido.Message("control_change", channel=ch, control=control, value=value)


def test_a_played_file_keeps_pedal_wheel_and_later_settings(tmp_path):
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    messages = [
        (0, cc(7, 90)),
        (0, cc(10, 40)),
        (0, mido.Message("program_change", program=5)),
        (0, cc(64, 127)),
        (0, mido.Message("note_on", note=60, velocity=80)),
        (120, cc(1, 30)),
        (0, cc(11, 100)),
        (120, mido.Message("pitchwheel", pitch=-4096)),
        (240, mido.Message("note_off", note=60)),
        (0, cc(64, 0)),
        (0, mido.Message("pitchwheel", pitch=0)),
        (480, cc(7, 60)),
        (0, cc(10, 100)),
        (0, mido.Message("program_change", program=33)),
        (0, mido.Message("note_on", note=62, velocity=80)),
        (480, mido.Message("note_off", note=62)),
    ]
    mid.tracks.append(mido.MidiTrack(m.copy(time=t) for t, m in messages))
    mid.save(tmp_path / "played.mid")
    (track,) = import_midi(tmp_path / "played.mid").tracks
    assert (track.volume, track.pan, track.program) == (90, 40, 5)
    assert track.controllers == (
        ControlEvent(0, CONTROL, 64, 127),
        ControlEvent(120, CONTROL, 1, 30),
        ControlEvent(120, CONTROL, 11, 100),
        ControlEvent(240, PITCH_BEND, 0, -4096),
        ControlEvent(480, CONTROL, 64, 0),
        ControlEvent(480, PITCH_BEND, 0, 0),
        ControlEvent(960, CONTROL, 7, 60),
        ControlEvent(960, CONTROL, 10, 100),
        ControlEvent(960, PROGRAM, 0, 33),
    )
    export_midi(Score(tracks=(track,)), tmp_path / "again.mid")
    assert import_midi(tmp_path / "again.mid").tracks == (track,)


def test_events_at_one_tick_keep_their_order_through_files(tmp_path):
    events = (ControlEvent(0, CONTROL, 64, 127), ControlEvent(0, CONTROL, 64, 0))
    score = Score(tracks=(Track(notes=(Note(0, 10, 60),), controllers=events),))
    export_midi(score, tmp_path / "order.mid")
    assert import_midi(tmp_path / "order.mid").tracks[0].controllers == events
    assert loads_project(dumps_project(score)).tracks[0].controllers == events


def test_output_and_port_are_remembered_in_the_project():
    track = Track(output="both", midi_port="JACK: synth:midi_in")
    again = loads_project(dumps_project(Score(tracks=(track,)))).tracks[0]
    assert (again.output, again.midi_port) == ("both", "JACK: synth:midi_in")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"tick": -1}, "controller event tick must be from 0"),
        ({"tick": 0, "kind": "aftertouch"}, "not 'aftertouch'"),
        ({"tick": 0, "number": 128, "value": 1}, "controller number must be from 0 to 127"),
        ({"tick": 0, "kind": PITCH_BEND, "value": 8192}, "pitch bend must be from -8192"),
        ({"tick": 0, "kind": PROGRAM, "value": 128}, "program must be from 0 to 127"),
    ],
)
def test_bad_controller_values_are_refused(kwargs, message):
    with pytest.raises(ScoreError, match=message):
        ControlEvent(**kwargs)


def test_a_track_sounds_through_a_known_output_only():
    with pytest.raises(ScoreError, match="synth or port or both, not 'midi'"):
        Track(output="midi")


def test_midi_bytes_of_each_kind():
    assert ControlEvent(0, CONTROL, 64, 127).midi_bytes(3) == b"\xb3\x40\x7f"
    assert ControlEvent(0, PROGRAM, 0, 33).midi_bytes(0) == b"\xc0\x21"
    assert ControlEvent(0, PITCH_BEND, 0, 0).midi_bytes(1) == b"\xe1\x00\x40"
    assert ControlEvent(0, PITCH_BEND, 0, -8192).midi_bytes(1) == b"\xe1\x00\x00"
    assert ControlEvent(0, PITCH_BEND, 0, 8191).midi_bytes(1) == b"\xe1\x7f\x7f"


def test_stop_lifts_the_pedal_and_centres_the_wheel_only_where_used():
    used = [ControlEvent(5, CONTROL, 64, 127), ControlEvent(9, PITCH_BEND, 0, 300)]
    assert resets(used) == [ControlEvent(0, CONTROL, 64, 0), ControlEvent(0, PITCH_BEND, 0, 0)]
    assert resets([ControlEvent(5, CONTROL, 1, 3)]) == []
