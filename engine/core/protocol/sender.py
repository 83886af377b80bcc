"""One-line methods for the commands the GUI sends most (pure: the GUI process uses them).

``CommandSender`` works over any ``send(command)``: the engine client's and the window's
engine link's.
"""

from __future__ import annotations

from engine.core.protocol import commands as cmd


class CommandSender:
    """One-line methods for the commands the GUI sends most, for any class with a
    ``send(command)`` (the engine client, which always sends, and the GUI's engine link,
    which drops commands while there is no engine)."""

    __slots__ = ()

    def send(self, command) -> None:  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    def load_score(self, score) -> None:
        self.send(cmd.LoadScoreCommand(score))

    def replace_score(self, score) -> None:
        self.send(cmd.ReplaceScoreCommand(score))

    def play(self, tick: int | None = None, count_in_bars: int = 0, record: bool = False) -> None:
        self.send(cmd.PlayCommand(tick, count_in_bars, record))

    def stop(self) -> None:
        self.send(cmd.StopCommand())

    def locate(self, tick: int) -> None:
        self.send(cmd.LocateCommand(tick))

    def set_loop(self, enabled: bool, start_tick: int, end_tick: int) -> None:
        self.send(cmd.SetLoopCommand(enabled, start_tick, end_tick))

    def set_tempo(self, bpm: float, at_next_bar: bool = False) -> None:
        self.send(cmd.SetTempoCommand(bpm, at_next_bar))

    def set_meter(self, numerator: int, denominator: int, at_next_bar: bool = True) -> None:
        self.send(cmd.SetMeterCommand(numerator, denominator, at_next_bar))

    def set_play_mode(self, mode: str, pattern_id: str | None = None, track: int = 0) -> None:
        self.send(cmd.SetPlayModeCommand(mode, pattern_id, track))

    def queue_pattern(self, pattern_id: str) -> None:
        self.send(cmd.QueuePatternCommand(pattern_id))

    def set_fill(self, on: bool) -> None:
        self.send(cmd.SetFillCommand(on))

    def preview_on(self, track_index: int, pitch: int, velocity: int = 100) -> None:
        self.send(cmd.PreviewNoteOnCommand(track_index, pitch, velocity))

    def preview_off(self, track_index: int, pitch: int) -> None:
        self.send(cmd.PreviewNoteOffCommand(track_index, pitch))

    def set_track_mix(self, track_index: int, **fields) -> None:
        self.send(cmd.SetTrackMixCommand(track_index, **fields))

    def panic(self) -> None:
        self.send(cmd.PanicCommand())
