"""A recording take: MIDI messages played while the transport ran, made into notes and
controller events, and laid into a track (pure).

Each message comes placed by the engine at (loop pass, tick).  A note-on waits for the
note-off of its key; a note held over the loop's end ends there (the next pass starts
again at the loop start).  Input quantize moves each note's start to the nearest grid
line and keeps its length, the way a musician plays ahead or behind and still wants the
note on the beat.  Laying a take in: "overdub" adds it to what the track holds;
"replace" first clears the track's notes and controller events from where the take
started to where it stopped (on the first pass: later passes of a loop add to it, as a
musician looping a phrase expects).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.core.controllers import (
    CONTROL,
    PITCH_BEND,
    PITCH_BEND_MIN,
    PROGRAM,
    ControlEvent,
    sorted_events,
)
from engine.core.errors import ScoreError
from engine.core.note import MAX_TICK, Note
from engine.core.score import LoopRegion, Score

MODES = ("overdub", "replace")
NOTE_OFF, NOTE_ON, CONTROL_CHANGE, PROGRAM_CHANGE, PITCH_WHEEL = 0x80, 0x90, 0xB0, 0xC0, 0xE0


@dataclass(frozen=True, slots=True)
class TakeSettings:
    """How a take is laid in: ``mode`` overdub or replace, ``quantize_ticks`` the input
    quantize grid (0: as played)."""

    mode: str = "overdub"
    quantize_ticks: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ScoreError(f"a take is laid in as overdub or replace, not {self.mode!r}")
        if isinstance(self.quantize_ticks, bool) or not isinstance(self.quantize_ticks, int):
            raise ScoreError(f"the input quantize grid must be ticks, not {self.quantize_ticks!r}")
        if not 0 <= self.quantize_ticks <= MAX_TICK:
            raise ScoreError(f"the input quantize grid cannot be {self.quantize_ticks} ticks")


class Take:
    """The notes and controller events of one take so far (see module doc)."""

    def __init__(self, start_tick: int, loop: LoopRegion | None, settings: TakeSettings):
        self.start_tick = start_tick
        self.loop = loop
        self.settings = settings
        self.notes: list[Note] = []
        self.controllers: list[ControlEvent] = []
        self._held: dict[int, tuple[int, int, int]] = {}  # key -> (pass, tick, velocity)
        self.last: tuple[int, int] = (0, start_tick)  # (pass, tick) of the latest message

    @property
    def empty(self) -> bool:
        return not (self.notes or self.controllers or self._held)

    @property
    def held(self) -> int:
        return len(self._held)

    def add(self, data: bytes, tick: int, pass_index: int) -> bool:
        """Take one message; True when the take's notes or events changed."""
        if not data:
            return False
        self.last = max(self.last, (pass_index, tick))
        status, kind = data[0], data[0] & 0xF0
        if kind == NOTE_ON and len(data) == 3 and data[2] > 0:
            self._end(data[1], pass_index, tick)  # a key struck again ends its last note
            self._held[data[1]] = (pass_index, tick, data[2])
            return False
        if kind in (NOTE_OFF, NOTE_ON) and len(data) == 3:
            return self._end(data[1], pass_index, tick)
        event = _control_event(status, data, self._quantized(tick))
        if event is None:
            return False
        self.controllers.append(event)
        return True

    def finish(self, tick: int, pass_index: int) -> None:
        """The transport stopped at (``pass_index``, ``tick``): notes still held end there."""
        for key in list(self._held):
            self._end(key, pass_index, tick)

    def _end(self, key: int, pass_index: int, tick: int) -> bool:
        held = self._held.pop(key, None)
        if held is None:
            return False
        on_pass, on_tick, velocity = held
        end = tick
        if pass_index != on_pass and self.loop is not None:
            end = self.loop.end_tick  # held over the loop's end: it ends there
        start = self._quantized(on_tick)
        if self.loop is not None and on_tick < self.loop.end_tick <= start:
            start = on_tick  # quantized onto the loop's end: it stays where it was played
        length = max(1, end - on_tick)
        length = min(length, MAX_TICK - start)
        self.notes.append(Note(start, length, key, velocity))
        return True

    def _quantized(self, tick: int) -> int:
        grid = self.settings.quantize_ticks
        if grid <= 0:
            return tick
        return min(MAX_TICK - 1, (tick + grid // 2) // grid * grid)

    def replaced_range(self, stop_tick: int, stop_pass: int) -> tuple[int, int]:
        """[start, end) of the track a "replace" take clears: its first pass."""
        if self.loop is not None and stop_pass > 0:
            return self.start_tick, self.loop.end_tick
        return self.start_tick, max(self.start_tick, stop_tick)


def _control_event(status: int, data: bytes, tick: int) -> ControlEvent | None:
    kind = status & 0xF0
    if kind == CONTROL_CHANGE and len(data) == 3 and data[1] < 120:  # not channel mode
        return ControlEvent(tick, CONTROL, data[1], data[2])
    if kind == PITCH_WHEEL and len(data) == 3:
        return ControlEvent(tick, PITCH_BEND, 0, (data[1] | data[2] << 7) + PITCH_BEND_MIN)
    if kind == PROGRAM_CHANGE and len(data) >= 2:
        return ControlEvent(tick, PROGRAM, 0, data[1])
    return None


def lay_in(
    score: Score,
    track_index: int,
    take: Take,
    cleared: tuple[int, int] | None = None,
) -> Score:
    """``score`` with the take's notes and events in track ``track_index``; ``cleared``
    [start, end): the track's notes starting and events placed there go first (replace)."""
    if not 0 <= track_index < len(score.tracks):
        raise ScoreError(f"there is no track {track_index + 1} to record into")
    track = score.tracks[track_index]
    notes, events = list(track.notes), list(track.controllers)
    if cleared is not None:
        lo, hi = cleared
        notes = [n for n in notes if not lo <= n.start_tick < hi]
        events = [e for e in events if not lo <= e.tick < hi]
    notes += take.notes
    events += take.controllers
    if not take.notes and not take.controllers and cleared is None:
        return score
    new = track.with_notes(notes)
    if events != list(track.controllers):
        new = replace(new, controllers=sorted_events(events))
    tracks = list(score.tracks)
    tracks[track_index] = new
    return replace(score, tracks=tuple(tracks))
