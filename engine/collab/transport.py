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


class _Stretch:
    """Part of a running transport with one tempo map and loop: from session tick ``u0``
    (``us0`` microseconds after the start, tick ``tick0`` of pass ``pass0``, passes
    counted from the start) until the next stretch."""

    def __init__(self, score: Score, u0: int, us0: int, pass0: int, tick0: int):
        loop = score.loop if score.loop_enabled else None
        self.score = score  # its tempo and loop hold over the whole stretch
        self.u0, self.us0, self.pass0, self.tick0 = u0, us0, pass0, tick0
        # microseconds as "frames": the engine's own exact pass arithmetic, in time
        self.timeline = PlaybackTimeline(score.tempo_map, score.ppq, US_PER_S, 0, tick0, loop)
        tl = self.timeline
        self.looping = tl.looping
        if tl.loop is not None:
            self.first_pass_ticks = tl.loop.end_tick - tick0
            self.pass_ticks = tl.loop.length_ticks

    @property
    def loop(self) -> LoopRegion:
        """The loop played (asked for only while looping)."""
        if self.timeline.loop is None:
            raise ValueError("the session's song does not loop")
        return self.timeline.loop

    def position(self, u: int) -> tuple[int, int]:
        """(pass within this stretch, tick) of session tick ``u``."""
        v = u - self.u0
        if not self.looping or v < self.first_pass_ticks:
            return 0, self.tick0 + v
        rest = v - self.first_pass_ticks
        return 1 + rest // self.pass_ticks, self.loop.start_tick + rest % self.pass_ticks

    def session_tick(self, index: int, tick: int) -> int:
        if index == 0:
            return self.u0 + tick - self.tick0
        return (
            self.u0
            + self.first_pass_ticks
            + (index - 1) * self.pass_ticks
            + tick
            - self.loop.start_tick
        )

    def session_tick_at(self, us: int) -> int:
        us = max(0, us - self.us0)
        index = self.timeline.pass_at(us)
        tick = self.timeline.first_tick_from(index, us)
        if self.looping and tick >= self.loop.end_tick:
            return self.session_tick(index + 1, self.loop.start_tick)
        return self.session_tick(index, tick)


class SessionTimeline:
    """Where each session tick of a running transport falls, in microseconds after the
    start and in (pass, tick) of the engine's timeline (same loops, same tempo maps;
    passes counted from the start).  A tempo or loop edit stamped while playing starts a
    new stretch at its stamp (``changed_at``): every engine re-anchors there."""

    def __init__(self, score: Score, start_tick: int, *, _stretches=None):
        self.score = score
        self.start_tick = start_tick
        self._stretches: list[_Stretch] = _stretches or [_Stretch(score, 0, 0, 0, start_tick)]
        self.looping = any(s.looping for s in self._stretches)

    @classmethod
    def from_anchor(cls, score: Score, u0: int, us0: int, pass0: int, tick0: int):
        """A timeline known from a place on (a peer that joins after a tempo change)."""
        return cls(score, tick0, _stretches=[_Stretch(score, u0, us0, pass0, tick0)])

    def changed_at(self, session_tick: int, score: Score) -> SessionTimeline:
        """This timeline with ``score``'s tempo and loop from ``session_tick`` on (a place
        past the new loop's end goes on from the loop's start, as the engine does)."""
        pass_index, tick = self.position(session_tick)
        if score.loop_enabled and score.loop is not None and tick >= score.loop.end_tick:
            pass_index, tick = pass_index + 1, score.loop.start_tick  # as the engine wraps
        kept = [s for s in self._stretches if s.u0 < session_tick] or self._stretches[:1]
        stretch = _Stretch(score, session_tick, self.us_of(session_tick), pass_index, tick)
        return SessionTimeline(score, self.start_tick, _stretches=[*kept, stretch])

    def changes(self) -> list[tuple[int, int, float, tuple[int, int] | None]]:
        """Each tempo or loop change taken while playing, or placed from when joining:
        (session tick, microseconds after the start, the tempo there in BPM, the loop
        played from there or None)."""
        return [
            (
                s.u0,
                s.us0,
                s.timeline.tempo_map.bpm_at(s.tick0),
                (s.loop.start_tick, s.loop.end_tick) if s.looping else None,
            )
            for s in self._stretches
            if s.u0 > 0
        ]

    def anchor(self, session_tick: int) -> dict:
        """Where ``session_tick`` is, for a peer that joins later (see ``from_anchor``)."""
        pass_index, tick = self.position(session_tick)
        return {"u": session_tick, "us": self.us_of(session_tick), "pass": pass_index, "tick": tick}

    def change_ticks(self) -> list[int]:
        """The session tick each stretch begins at: the start, or the place this timeline
        was known from, then each change."""
        return [s.u0 for s in self._stretches]

    def score_at(self, session_tick: int) -> Score:
        """The score whose tempo and loop play at ``session_tick``."""
        return self._at_u(session_tick).score

    def _at_u(self, u: int) -> _Stretch:
        found = self._stretches[0]
        for stretch in self._stretches[1:]:
            if stretch.u0 > u:
                break
            found = stretch
        return found

    def position(self, session_tick: int) -> tuple[int, int]:
        """(pass, tick) of a session tick."""
        stretch = self._at_u(session_tick)
        index, tick = stretch.position(session_tick)
        return stretch.pass0 + index, tick

    def take_over_place(self, session_tick: int) -> tuple[int, int]:
        """(pass, tick) to give the engine for a take-over at ``session_tick``: where the
        timeline before a change has it when a change starts there (the engine wraps a
        place past the new loop's end itself, as ``changed_at`` does)."""
        for before, stretch in zip(self._stretches, self._stretches[1:]):
            if stretch.u0 == session_tick:
                index, tick = before.position(session_tick)
                return before.pass0 + index, tick
        return self.position(session_tick)

    def session_tick(self, pass_index: int, tick: int) -> int:
        found = self._stretches[0]
        for stretch in self._stretches[1:]:
            if (stretch.pass0, stretch.tick0) > (pass_index, tick):
                break
            found = stretch
        return found.session_tick(pass_index - found.pass0, tick)

    def us_of(self, session_tick: int) -> int:
        """Microseconds after the start at which a session tick sounds."""
        stretch = self._at_u(session_tick)
        index, tick = stretch.position(session_tick)
        return stretch.us0 + stretch.timeline.frame_of(index, tick)

    def session_tick_at(self, us: int) -> int:
        """The first session tick sounding at or after ``us`` microseconds."""
        found = self._stretches[0]
        for stretch in self._stretches[1:]:
            if stretch.us0 > us:
                break
            found = stretch
        return found.session_tick_at(us)

    def step_after(self, us: int, step_ticks: int) -> int:
        """The first session tick at or after ``us`` that lies on the step grid (steps
        counted from tick 0 of the song, so every peer rounds to the same place)."""
        session_tick = self.session_tick_at(us)
        stretch = self._at_u(session_tick)
        index, tick = stretch.position(session_tick)
        on_grid = -(-tick // step_ticks) * step_ticks
        if stretch.looping and on_grid >= stretch.loop.end_tick:
            return stretch.session_tick(index + 1, stretch.loop.start_tick)
        return stretch.session_tick(index, on_grid)
