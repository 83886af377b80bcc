"""The session's transport on the shared clock, and positions in session ticks (pure).

The transport state lives in the document as one value (so two musicians pressing play
at once resolve to one of the two, the same everywhere): ``epoch`` counts transport
changes, ``tick`` is where playback starts and ``at_ns`` when it sounds there, on the
server's wall clock.  Every peer starts its engine so that tick sounds at that moment on
its own clock (its measured offset to the server applied).

Positions of a running transport are *session ticks*: ticks played since the start,
counting every pass of the loop, so they only grow and order edits unambiguously.  A
session tick maps to (pass, tick) of the engine's playback timeline and back.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.playback_timeline import PlaybackTimeline
from engine.core.score import LoopRegion, Score

US_PER_S = 1_000_000


@dataclass(frozen=True, slots=True)
class TransportState:
    """One transport change of the session (see module doc)."""

    epoch: int = 0
    playing: bool = False
    tick: int = 0
    at_ns: int = 0

    def __post_init__(self):
        for name in ("epoch", "tick", "at_ns"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"transport {name} must be a whole number >= 0, not {value!r}")
        if not isinstance(self.playing, bool):
            raise ValueError("transport playing must be true or false")

    def to_doc(self) -> dict:
        return {
            "epoch": self.epoch,
            "playing": self.playing,
            "tick": self.tick,
            "at_ns": self.at_ns,
        }

    @classmethod
    def from_doc(cls, value) -> TransportState | None:
        """The state a document value holds, or None if it is not one."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                int(value["epoch"]),
                value["playing"],
                int(value["tick"]),
                int(value["at_ns"]),
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            return None


class SessionTimeline:
    """Where each session tick of a running transport falls, in microseconds after the
    start and in (pass, tick) of the engine's timeline (same loop, same tempo map)."""

    def __init__(self, score: Score, start_tick: int):
        loop = score.loop if score.loop_enabled else None
        self.score = score
        self.start_tick = start_tick
        # microseconds as "frames": the engine's own exact pass arithmetic, in time
        self.timeline = PlaybackTimeline(score.tempo_map, score.ppq, US_PER_S, 0, start_tick, loop)
        tl = self.timeline
        self.looping = tl.looping
        if tl.loop is not None:
            self.first_pass_ticks = tl.loop.end_tick - start_tick
            self.pass_ticks = tl.loop.length_ticks

    @property
    def _loop(self) -> LoopRegion:
        """The loop played (asked for only while looping)."""
        if self.timeline.loop is None:
            raise ValueError("the session's song does not loop")
        return self.timeline.loop

    def position(self, session_tick: int) -> tuple[int, int]:
        """(pass, tick) of a session tick."""
        if not self.looping or session_tick < self.first_pass_ticks:
            return 0, self.start_tick + session_tick
        rest = session_tick - self.first_pass_ticks
        return 1 + rest // self.pass_ticks, self._loop.start_tick + rest % self.pass_ticks

    def session_tick(self, pass_index: int, tick: int) -> int:
        if pass_index == 0:
            return tick - self.start_tick
        return (
            self.first_pass_ticks
            + (pass_index - 1) * self.pass_ticks
            + tick
            - self._loop.start_tick
        )

    def us_of(self, session_tick: int) -> int:
        """Microseconds after the start at which a session tick sounds."""
        return self.timeline.frame_of(*self.position(session_tick))

    def session_tick_at(self, us: int) -> int:
        """The first session tick sounding at or after ``us`` microseconds."""
        us = max(0, us)
        index = self.timeline.pass_at(us)
        tick = self.timeline.first_tick_from(index, us)
        if self.looping and tick >= self._loop.end_tick:
            return self.session_tick(index + 1, self._loop.start_tick)
        return self.session_tick(index, tick)

    def step_after(self, us: int, step_ticks: int) -> int:
        """The first session tick at or after ``us`` that lies on the step grid (steps
        counted from tick 0 of the song, so every peer rounds to the same place)."""
        session_tick = self.session_tick_at(us)
        pass_index, tick = self.position(session_tick)
        on_grid = -(-tick // step_ticks) * step_ticks
        if self.looping and on_grid >= self._loop.end_tick:
            return self.session_tick(pass_index + 1, self._loop.start_tick)
        return self.session_tick(pass_index, on_grid)
