"""What a restarted engine is sent again, kept from the commands sent to the old one
(GUI thread: the engine client's ``send`` and ``restart``; plain values, no I/O).

The client never asks the engine for its state: ``RestartState.remember`` keeps the
song, loop, tempo, mix, play mode, fill, sync source and MIDI clock output as each
command goes out, and ``commands_for`` lists what a new engine needs to carry on where
the old one was, in the order it needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.core.protocol import commands as cmd
from engine.core.score import Score
from engine.realtime.position import Position


@dataclass(slots=True, eq=False)
class RestartState:
    """The latest of each command a new engine must be sent again (see module doc)."""

    score: Score | None = None
    loop: cmd.SetLoopCommand | None = None
    tempo: cmd.SetTempoCommand | None = None
    mix: dict[int, dict] = field(default_factory=dict)  # track -> its mix fields sent
    play_mode: cmd.SetPlayModeCommand | None = None
    fill: cmd.SetFillCommand | None = None
    sync: cmd.SetSyncCommand | None = None
    clock_out: cmd.SetMidiClockOutCommand | None = None

    def remember(self, c) -> None:
        """Keep what ``c`` changes of what a new engine must be told."""
        if isinstance(c, (cmd.LoadScoreCommand, cmd.ReplaceScoreCommand)):
            # The engine takes a new score whole -- its tempo, loop and mix included --
            # so the loop, tempo and mix commands sent before it no longer apply.
            self.score, self.mix, self.tempo, self.loop = c.score, {}, None, None
        elif isinstance(c, cmd.SetLoopCommand):
            self.loop = c
        elif isinstance(c, cmd.SetTempoCommand):
            self.tempo = c
        elif isinstance(c, cmd.SetTrackMixCommand):
            self.mix.setdefault(c.track_index, {}).update(c.fields())
        elif isinstance(c, cmd.SetPlayModeCommand):
            self.play_mode = c
        elif isinstance(c, cmd.QueuePatternCommand) and self.play_mode is not None:
            # after a restart the engine starts with the pattern last asked for
            if self.play_mode.mode == "pattern":
                self.play_mode = cmd.SetPlayModeCommand(
                    "pattern", c.pattern_id, self.play_mode.track
                )
        elif isinstance(c, cmd.SetFillCommand):
            self.fill = c
        elif isinstance(c, cmd.SetSyncCommand):
            self.sync = c
        elif isinstance(c, cmd.SetMidiClockOutCommand):
            self.clock_out = c

    def commands_for(self, position: Position) -> list:
        """What a new engine is sent to carry on from ``position``, the old one's."""
        commands: list = []
        if self.sync is not None:  # first: the song is then played at the source's tempo
            commands.append(self.sync)
        if self.clock_out is not None:
            commands.append(self.clock_out)
        if self.score is not None:
            commands.append(cmd.LoadScoreCommand(self.score))
        if self.tempo is not None:
            commands.append(self.tempo)
        if self.loop is not None:
            commands.append(self.loop)
        for command in (self.play_mode, self.fill):
            if command is not None:
                commands.append(command)
        for index, fields in sorted(self.mix.items()):
            commands.append(cmd.SetTrackMixCommand(index, **fields))
        if self.score is not None:
            if position.playing:
                commands.append(cmd.PlayCommand(position.tick))
            elif position.tick:
                commands.append(cmd.LocateCommand(position.tick))
        return commands
