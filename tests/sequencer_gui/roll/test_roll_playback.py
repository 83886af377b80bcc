"""Audition in the real window with the real engine on the private JACK server: the cursor
moves from the position counter, follow scrolls the view, notes light up, Space stops."""

import time
from pathlib import Path

import numpy as np
import pytest

from engine.core import edits
from engine.core.audio_settings import AudioSettings
from engine.core.score import Note, Track
from sequencer_gui import palette

pytestmark = [pytest.mark.gui, pytest.mark.audio]

FONT = Path(__file__).resolve().parents[3] / "assets" / "pianola.sf2"


def pump(root, seconds: float, until=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        root.update()
        if until is not None and until():
            return True
        time.sleep(0.005)
    return until is None


def _engine_said(win) -> tuple:
    return win.link.state, win.status.engine.cget("text"), win.link.read_position()


@pytest.fixture
def live_window(tk_root, jack_server):
    from sequencer_gui.app import MainWindow

    settings = AudioSettings(
        driver="jack", jack_server=jack_server, reverb=False, soundfont=str(FONT)
    )
    win = MainWindow(tk_root, settings=settings, realtime=False)
    try:
        assert pump(tk_root, 30, lambda: win.link.state != "starting"), "engine never answered"
        assert win.link.state == "ready", win.link.error
        yield win
    finally:
        win.close()


def test_cursor_advances_while_playing_and_space_stops(live_window):
    win = live_window
    doc = win.document
    score, _ = edits.add_notes(doc.score, 0, [Note(i * 240, 200, 60 + i % 5) for i in range(32)])
    score = edits.add_track(
        score, Track(name="Bass", channel=1, notes=tuple(Note(i * 480, 400, 48) for i in range(16)))
    )
    doc.apply(score, "notes")
    win.roll.canvas.focus_force()
    # a key event goes to the focus, which the window has once its loop has run
    assert pump(win.root, 30, lambda: win.root.focus_get() is win.roll.canvas)
    win.roll.canvas.event_generate("<space>")
    ticks, xs, lit, faint_lit = [], [], False, False
    faint = win.roll.faint_pool
    # until the cursor passed a beat and notes of both tracks lit (the song lasts 8 s)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
        ticks and ticks[-1] > 480 and lit and faint_lit and len(win.playback.frame_times) > 30
    ):
        win.root.update()
        ticks.append(win.roll.cursor_tick)
        xs.append(win.roll.canvas.coords(win.roll.cursor_item)[0])
        lit = lit or any(
            win.roll.canvas.itemcget(win.roll.note_pool.item(n), "fill")
            == palette.current().playing_fill
            for n in doc.track.notes
            if win.roll.note_pool.item(n) is not None
        )
        faint_lit = faint_lit or any(
            win.roll.canvas.itemcget(faint.item(k), "fill")
            == palette.current().other_note_fill(win.roll.track_colour(1), True)
            for k in list(faint.keys())
        )
        time.sleep(0.005)
    assert win.playback.playing, (ticks[-1:], lit, faint_lit, _engine_said(win))
    assert ticks[-1] > 480
    assert ticks == sorted(ticks) and xs == sorted(xs) and xs[-1] > xs[0]
    assert lit, "no note lit up while it sounded"
    assert faint_lit, "no note of the other track lit up while it sounded"
    frames = win.playback.frame_times
    assert len(frames) > 30  # the animation loop ran, at display rate
    assert win.transport.play_button.cget("text").endswith("Stop")
    win.roll.canvas.event_generate("<space>")
    win.root.update()
    assert not win.playback.playing
    stopped_at = win.roll.cursor_tick
    assert pump(win.root, 30, lambda: win.link.read_position().playing is False)
    assert abs(win.roll.cursor_tick - stopped_at) < 480


def test_follow_scrolls_the_view_while_playing(live_window):
    win = live_window
    roll = win.roll
    score, _ = edits.add_notes(win.document.score, 0, [Note(i * 480, 240, 60) for i in range(16)])
    win.document.apply(score, "notes")
    roll.set_geometry(roll.geometry.zoomed(8.0, 0))  # 512 px per quarter: leaves the view fast
    roll.set_geometry(roll.geometry.scrolled_to(0, roll.geometry.scroll_y_px))
    win.toggle_play()
    assert pump(win.root, 30, lambda: roll.geometry.scroll_x_px > 0), "the view never followed"
    g = roll.geometry
    assert g.scroll_x_px <= g.tick_to_x(roll.cursor_tick) <= g.scroll_x_px + g.width_px
    assert roll.canvas.canvasx(0) == g.scroll_x_px
    win.toggle_play()


def test_a_missing_jack_server_is_one_sentence_and_editing_still_works(tk_root):
    from sequencer_gui.app import MainWindow
    from tests.sequencer_gui.roll_helpers import Driver

    settings = AudioSettings(
        driver="jack", jack_server="pianola-no-such-server", soundfont=str(FONT)
    )
    win = MainWindow(tk_root, settings=settings, realtime=False)
    try:
        assert pump(tk_root, 30, lambda: win.link.state not in ("starting",))
        assert win.link.state in ("failed", "died")
        message = win.status.engine.cget("text")
        assert "JACK" in message and "editing still works" in message
        assert message.count(".") <= 2  # one sentence, not a traceback
        d = Driver(win)
        d.click(*d.at(0, 60))
        assert win.document.score.tracks[0].notes == (Note(0, 120, 60),)
        win.toggle_play()  # no engine: nothing happens, nothing breaks
        assert not win.playback.playing
    finally:
        win.close()


def test_clicking_a_key_is_heard(live_window, jack_server):
    from engine.measure.capture import Recorder
    from engine.measure.onsets import find_onsets

    kb = live_window.roll.keyboard
    y = round(live_window.roll.geometry.pitch_to_y(60) + 6 - kb.canvas.canvasy(0))
    with Recorder(r"^pianola:", channels=2, server_name=jack_server, max_seconds=4) as rec:
        rec.start()
        pump(live_window.root, 0.3)
        kb.canvas.event_generate("<ButtonPress-1>", x=20, y=y)
        pump(live_window.root, 0.4)
        assert (
            kb.canvas.itemcget(kb.key_items[60], "fill") == palette.current().key_pressed
        )  # shown pressed
        kb.canvas.event_generate("<ButtonRelease-1>", x=20, y=y)
        pump(live_window.root, 0.3)
        recording = rec.stop()
    mag = recording.magnitude()
    assert mag.max() > 1e-3, "the key was not heard"
    assert len(find_onsets(mag, float(mag.max()) * 0.1, 4800)) == 1
    assert kb.canvas.itemcget(kb.key_items[60], "fill") == palette.current().key_white


def test_the_stop_reported_late_does_not_move_the_cursor_of_a_new_song(live_window):
    win = live_window
    score, _ = edits.add_notes(win.document.score, 0, [Note(i * 240, 200, 60) for i in range(32)])
    win.document.apply(score, "notes")
    win.playback.play()
    assert pump(win.root, 30, lambda: win.roll.cursor_tick > 0), _engine_said(win)
    win.playback.stop()
    time.sleep(0.3)  # the engine reports the stop while the GUI is busy elsewhere...
    win.document.replace(score, None)  # ...then File > Open; the report is read after it
    pump(win.root, 0.6)
    assert win.roll.cursor_tick == 0 and not win.playback.playing
    win.playback.play()
    assert pump(win.root, 30, lambda: win.roll.cursor_tick > 0)
    assert win.roll.cursor_tick < 1920  # played from the start, not from where it stopped
    win.playback.stop()


def test_a_note_added_while_looping_is_heard_at_its_place_on_the_next_pass(
    live_window, jack_server
):
    from engine.measure.capture import Recorder
    from engine.measure.onsets import find_onsets
    from tests.sequencer_gui.roll_helpers import Driver

    win = live_window
    score, _ = edits.add_notes(win.document.score, 0, [Note(0, 120, 60)])
    win.document.apply(edits.set_loop(score, 0, 1920, True), "one bar, looped")  # 2 s a pass
    d = Driver(win)
    with Recorder(r"^pianola:", channels=2, server_name=jack_server, max_seconds=8) as rec:
        rec.start()
        win.playback.play()
        pump(win.root, 0.5)
        d.click(*d.at(960, 72))  # half a bar after the looped note
        edit_frame = rec.frame_time_now()
        pump(win.root, 4.6)
        recording = rec.stop()
        win.playback.stop()
    assert win.document.track.notes == (Note(0, 120, 60), Note(960, 120, 72))
    mag = recording.magnitude()
    frames = recording.jack_frames(find_onsets(mag, float(mag.max()) * 0.1, 4800))
    later = frames[frames > edit_frame + 48000 // 4]  # past the click's own preview
    gaps = np.diff(later)
    # from the next pass on an onset every second: the bar's note, then the new one
    tolerance = 256 + 64  # scheduled notes: one FluidSynth block of error, plus margin
    assert np.sum(np.abs(gaps - 48000) <= tolerance) >= 2, f"onset gaps {gaps.tolist()}"
