"""Recording in the window, as a musician does it: the real window on a real engine on the
private JACK server, a JACK MIDI client of the test's own playing notes into Pianola's
MIDI input at chosen frames while the take runs.  The notes must land in the edited track
at the ticks that were heard when they were played (a rim on every beat, recorded through
JACK, is the ruler), and one undo must take the whole take back."""

from __future__ import annotations

import os

import pytest

from engine.core.audio_settings import AudioSettings
from engine.core.score import LoopRegion, Score, Track
from engine.measure.capture import Recorder
from engine.measure.midi_capture import MidiRecorder
from sequencer_gui.document import Document
from tests.engine.midi.ruler import FRAMES_PER_TICK, RATE, heard_ticks, ruler_track
from tests.sequencer_gui.conftest import FONT, pump

pytestmark = [pytest.mark.gui, pytest.mark.audio]


@pytest.fixture(autouse=True)
def _own_preferences(tmp_path, monkeypatch):
    """The recording settings a test changes are saved: in a config of the test's own."""
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))


KEYS = (60, 64, 67, 72)


def _connected(keyboard: MidiRecorder) -> bool:
    ports = keyboard.client.get_all_connections(keyboard.outport)
    return "pianola-midi-in:in" in [q.name for q in ports]


@pytest.fixture
def recording_window(tk_root, jack_server):
    from sequencer_gui.app import MainWindow

    def make(score: Score):
        settings = AudioSettings(
            driver="jack",
            jack_server=jack_server,
            sample_rate=RATE,
            reverb=False,
            chorus=False,
            soundfont=str(FONT),
        )
        win = MainWindow(tk_root, Document(score), settings=settings, realtime=False)
        made.append(win)
        assert pump(tk_root, 30, lambda: win.link.state != "starting"), "engine never answered"
        assert win.link.state == "ready", win.link.error
        return win

    made: list = []
    yield make
    for win in made:
        win.close()


def _take(win, tk_root, keyboard, rec, frames_apart: int, count: int):
    """Record: play ``count`` notes ``frames_apart`` once the count-in is over; stop."""
    recorder = win.recording.recorder
    win.recording.settings.input_source = f"{keyboard.name}:out"
    win.recording.button.invoke()
    assert recorder.recording
    assert pump(tk_root, 20, lambda: _connected(keyboard))
    position = win.link.read_position
    assert pump(tk_root, 20, lambda: position().playing and position().tick > 0)
    first = keyboard.frame_now() + RATE // 2
    sent = [first + i * frames_apart for i in range(count)]
    for frame, key in zip(sent, KEYS):
        keyboard.send_at(frame, bytes((0x90, key, 100)))
        keyboard.send_at(frame + RATE // 10, bytes((0x80, key, 0)))
    heard = list(zip(sent, KEYS))
    assert pump(tk_root, 30, lambda: len(recorder.take.notes) >= count)
    rec.wait_until_frame(sent[-1] + RATE // 4, timeout_s=20)
    recording = rec.stop()
    win.recording.button.invoke()  # stop: the take ends
    assert not recorder.recording
    return [h for h in heard if keyboard.heard(h[0])], recording


def _assert_at_heard_ticks(notes, heard, ticks, period: int) -> list[int]:
    by_pitch = {n.pitch: n for n in notes}
    errors = []
    for (_, key), tick in zip(heard, ticks):
        errors.append(round((by_pitch[key].start_tick - tick) * FRAMES_PER_TICK))
    # held within half a period, played on 64-frame blocks; a lost cycle adds a period
    assert all(abs(e) <= 2 * period + 64 for e in errors), errors
    return errors


def test_a_take_lands_at_the_ticks_heard_and_undoes_in_one_step(
    recording_window, tk_root, jack_server
):
    # the keys sound through a silent track, so only the count-in, the metronome and the
    # ruler are heard
    score = Score(tracks=(Track("Keys", channel=0, volume=0), ruler_track(24)))
    win = recording_window(score)
    win.recording.settings.count_in_var.set(1)
    win.recording.settings.metronome_var.set("recording")
    with MidiRecorder(f"keys-{os.getpid()}", server=jack_server) as keyboard:
        with Recorder(r"^pianola:", channels=2, server_name=jack_server, max_seconds=20) as rec:
            rec.start()
            heard, recording = _take(win, tk_root, keyboard, rec, RATE * 3 // 8, len(KEYS))
    assert len(heard) >= 3
    notes = win.document.score.tracks[0].notes
    assert sorted(n.pitch for n in notes) == sorted(k for _, k in heard)
    # the first click heard is the count-in's, one bar before tick 0
    ticks = heard_ticks(recording, [f for f, _ in heard], first_tick=-4 * 480)
    errors = _assert_at_heard_ticks(notes, heard, ticks, recording.period_frames)
    print(f"recorded in the window vs heard, in frames: {errors}")
    assert all(n.length_ticks == pytest.approx(RATE // 10 / FRAMES_PER_TICK, abs=20) for n in notes)
    history = win.document.history
    assert history.undo_label == "Record"
    win.editor.undo()
    assert win.document.score.tracks[0].notes == ()
    assert win.document.score.tracks[1] == score.tracks[1]
    win.editor.redo()
    assert win.document.score.tracks[0].notes == notes


def test_each_loop_pass_adds_to_the_take(recording_window, tk_root, jack_server):
    one_bar = 4 * 480
    score = Score(
        tracks=(Track("Keys", channel=0, volume=0), ruler_track(4)),
        loop=LoopRegion(0, one_bar),
        loop_enabled=True,
    )
    win = recording_window(score)
    win.recording.settings.count_in_var.set(0)
    win.recording.settings.metronome_var.set("off")
    with MidiRecorder(f"keys-{os.getpid()}", server=jack_server) as keyboard:
        with Recorder(r"^pianola:", channels=2, server_name=jack_server, max_seconds=20) as rec:
            rec.start()
            # a bar lasts two seconds: three notes 0.9 s apart fall in two or three passes
            heard, recording = _take(win, tk_root, keyboard, rec, RATE * 9 // 10, 3)
    notes = win.document.score.tracks[0].notes
    assert sorted(n.pitch for n in notes) == sorted(k for _, k in heard)
    assert all(0 <= n.start_tick < one_bar and n.end_tick <= one_bar for n in notes)
    ticks = heard_ticks(recording, [f for f, _ in heard], loop_beats=4)
    errors = _assert_at_heard_ticks(notes, heard, ticks, recording.period_frames)
    print(f"recorded over loop passes vs heard, in frames: {errors}")
    win.editor.undo()
    assert win.document.score.tracks[0].notes == ()
    assert not win.playback.playing
