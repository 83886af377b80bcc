"""The JACK server dies under the window and comes back: the status bar says so, editing
goes on, and the window reconnects by itself, sending the song (edits made meanwhile
included) and the mix again.  A real private dummy JACK server, a real engine, real Tk."""

from __future__ import annotations

import os
import threading

import pytest

from engine.core import edits
from engine.core.protocol import events as evt
from engine.core.score import Note, Score, Track
from sequencer_gui.server_return import ServerReturnWatch
from tests.second_jack_server import start_second_server
from tests.sequencer_gui.files.test_faults import FONT, pump

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.audio]

LIMIT_S = 120  # only ends a failing test: a busy machine may take its time


@pytest.fixture
def server():
    srv = start_second_server(f"pianola-gui-lost-{os.getpid()}")
    yield srv
    srv.stop()


@pytest.fixture
def lost_window(xdisplay, server, tmp_path, monkeypatch):
    import tkinter as tk

    from engine.core.audio_settings import AudioSettings
    from sequencer_gui.app import MainWindow
    from sequencer_gui.document import Document
    from sequencer_gui.files import commands as files

    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PIANOLA_STATE_DIR", str(tmp_path / "state"))
    piano = Track(name="Piano", notes=tuple(Note(i * 120, 60, 60 + i % 12) for i in range(48)))
    bass = Track(name="Bass", channel=1, notes=tuple(Note(i * 480, 240, 36) for i in range(12)))
    root = tk.Tk()
    root.geometry("1000x600+0+0")
    settings = AudioSettings(driver="jack", jack_server=server.name, soundfont=str(FONT))
    window = MainWindow(root, Document(Score(tracks=(piano, bass))), settings, realtime=False)
    commands = files.install(window, offer_restore=False)
    window.test_events = []
    window.link.listeners.append(window.test_events.append)
    yield window
    commands.autosaver.stop()
    window.playback.stop()
    window.close()
    root.destroy()


def test_the_window_says_the_server_is_gone_and_reconnects_with_song_and_mix(lost_window, server):
    window, root, link = lost_window, lost_window.root, lost_window.link
    pump(root, lambda: link.state == "ready", LIMIT_S, "the engine")
    first_pid = link.client.pid
    # The mix: the bass muted.  It must still be muted on the engine after the reconnect.
    window.document.apply(edits.update_track(window.document.score, 1, mute=True), "Mute")
    server.kill(reclaim=False)
    pump(root, lambda: link.state == "lost", LIMIT_S, "the server's loss to be noticed")
    status = window.status.message.cget("text")
    assert status.startswith(f"The JACK server '{server.name}' stopped")
    assert "reconnects" in window.status.engine.cget("text")
    # Editing goes on in silence: a note on a pitch the song does not use.
    score, _ = edits.add_notes(window.document.score, 0, (Note(1920, 120, 77, 100),))
    window.document.apply(score, "Add note")
    before = window.document.score
    server.start()
    pump(root, lambda: link.state == "ready", LIMIT_S, "the reconnection")
    assert link.client.pid != first_pid
    assert window.document.score is before  # the document was never touched
    assert "Reconnected" in window.status.message.cget("text")
    window.test_events.clear()
    window.toggle_play()
    pump(
        root,
        lambda: any(
            isinstance(e, evt.NoteStartedEvent) and e.pitch == 77 for e in window.test_events
        ),
        LIMIT_S,
        "the note added while the server was away",
    )
    started = [e for e in window.test_events if isinstance(e, evt.NoteStartedEvent)]
    assert started and all(e.track_index == 0 for e in started)  # the bass is still muted


def test_the_return_watch_asks_off_tk_and_calls_back_in_tk(xdisplay):
    import tkinter as tk

    root = tk.Tk()
    try:
        asked, answers = [], iter([False, False, True])
        main = threading.get_ident()

        def probe(name):
            asked.append((name, threading.get_ident() != main))
            return next(answers)

        back = []
        watch = ServerReturnWatch(
            root, "x", lambda: back.append(threading.get_ident()), probe, retry_s=0.01
        ).start()
        pump(root, lambda: back, LIMIT_S, "the server's return")
        assert asked == [("x", True)] * 3 and back == [main] and not watch.waiting
        cancelled = ServerReturnWatch(root, "y", lambda: back.append("late"), lambda n: False)
        cancelled.start().cancel()
        pump(root, lambda: not cancelled._thread.is_alive(), LIMIT_S, "the worker to end")
        assert back == [main]
    finally:
        root.destroy()
