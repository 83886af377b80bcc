"""A track's output chosen in the track list: a JACK MIDI client of the test's own is the
external instrument; the notes reach it once it is chosen, the choice is saved with the
song, and when the instrument goes away while playing the musician is told once and
the song plays on through the synth."""

from __future__ import annotations

import os

import pytest

from engine.core.protocol import commands as cmd
from engine.core.score import Note, Score, Track
from engine.files.project_file import load_project
from engine.measure.midi_capture import MidiRecorder
from sequencer_gui.panels.track_output import output_text
from tests.sequencer_gui.conftest import pump
from tests.sequencer_gui.test_recording import recording_window  # noqa: F401 (fixture)

pytestmark = [pytest.mark.gui, pytest.mark.audio]


@pytest.fixture(autouse=True)
def _own_preferences(tmp_path, monkeypatch):
    """The recording settings a test changes are saved: in a config of the test's own."""
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))


def _entry(menu, label: str) -> int:
    for i in range(menu.index("end") + 1):
        if menu.type(i) == "command" and menu.entrycget(i, "label").strip(" ●") == label:
            return i
    raise AssertionError(f"no menu entry {label!r}")


def test_a_track_sent_to_a_port_reaches_it_is_saved_and_falls_back_when_it_goes(
    recording_window,  # noqa: F811
    tk_root,
    jack_server,
    tmp_path,
):
    notes = tuple(Note(i * 240, 120, 60 + i % 12) for i in range(64))
    win = recording_window(Score(tracks=(Track("Keys", notes=notes),)))
    outputs = win.recording.outputs
    synth = MidiRecorder(f"ext-{os.getpid()}", server=jack_server).open()
    try:
        label = f"JACK: {synth.name}:in"
        win.link.send(cmd.ListMidiPortsCommand())  # the instrument came after the engine
        assert pump(tk_root, 20, lambda: label in outputs.ports), outputs.ports
        button = outputs.buttons[0]
        menu = tk_root.nametowidget(button.cget("menu"))
        outputs._fill(menu, 0)
        menu.invoke(_entry(menu, label))  # the first: port only
        track = win.document.score.tracks[0]
        assert (track.output, track.midi_port) == ("port", label)
        assert button.cget("text") == output_text(track)
        assert win.document.history.undo_label == "Change track output"
        win.save_to(tmp_path / "song.pianola")
        assert load_project(tmp_path / "song.pianola").tracks[0].midi_port == label

        win.playback.play()
        kinds = lambda: {data[0] & 0xF0 for _, data in synth.events()}  # noqa: E731
        assert pump(tk_root, 30, lambda: kinds() >= {0x90, 0x80}), synth.events()
    finally:
        synth.close()  # the instrument goes away while the song plays
    said = "went away: its tracks play through the synth"
    assert pump(tk_root, 20, lambda: said in win.status.message.cget("text"))
    assert win.link.read_position().playing
    win.set_status("")
    pump(tk_root, 2.5, lambda: False)
    assert said not in win.status.message.cget("text")  # told once
    win.playback.stop()
