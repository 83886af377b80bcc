"""The window never waits for the engine: a restart after a SIGKILL, a restart for new
audio settings and the first start all happen while Tk's loop keeps turning, and the
new engine plays the song as it is when it is ready -- edits made meanwhile included.

A ticker (``after()`` every 10 ms) stands for a responsive window: a restart that
blocked the loop, as a wait for the new engine's ReadyEvent would (0.4-2 s here), leaves
no tick that saw the engine starting.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from engine.core import edits
from engine.core.protocol import events as evt
from engine.core.score import Note
from tests.sequencer_gui.files.test_faults import FONT, audio_window, pump  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.audio]

TICK_MS = 10


class Ticker:
    """Records when Tk's loop ran an ``after()`` callback, and the link's state then.

    A restart that blocked the loop until the new engine was ready would leave no tick
    that saw the link "starting": that is checked, with no clock in it, so a busy machine
    only makes it slower.  The rate and the longest gap are printed as figures.
    """

    def __init__(self, root, link):
        self.root, self.link, self.ticks = root, link, []
        self._id = root.after(TICK_MS, self._tick)

    def _tick(self):
        self.ticks.append((time.monotonic(), self.link.state))
        self._id = self.root.after(TICK_MS, self._tick)

    def stop(self):
        self.root.after_cancel(self._id)

    def check(self, start: float, end: float) -> None:
        """Assert the loop turned while the engine was starting, between ``start`` and
        ``end`` (monotonic seconds)."""
        inside = [(t, state) for t, state in self.ticks if start <= t <= end]
        edges = [start] + [t for t, _ in inside] + [end]
        gap = max(b - a for a, b in zip(edges, edges[1:]))
        print(
            f"Tk's loop: {len(inside) / (end - start):.0f} ticks/s over {end - start:.2f} s, "
            f"longest gap {gap * 1000:.0f} ms"
        )
        assert any(state == "starting" for _, state in inside), "Tk's loop waited for the engine"


@pytest.fixture
def engine_window(audio_window):
    """test_faults' window on the private JACK server (files, autosave and the engine
    keeper installed; its song: sixteenths on pitches 60-71 for 6 s at 120 BPM), with a
    ticker and the engine events it receives (``window.test_events``)."""
    audio_window.test_ticker = Ticker(audio_window.root, audio_window.link)
    audio_window.test_events = []
    audio_window.link.listeners.append(audio_window.test_events.append)
    yield audio_window
    audio_window.test_ticker.stop()
    audio_window.playback.stop()  # no cursor frame may run after the window is gone


def started(window, pitch, start_tick):
    return any(
        isinstance(e, evt.NoteStartedEvent) and e.pitch == pitch and e.start_tick == start_tick
        for e in window.test_events
    )


def test_start_up_does_not_wait_for_the_engine(engine_window):
    window, ticker = engine_window, engine_window.test_ticker
    assert window.link.state == "starting"  # the window was built before the engine
    begin = time.monotonic()
    pump(window.root, lambda: window.link.state == "ready", 30, "the engine")
    ticker.check(begin, time.monotonic())


def test_engine_killed_while_playing_restarts_without_blocking_and_plays_the_edits(engine_window):
    window, root, ticker = engine_window, engine_window.root, engine_window.test_ticker
    link = window.link
    pump(root, lambda: link.state == "ready", 120, "the engine")
    window.toggle_play()
    pump(
        root,
        lambda: (pos := link.read_position()) is not None and pos.playing and pos.tick > 480,
        10,
        "playback to start",
    )
    old_pid = link.client.pid
    os.kill(old_pid, signal.SIGKILL)
    pump(root, lambda: link.state == "died" or link.restarting, 120, "the death to be noticed")
    died = time.monotonic()
    pump(root, lambda: link.restarting, 120, "the restart to begin")
    assert link.client.pid != old_pid and link.state == "starting"
    assert "Engine restarting…" in window.status.message.cget("text")
    assert "starting" in window.status.engine.cget("text")

    # Edit while the new engine starts, through the canvas as a musician would: a note
    # on a pitch the song does not use, two beats ahead of where playback stopped.
    from tests.sequencer_gui.roll_helpers import Driver

    d = Driver(window)
    pitch, tick = 76, 1920  # the song uses pitches 60-71
    g = window.roll.geometry
    window.roll.scroll(0, g.pitch_to_y(pitch) - window.roll.canvas.canvasy(g.height_px / 2))
    root.update()
    canvas, g = window.roll.canvas, window.roll.geometry
    assert canvas.canvasy(0) < g.pitch_to_y(pitch) < canvas.canvasy(g.height_px)
    d.click(*d.at(tick + 10, pitch))
    new = Note(tick, window.roll.new_length_ticks, pitch, window.roll.new_velocity)
    assert new in window.document.score.tracks[0].notes
    assert link.restarting, "the restart was over before the edit: nothing was tested"

    # Only Tk's file handlers read the engine's events here (root.update() in pump):
    # the ReadyEvent arriving shows the new engine's descriptors were registered.
    pump(root, lambda: link.state == "ready", 120, "the new engine")
    ticker.check(died, time.monotonic())
    assert "restarted" in window.status.message.cget("text")
    # the new engine plays on from where the old one was, with the note added meanwhile
    pump(root, lambda: started(window, pitch, tick), 120, "the note added during the restart")
    pump(root, lambda: started(window, 60 + 17 % 12, 17 * 120), 120, "the song after it")
    assert window.playback.playing  # the cursor follows the new engine


def test_new_audio_settings_restart_without_blocking_and_keep_the_song(engine_window):
    from engine.core.audio_settings import AudioSettings

    window, root, ticker = engine_window, engine_window.root, engine_window.test_ticker
    link = window.link
    pump(root, lambda: link.state == "ready", 120, "the engine")
    old_pid = link.client.pid
    # an edit the old engine is told about just before it goes
    score, _ = edits.add_notes(window.document.score, 0, (Note(240, 120, 72),))
    window.document.apply(score, "Add note")
    begin = time.monotonic()
    window.link.keeper.apply_settings(
        AudioSettings(driver="none", soundfont=str(FONT), period_frames=512), realtime=False
    )
    assert link.state == "starting" and link.restarting
    pump(root, lambda: link.state == "ready", 120, "the engine with the new settings")
    ticker.check(begin, time.monotonic())
    assert link.client.pid != old_pid
    assert (link.ready.driver, link.ready.period_frames) == ("none", 512)
    assert window.document.score is score
    window.toggle_play()
    pump(root, lambda: started(window, 72, 240), 120, "the song on the new engine")
