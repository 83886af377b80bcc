"""Recording while Pianola follows Link with a peer of the test's own (run by
``netns.run_isolated`` inside a private network namespace; prints one JSON line)."""

from __future__ import annotations

import json
import os
import sys

from tests.engine.sync.link_scene import EngineEvents, let_the_peer_lead, new_peer, wait_for

QUANTUM = 4.0
BAR = 1920  # ticks of a 4/4 bar at 480 per quarter


def run_on() -> dict:
    """A take started under Link plays on past the song's end (two beats long) until
    stopped; a plain play after it stops at the end again."""
    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
    from engine.realtime.client import EngineClient
    from tests.engine.sync.sync_kit import clicks

    server = os.environ["JACK_DEFAULT_SERVER"]
    peer = new_peer()
    report: dict = {}
    client = EngineClient(AudioSettings(driver="jack", jack_server=server, reverb=False))
    client.start()
    try:
        client.wait_ready(30)
        events = EngineEvents(client)
        client.send(cmd.LoadScoreCommand(clicks(2)))
        let_the_peer_lead(peer)
        client.send(cmd.SetSyncCommand("link", QUANTUM))
        report["saw_peer"] = events.wait_for("Link: 1 peer.")
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
        report["events"] = events.pump()
    finally:
        client.close()
        peer.enabled = False
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    {"run_on": run_on}[sys.argv[1]](*sys.argv[2:])
