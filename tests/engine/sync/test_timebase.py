"""Pianola as JACK's timebase master: the bar, beat and tempo of its own song."""

from __future__ import annotations

import time

import jack
import pytest

from engine.core.score import Score
from engine.core.timing import TempoChange, TempoMap, TimeSignature, TimeSignatureMap
from engine.sync.timebase import TimebaseMaster, bbt_at_frame

SR = 48000
PPQ = 480


def song() -> Score:
    """Two bars of 4/4 at 120 BPM, then 3/4 at 60 BPM."""
    bar3 = 2 * 4 * PPQ
    return Score(
        ppq=PPQ,
        tempo_map=TempoMap((TempoChange(0, 500_000), TempoChange(bar3, 1_000_000))),
        time_signatures=TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(bar3, 3, 4))),
    )


def test_bar_beat_tick_and_tempo_of_a_frame_across_meter_and_tempo_changes():
    s = song()
    assert bbt_at_frame(s, 0, SR)["bar"] == 1
    at = bbt_at_frame(s, SR // 2 * 5 + SR // 4, SR)  # beat 6 and an eighth: bar 2, beat 2
    assert (at["bar"], at["beat"], at["tick"]) == (2, 2, PPQ // 2)
    assert at["beats_per_bar"] == 4 and at["beats_per_minute"] == 120.0
    # bar 3 starts at 4 s; at 60 BPM a beat is a second: 5.5 s is bar 3, beat 2, half
    later = bbt_at_frame(s, int(5.5 * SR), SR)
    assert (later["bar"], later["beat"], later["tick"]) == (3, 2, PPQ // 2)
    assert later["beats_per_bar"] == 3 and later["beat_type"] == 4
    assert later["beats_per_minute"] == 60.0 and later["ticks_per_beat"] == PPQ
    assert later["bar_start_tick"] == 2 * 4 * PPQ


@pytest.mark.audio
def test_other_clients_read_pianolas_bars_and_beats(jack_server):
    master = TimebaseMaster(jack_server).start(song())
    try:
        with jack.Client("pianola-test-timebase", servername=jack_server) as reader:
            reader.transport_stop()
            reader.transport_frame = int(5.5 * SR)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                _state, pos = reader.transport_query()
                if pos.get("bar") == 3:
                    break
                time.sleep(0.02)
            assert (pos["bar"], pos["beat"], pos["tick"]) == (3, 2, PPQ // 2), pos
            assert pos["beats_per_minute"] == 60.0 and pos["beats_per_bar"] == 3
            master.update(Score(ppq=PPQ, tempo_map=TempoMap.constant(90.0)))
            reader.transport_frame = 0
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                _state, pos = reader.transport_query()
                if pos.get("beats_per_minute", 0) > 89.9 and pos.get("bar") == 1:
                    break
                time.sleep(0.02)
            assert pos["beats_per_minute"] == pytest.approx(90.0) and pos["bar"] == 1
    finally:
        master.close()


@pytest.mark.audio
def test_the_engine_process_leads_the_transport_with_its_song(jack_server):
    """The engine runs as a daemonic process, which may not have multiprocessing children:
    its timebase helper must start anyway, and other clients read the song's bars."""
    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
    from engine.core.protocol import events as evt
    from engine.realtime.client import EngineClient

    client = EngineClient(AudioSettings(driver="jack", jack_server=jack_server, reverb=False))
    client.start()
    try:
        client.wait_ready(60)
        client.send(cmd.LoadScoreCommand(song()))
        client.send(cmd.SetSyncCommand("jack-lead"))
        messages: list[str] = []
        with jack.Client("pianola-test-lead", servername=jack_server) as reader:
            reader.transport_stop()
            reader.transport_frame = int(5.5 * SR)
            deadline = time.monotonic() + 60
            pos: dict = {}
            while time.monotonic() < deadline and pos.get("bar") != 3:
                messages += [
                    e.message
                    for e in client.poll_events()
                    if isinstance(e, (evt.SyncEvent, evt.ErrorEvent))
                ]
                _state, pos = reader.transport_query()
                time.sleep(0.05)
        assert (pos.get("bar"), pos.get("beat"), pos.get("tick")) == (3, 2, PPQ // 2), (
            pos,
            messages,
        )
        assert not any("could not" in m for m in messages), messages
    finally:
        client.close()
