"""Pattern mode under Link with a peer of the test's own (run by ``netns.run_isolated``
inside a private network namespace; prints one JSON line): Pianola loops a pattern of a
kick on every quarter; it starts on the session's bar, the peer changes the tempo while
it plays, then stops the session (start/stop sync)."""

from __future__ import annotations

import json
import os
import time

from tests.engine.sync.link_scene import engine_on_link, heard_beats, wait_for


def kick_pattern_song():
    """(song, pattern id): a drum track and one 16-step pattern, a kick every quarter."""
    from engine.core import pattern_edits as pe
    from engine.core.generators import parse_step_string
    from tests.engine.sync.sync_kit import KICK, clicks

    song = clicks(0)  # the click song's drum track and tempo, no notes
    pattern = pe.new_pattern("Kicks", keys=(KICK,))
    song = pe.add_pattern(song, pattern)
    steps = parse_step_string("X...X...X...X...")
    return pe.set_lane_steps(song, pattern.id, pattern.lanes[0].id, steps), pattern.id


def scene() -> dict:
    from engine.core.protocol import commands as cmd
    from engine.measure.capture import Recorder

    server = os.environ["JACK_DEFAULT_SERVER"]
    quantum = 4.0
    song, pattern_id = kick_pattern_song()
    pattern_mode = cmd.SetPlayModeCommand("pattern", pattern_id, 0)
    with engine_on_link(song, setup=(pattern_mode,), sampled=True, quantum=quantum) as on:
        client, peer, sampler, report = on.client, on.peer, on.sampler, on.report
        # two recordings: each onset is turned into the session's beat on the beat line
        # in force while it was heard (the peer's state holds only the latest line)
        with Recorder(r"^pianola:", channels=1, server_name=server, max_seconds=30) as rec:
            rec.start()
            client.send(cmd.PlayCommand(0))
            report["started"] = wait_for(lambda: client.read_position().playing, 10.0)
            time.sleep(6.0)  # the start waits for the session's bar: then a whole bar more
            position = client.read_position()
            report["pattern_pass"] = position.pattern_pass
            report["pattern_index"] = position.pattern_index
            report["tick_in_pattern"] = position.tick
            # the pattern's place against the session's bar (a few ms of output apart)
            now_beat = peer.captureAppSessionState().beatAtTime(peer.clock().micros(), quantum)
            report["bar_phase"] = (position.tick / 480 - now_beat) % quantum
            report["beats"] = heard_beats(peer, rec.stop, sampler, quantum)
        with Recorder(r"^pianola:", channels=1, server_name=server, max_seconds=30) as rec:
            rec.start()
            clock = peer.clock()
            state = peer.captureAppSessionState()
            report["change_us"] = clock.micros()
            state.setTempo(133.0, report["change_us"])
            peer.commitAppSessionState(state)
            time.sleep(4.0)
            report["change_beat"] = peer.captureAppSessionState().beatAtTime(
                report["change_us"], quantum
            )
            report["tempo_shown_bpm"] = 60e6 / client.read_position().us_per_quarter
            report["beats_after"] = heard_beats(peer, rec.stop, sampler, quantum)
        state = peer.captureAppSessionState()
        state.setIsPlaying(False, peer.clock().micros())
        peer.commitAppSessionState(state)
        report["stopped_by_peer"] = wait_for(lambda: not client.read_position().playing, 5)
        report["events"] = on.events.pump()
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    scene()
