"""Recording while Pianola follows Link with a peer of the test's own (run by
``netns.run_isolated`` inside a private network namespace; prints one JSON line)."""

from __future__ import annotations

import json
import os
import sys

from tests.engine.sync.link_scene import engine_on_link, heard_beats, wait_for

QUANTUM = 4.0
BAR = 1920  # ticks of a 4/4 bar at 480 per quarter


def run_on() -> dict:
    """A take started under Link plays on past the song's end (two beats long) until
    stopped; a plain play after it stops at the end again."""
    from engine.core.protocol import commands as cmd
    from tests.engine.sync.sync_kit import clicks

    with engine_on_link(clicks(2), quantum=QUANTUM) as on:
        client, report = on.client, on.report
        client.send(cmd.PlayCommand(0, record=True))
        report["take_ran_on"] = wait_for(
            lambda: (p := client.read_position()).playing and p.tick >= 2 * BAR, 30.0
        )
        client.send(cmd.StopCommand())
        report["take_stopped"] = wait_for(lambda: not client.read_position().playing, 20.0)
        client.send(cmd.PlayCommand(0))
        report["played_again"] = wait_for(lambda: client.read_position().playing, 20.0)
        report["stopped_at_end"] = wait_for(lambda: not client.read_position().playing, 30.0)
        report["end_tick"] = client.read_position().tick
        report["events"] = on.events.pump()
    print(json.dumps(report))
    return report


def session_beat(peer) -> float:
    return peer.captureAppSessionState().beatAtTime(peer.clock().micros(), QUANTUM)


def play_key(keyboard, key: int, peer) -> dict:
    """A key played now (its release a tenth of a second later), and the session's beat
    just before and after it was sent: where it was played lies between them."""
    before = session_beat(peer)
    frame = keyboard.frame_now() + 64
    keyboard.send_at(frame, bytes((0x90, key, 100)))
    keyboard.send_at(frame + 4800, bytes((0x80, key, 0)))
    return {"key": key, "beat_before": before, "beat_after": session_beat(peer)}


def input_events(client, count: int) -> list:
    """The engine's ``MidiInputEvent``s, until ``count`` came (20 s at most)."""
    from engine.core.protocol import events as evt

    found: list = []

    def enough() -> bool:
        found.extend(e for e in client.poll_events() if isinstance(e, evt.MidiInputEvent))
        return len(found) >= count

    wait_for(enough, 20.0)
    return found


def press_record(client, peer, report: dict) -> float:
    """Record with a bar of count-in, pressed in the middle of a session bar; returns the
    session beat the count-in starts on (the next bar).  A press the engine took up only
    near that bar (a busy machine) may start a bar later: it is stopped and pressed again."""
    from engine.core.protocol import commands as cmd

    for attempt in range(5):
        wait_for(lambda: 1.3 < session_beat(peer) % QUANTUM < 1.7, 20.0)
        pressed = session_beat(peer)
        client.send(cmd.PlayCommand(0, count_in_bars=1, record=True))
        wait_for(lambda: client.read_position().playing, 20.0)
        taken = session_beat(peer)  # the engine had placed the start by then
        if taken // QUANTUM == pressed // QUANTUM and taken % QUANTUM < 3.5:
            report["pressed_beat"], report["attempts"] = pressed, attempt + 1
            return QUANTUM * (pressed // QUANTUM + 1)
        client.send(cmd.StopCommand())
        wait_for(lambda: not client.read_position().playing, 20.0)
    raise RuntimeError("the engine never took the press up within its bar")


def count_in() -> dict:
    """Record with a bar of count-in, pressed in the middle of a session bar: the clicks
    heard, and where a key played during the count-in and one played after it land."""
    from engine.core.protocol import commands as cmd
    from engine.core.score import Score, Track
    from engine.measure.capture import Recorder
    from engine.measure.midi_capture import MidiRecorder
    from tests.engine.midi.test_midi_input import _connected

    server = os.environ["JACK_DEFAULT_SERVER"]
    # the keys play through a silent track: only the count-in's clicks are heard
    song = Score(tracks=(Track("Keys", channel=0, volume=0),))
    with (
        engine_on_link(song, sampled=True, quantum=QUANTUM) as on,
        MidiRecorder(f"keys-{os.getpid()}", server=server) as keyboard,
        Recorder(r"^pianola:", channels=1, server_name=server, max_seconds=40) as rec,
    ):
        client, peer, report = on.client, on.peer, on.report
        client.send(cmd.SetMidiInputCommand(f"{keyboard.name}:out", 0))
        report["connected"] = _connected(keyboard, "pianola-midi-in:in")
        rec.start()
        counting = press_record(client, peer, report)
        report["expected_start_beat"] = counting + QUANTUM
        wait_for(lambda: session_beat(peer) >= counting + 2.5, 30.0)
        report["during_count_in"] = play_key(keyboard, 61, peer)
        wait_for(lambda: session_beat(peer) >= counting + QUANTUM + 1.5, 30.0)
        report["in_take"] = play_key(keyboard, 62, peer)
        wait_for(lambda: session_beat(peer) >= counting + QUANTUM + 3.0, 30.0)
        report["playing"] = client.read_position().playing
        report["beats"] = heard_beats(peer, rec.stop, on.sampler, QUANTUM)
        received = input_events(client, 4)
        report["received"] = [
            {"data": list(e.data), "tick": e.tick, "playing": e.playing} for e in received
        ]
        client.send(cmd.StopCommand())
        report["events"] = on.events.pump()
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    {"run_on": run_on, "count_in": count_in}[sys.argv[1]](*sys.argv[2:])
