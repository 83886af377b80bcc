"""The server watcher's second way of hearing that JACK went away: a stopped clock."""

from __future__ import annotations

from engine.core.protocol import events as evt
from engine.realtime import server_watch
from engine.realtime.server_watch import STALL_S, JackServerWatcher


def watching(monkeypatch, answers: bool):
    said: list = []
    asked: list = []
    watcher = JackServerWatcher(said.append)
    watcher._on_jack, watcher._server = True, "studio"  # as if opened on a JACK synth

    def server_answers(name, timeout_s):
        asked.append(name)
        return answers

    monkeypatch.setattr(server_watch, "server_answers", server_answers)
    return watcher, said, asked


def test_a_clock_that_stops_while_no_server_answers_is_a_lost_server(monkeypatch):
    watcher, said, asked = watching(monkeypatch, answers=False)
    watcher.frames_moved(1000, 10.0)
    watcher.frames_moved(1000, 10.0 + STALL_S / 2)
    assert not said and not asked  # not still for long enough to ask
    watcher.frames_moved(1000, 10.0 + STALL_S)
    assert asked == ["studio"] and watcher.lost
    assert [type(e) for e in said] == [evt.AudioLostEvent]
    watcher._on_shutdown(None, "server gone")  # the callback arriving late says nothing more
    watcher.frames_moved(1000, 20.0)
    assert len(said) == 1 and "'studio' stopped" in said[0].message


def test_a_moving_clock_or_a_server_that_answers_is_no_loss(monkeypatch):
    watcher, said, asked = watching(monkeypatch, answers=True)
    for i in range(10):
        watcher.frames_moved(1000 + i * 256, 10.0 + i * STALL_S)
    assert not asked
    watcher.frames_moved(3560, 40.0)
    watcher.frames_moved(3560, 40.0 + STALL_S)  # stalled (a busy machine), server there
    assert asked == ["studio"] and not said and not watcher.lost
    watcher.frames_moved(3560, 40.0 + STALL_S * 1.5)  # asked at most once a stall period
    assert asked == ["studio"]


def test_with_another_driver_than_jack_the_clock_is_not_looked_at(monkeypatch):
    watcher, said, asked = watching(monkeypatch, answers=False)
    watcher._on_jack = False  # never opened: no server to lose
    watcher.frames_moved(5, 0.0)
    watcher.frames_moved(5, 100.0)
    assert not said and not asked
