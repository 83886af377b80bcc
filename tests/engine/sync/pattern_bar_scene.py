"""Song and pattern mode changed while Pianola plays under Link with a peer of the test's
own (run by ``netns.run_isolated`` inside a private network namespace; prints one JSON
line): each change is asked for in the middle of a session bar and must start on the
session's next bar, and pattern mode's tempo goes to the session."""

from __future__ import annotations

import json
import time

from tests.engine.sync.link_scene import engine_on_link, wait_for

QUANTUM = 4.0
PPQ = 480


def two_pattern_song():
    """(song, three-beat pattern id, four-beat pattern id): clicks on every quarter in
    song mode; a pattern of three beats, so its passes fall off the session's bars, and
    one of a bar."""
    from engine.core import pattern_edits as pe
    from engine.core.generators import parse_step_string
    from tests.engine.sync.sync_kit import KICK, clicks

    song = clicks(256)
    three = pe.new_pattern("Three", keys=(KICK,), length_steps=12)
    four = pe.new_pattern("Four", keys=(KICK,))
    song = pe.add_pattern(pe.add_pattern(song, three), four)
    song = pe.set_lane_steps(song, three.id, three.lanes[0].id, parse_step_string("X...X...X..."))
    song = pe.set_lane_steps(song, four.id, four.lanes[0].id, parse_step_string("X...X...X...X..."))
    return song, three.id, four.id


def session_beat(peer) -> float:
    return peer.captureAppSessionState().beatAtTime(peer.clock().micros(), QUANTUM)


def mid_bar(peer) -> float:
    """Wait for the middle of a session bar (beat 1.5 of 4); returns that beat."""
    wait_for(lambda: 1.3 < session_beat(peer) % QUANTUM < 1.7, 10.0)
    return session_beat(peer)


def bar_phase(loop_tick: int, beat: float) -> float:
    """Beats between the music's bar (its tick counted from a bar line) and the session's
    bar at about the same moment: near 0 or near the quantum when in phase."""
    return (loop_tick / PPQ - beat) % QUANTUM


def scene() -> dict:
    from engine.core.protocol import commands as cmd

    song, three, four = two_pattern_song()
    with engine_on_link(song, quantum=QUANTUM) as on:
        client, peer, report = on.client, on.peer, on.report
        client.send(cmd.PlayCommand(0))
        report["started"] = wait_for(lambda: client.read_position().playing, 20.0)
        time.sleep(2.0)

        # song -> pattern mode (the three-beat pattern), asked for mid-bar
        report["asked_pattern_at"] = mid_bar(peer)
        client.send(cmd.SetPlayModeCommand("pattern", three, 0))
        wait_for(lambda: client.read_position().pattern_index == 0, 20.0)
        time.sleep(1.0)
        position, beat = client.read_position(), session_beat(peer)
        loop_tick = position.pattern_pass * 3 * PPQ + position.tick
        report["pattern_phase"] = bar_phase(loop_tick, beat)

        # the four-beat pattern queued mid-bar: it follows a three-beat pass, so only a
        # switch on the session's bar keeps it in phase
        mid_bar(peer)
        client.send(cmd.QueuePatternCommand(four))
        report["switched"] = wait_for(lambda: client.read_position().pattern_index == 1, 20.0)
        time.sleep(1.0)
        position, beat = client.read_position(), session_beat(peer)
        report["queued_phase"] = bar_phase(position.tick, beat)

        # pattern mode's tempo: to the session, and played from there (Link carries a
        # tempo as whole microseconds a beat: 111 BPM arrives as 110.9999)
        client.send(cmd.SetTempoCommand(111.0))
        report["peer_took_tempo"] = wait_for(
            lambda: abs(peer.captureAppSessionState().tempo() - 111.0) < 0.01, 20.0
        )
        report["tempo_shown_bpm"] = 0.0
        if wait_for(lambda: abs(60e6 / client.read_position().us_per_quarter - 111) < 0.01, 20):
            report["tempo_shown_bpm"] = 60e6 / client.read_position().us_per_quarter

        # back to song mode, asked for mid-bar: the song goes on on the session's bars
        mid_bar(peer)
        client.send(cmd.SetPlayModeCommand("song", None, 0))
        wait_for(lambda: client.read_position().pattern_index == -1, 20.0)
        time.sleep(1.0)
        position, beat = client.read_position(), session_beat(peer)
        report["song_phase"] = bar_phase(position.tick, beat)
        report["playing"] = position.playing
        report["events"] = on.events.pump()
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    scene()
