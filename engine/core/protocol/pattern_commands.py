"""Pattern mode's commands: the mode that plays, the pattern queued next, the fill (pure).

Both processes import it; every command here is also in
``engine.core.protocol.commands.COMMAND_TYPES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.checks import check_bool, check_int, check_str

PLAY_MODES = ("song", "pattern")


@dataclass(frozen=True, slots=True)
class SetPlayModeCommand:
    """Song mode (the arrangement of placements plus the free notes) or pattern mode (the
    pattern ``pattern_id`` looped on track ``track``).  ``track`` is also the track whose
    pattern the position counter reports in song mode.  Changing mode while playing
    starts the new mode from its beginning; switching patterns seamlessly is
    ``QueuePatternCommand``."""

    mode: str = "song"
    pattern_id: str | None = None
    track: int = 0

    def __post_init__(self) -> None:
        if self.mode not in PLAY_MODES:
            raise ValueError(f"play mode must be song or pattern, not {self.mode!r}")
        if self.pattern_id is not None:
            check_str("pattern id", self.pattern_id)
        if self.mode == "pattern" and self.pattern_id is None:
            raise ValueError("pattern mode needs the pattern to play")
        check_int("play mode track", self.track, 0, 1023)


@dataclass(frozen=True, slots=True)
class QueuePatternCommand:
    """Pattern mode: play ``pattern_id`` from the end of the pass now playing (the first
    pass boundary not yet heard), with no gap; stopped, it becomes the pattern to play."""

    pattern_id: str

    def __post_init__(self) -> None:
        check_str("pattern id", self.pattern_id)


@dataclass(frozen=True, slots=True)
class SetFillCommand:
    """The fill switch: steps with a fill / not-fill condition follow it from the first
    step not yet heard."""

    on: bool

    def __post_init__(self) -> None:
        check_bool("fill", self.on)
