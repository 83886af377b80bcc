"""The window's side of a take and of step input, given the engine's MIDI input events
(placed messages, as the engine sends them; where they are placed is tested with real
JACK MIDI in tests/sequencer_gui/test_recording.py)."""

from __future__ import annotations

import pytest

from engine.core.protocol import events as evt
from engine.core.score import Note, Score, Track
from tests.sequencer_gui.conftest import pump

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _own_preferences(tmp_path, monkeypatch):
    """The recording settings a test changes are saved: in a config of the test's own."""
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))


def _played(win, data: bytes, tick: int, playing: bool = True, pass_index: int = 0) -> None:
    win.link._tell(evt.MidiInputEvent(data, tick, pass_index, playing))


def test_a_replace_take_clears_what_it_played_over_in_one_undo_step(playing_window, tk_root):
    win = playing_window
    old = (Note(0, 240, 50), Note(960, 240, 52), Note(7680, 240, 53))
    win.document.replace(Score(tracks=(Track("Keys", notes=old),)))
    settings = win.recording.settings
    settings.count_in_var.set(0)
    settings.mode_var.set("replace")
    settings.quantize_var.set("grid")  # the roll's grid: a sixteenth
    win.roll.set_cursor(480)
    win.recording.recorder.toggle()
    assert win.recording.recorder.recording
    assert pump(tk_root, 20, lambda: win.link.read_position().playing)
    _played(win, bytes((0x90, 60, 99)), 1000)
    _played(win, bytes((0x80, 60, 0)), 1200)
    _played(win, bytes((0xB0, 64, 127)), 1100)
    assert win.document.score.tracks[0].notes[-2:] == (Note(960, 200, 60, 99), Note(7680, 240, 53))
    assert pump(tk_root, 20, lambda: win.link.read_position().tick > 1300)
    win.recording.recorder.toggle()  # stop
    track = win.document.score.tracks[0]
    assert Note(0, 240, 50) in track.notes and Note(960, 240, 52) not in track.notes
    assert Note(960, 200, 60, 99) in track.notes and Note(7680, 240, 53) in track.notes
    assert [(e.tick, e.number, e.value) for e in track.controllers] == [(1080, 64, 127)]
    assert win.document.history.undo_label == "Record"
    win.editor.undo()
    assert win.document.score.tracks[0].notes == old


def test_nothing_played_leaves_no_undo_step(playing_window, tk_root):
    win = playing_window
    win.recording.settings.count_in_var.set(0)
    before = win.document.score
    win.recording.recorder.toggle()
    assert pump(tk_root, 20, lambda: win.link.read_position().playing)
    win.recording.recorder.toggle()
    assert win.document.score is before
    assert not win.document.history.can_undo
    assert "Recorded nothing" in win.status.message.cget("text")


def test_recording_with_no_engine_says_why(window):
    window.recording.recorder.toggle()
    assert not window.recording.recorder.recording
    assert "needs the audio engine" in window.status.message.cget("text")


def test_step_input_enters_chords_at_the_cursor_and_advances_by_the_grid(window):
    window.recording.step_input.enabled_var.set(True)
    window.roll.set_cursor(960)
    grid, length = window.roll.grid_ticks, window.roll.new_length_ticks
    _played(window, bytes((0x90, 60, 100)), 0, playing=False)
    _played(window, bytes((0x90, 64, 90)), 0, playing=False)
    _played(window, bytes((0x80, 60, 0)), 0, playing=False)
    assert window.roll.cursor_tick == 960  # a key of the chord is still held
    _played(window, bytes((0x80, 64, 0)), 0, playing=False)
    assert window.roll.cursor_tick == 960 + grid
    _played(window, bytes((0x90, 67, 80)), 0, playing=False)
    _played(window, bytes((0x80, 67, 0)), 0, playing=False)
    assert window.document.score.tracks[0].notes == (
        Note(960, length, 60, 100),
        Note(960, length, 64, 90),
        Note(960 + grid, length, 67, 80),
    )
    assert window.roll.cursor_tick == 960 + 2 * grid
    window.editor.undo()  # the last chord (one key)
    assert len(window.document.score.tracks[0].notes) == 2
    window.editor.undo()  # the first chord, whole
    assert window.document.score.tracks[0].notes == ()


def test_step_input_is_off_until_asked_for(window):
    _played(window, bytes((0x90, 60, 100)), 0, playing=False)
    _played(window, bytes((0x80, 60, 0)), 0, playing=False)
    assert window.document.score.tracks[0].notes == ()


def test_step_input_in_the_step_grid_sets_the_lanes_of_the_keys_played(window):
    from tests.sequencer_gui.steps.steps_helpers import drum_window

    drum_window(window)
    panel = window.recording.step_input.window.steps.panel
    window.recording.step_input.enabled_var.set(True)
    panel.grid_view.cursor = (0, 2)
    kick, snare = 36, 38
    _played(window, bytes((0x99, kick, 110)), 0, playing=False)
    _played(window, bytes((0x99, snare, 70)), 0, playing=False)
    _played(window, bytes((0x89, kick, 0)), 0, playing=False)
    _played(window, bytes((0x89, snare, 0)), 0, playing=False)
    assert panel.grid_view.cursor[1] == 3
    _played(window, bytes((0x99, 99, 100)), 0, playing=False)  # no lane plays it
    _played(window, bytes((0x89, 99, 0)), 0, playing=False)
    assert "No lane" in window.status.message.cget("text")
    pattern = panel.pattern
    by_key = {lane.key: lane for lane in pattern.lanes}
    assert by_key[kick].steps[2].on and by_key[kick].steps[2].velocity == 110
    assert by_key[snare].steps[2].on and by_key[snare].steps[2].velocity == 70
    assert sum(step.on for lane in pattern.lanes for step in lane.steps) == 2
    assert window.document.history.undo_label == "Step input"
    window.editor.undo()
    assert not any(step.on for lane in panel.pattern.lanes for step in lane.steps)


def test_a_new_song_during_a_take_ends_it_without_touching_the_new_song(playing_window, tk_root):
    win = playing_window
    win.recording.settings.count_in_var.set(0)
    win.recording.recorder.toggle()
    assert pump(tk_root, 20, lambda: win.link.read_position().playing)
    _played(win, bytes((0x90, 60, 99)), 100)
    _played(win, bytes((0x80, 60, 0)), 200)
    fresh = Score(tracks=(Track("Other"),))
    win.document.replace(fresh)
    assert not win.recording.recorder.recording
    assert win.document.score is fresh
    assert not win.document.history.can_undo


def test_the_track_removed_during_a_take_is_said_in_one_sentence(playing_window, tk_root):
    from engine.core import edits

    win = playing_window
    win.document.replace(Score(tracks=(Track("Keys"), Track("Bass", channel=1))))
    win.document.set_track_index(1)
    win.recording.settings.count_in_var.set(0)
    seen = []
    win.link.listeners.append(seen.append)
    win.recording.recorder.toggle()
    ok = pump(tk_root, 20, lambda: win.link.read_position().playing)
    assert ok, (seen, win.link.read_position(), win.link.state)
    win.document.apply(edits.remove_track(win.document.score, 1), "Remove track")
    _played(win, bytes((0x90, 60, 99)), 100)
    _played(win, bytes((0x80, 60, 0)), 200)
    assert win.status.message.cget("text") == "there is no track 2 to record into"
    win.recording.recorder.toggle()
    assert not win.recording.recorder.recording
    assert [t.name for t in win.document.score.tracks] == ["Keys"]
    assert win.document.score.tracks[0].notes == ()
