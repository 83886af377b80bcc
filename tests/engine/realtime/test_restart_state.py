"""What a restarted engine is sent again (pure: ``RestartState`` over plain commands)."""

from __future__ import annotations

from engine.core.protocol import commands as cmd
from engine.core.score import Score, Track
from engine.realtime.position import Position
from engine.realtime.restart_state import RestartState


def _song() -> Score:
    return Score(tracks=(Track(name="Piano"), Track(name="Bass")))


def test_a_new_score_drops_the_loop_tempo_and_mix_sent_before_it():
    state = RestartState()
    state.remember(cmd.SetLoopCommand(True, 0, 1920))
    state.remember(cmd.SetTempoCommand(90.0))
    state.remember(cmd.SetTrackMixCommand(1, volume=64))
    song = _song()
    state.remember(cmd.ReplaceScoreCommand(song))

    assert state.commands_for(Position()) == [cmd.LoadScoreCommand(song)]


def test_a_new_engine_gets_the_source_first_and_the_transport_last():
    state = RestartState()
    song = _song()
    sync = cmd.SetSyncCommand("link", 4.0)
    state.remember(cmd.LoadScoreCommand(song))
    state.remember(cmd.SetTrackMixCommand(1, volume=64))
    state.remember(cmd.SetTrackMixCommand(0, program=5))
    state.remember(cmd.SetTrackMixCommand(1, pan=20))  # merged with the volume sent
    state.remember(cmd.SetLoopCommand(True, 0, 1920))
    state.remember(sync)

    assert state.commands_for(Position(tick=480, playing=True)) == [
        sync,
        cmd.LoadScoreCommand(song),
        cmd.SetLoopCommand(True, 0, 1920),
        cmd.SetTrackMixCommand(0, program=5),
        cmd.SetTrackMixCommand(1, volume=64, pan=20),
        cmd.PlayCommand(480),
    ]
    stopped_there = state.commands_for(Position(tick=480))
    assert stopped_there[-1] == cmd.LocateCommand(480)


def test_a_queued_pattern_is_the_one_a_new_engine_starts_in_pattern_mode():
    state = RestartState()
    state.remember(cmd.SetPlayModeCommand("pattern", "a", 1))
    state.remember(cmd.QueuePatternCommand("b"))

    assert state.commands_for(Position()) == [cmd.SetPlayModeCommand("pattern", "b", 1)]


def test_with_no_song_sent_there_is_no_transport_to_restore():
    state = RestartState()
    state.remember(cmd.PlayCommand(0))  # not kept: the position says where it was

    assert state.commands_for(Position(tick=960, playing=True)) == []
