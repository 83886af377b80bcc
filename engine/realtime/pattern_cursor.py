"""What the position counter shows of song and pattern mode (engine scheduler thread).

In pattern mode the scheduler plays a played score whose ticks count on from the first
pass; the counter shows the place *in the pattern* instead (0 <= tick < the length of the
pass sounding) with that pass's number as the loop count, so the window's cursor wraps at
each pass as it does over a song's loop region.  Stopped, it shows where in the pattern
the next play starts.  In both modes it carries the pattern, pass and step the step grid
lights.  A step lasts many wake-ups of the scheduler thread, so the pass and step are
found again only when the tick leaves the step last found.
"""

from __future__ import annotations

from engine.core.pattern import step_fraction
from engine.core.pattern_play import LoopPlan, song_pattern_position
from engine.core.score import Score
from engine.realtime.position import Position

NONE = (-1, 0, -1)  # (pattern index, pass, step) when no pattern plays


class PatternCursor:
    """The position as shown (see module doc); one per pattern player, used by the
    scheduler thread only."""

    def __init__(self):
        self._grid_cache: tuple = (None, {})
        # (plan, doc, step start, step end, pass start, (index, pass, step)) last found
        self._shown: tuple = (None, None, 0, 0, 0, NONE)

    def published(
        self,
        state: Position,
        mode: str,
        doc: Score,
        plan: LoopPlan | None,
        track: int,
        stopped_tick: int,
    ) -> Position:
        """``state`` (the scheduler's) as the counter shows it.  ``stopped_tick``: where
        in the pattern pattern mode starts when it plays next."""
        if mode == "song":
            index, pass_index, step = self.pattern_position(
                state.tick, state.playing, mode, doc, plan, track
            )
            return Position(
                state.generation,
                state.frame,
                state.tick,
                state.us_per_quarter,
                state.playing,
                state.loop_count,
                index,
                pass_index,
                step,
            )
        if not state.playing or plan is None:
            return Position(state.generation, state.frame, stopped_tick, state.us_per_quarter)
        shown = self._step_at(state.tick, doc, plan)
        start, (index, pass_index, step) = shown[4], shown[5]
        return Position(
            state.generation,
            state.frame,
            state.tick - start,
            state.us_per_quarter,
            True,
            pass_index,
            index,
            pass_index,
            step,
        )

    def pattern_position(
        self, tick: int, playing: bool, mode: str, doc: Score, plan: LoopPlan | None, track: int
    ) -> tuple[int, int, int]:
        """(pattern index, pass, step) at the scheduler's ``tick``; NONE when none plays."""
        if not playing:
            return NONE
        if mode == "pattern":
            return NONE if plan is None else self._step_at(tick, doc, plan)[5]
        return song_pattern_position(doc, track, tick)

    def _step_at(self, tick: int, doc: Score, plan: LoopPlan) -> tuple:
        shown = self._shown
        if shown[0] is plan and shown[1] is doc and shown[2] <= tick < shown[3]:
            return shown
        slot = plan.pass_at(tick)
        start = slot.start_tick
        grid = self._grids(doc).get(slot.pattern_id)
        if grid is None:
            shown = (None, None, 0, 0, start, (-1, slot.pass_index, -1))
        else:
            index, num, den, length = grid
            step = min((tick - start) * den // num, length - 1)
            # the step's ticks by the same rule: from ceil(step * num / den) on
            lo = start + -(-(step * num) // den)
            hi = slot.end_tick if step == length - 1 else start + -(-((step + 1) * num) // den)
            shown = (plan, doc, lo, min(hi, slot.end_tick), start, (index, slot.pass_index, step))
        self._shown = shown
        return shown

    def _grids(self, doc: Score) -> dict:
        """Pattern id -> (index, step as num/den ticks, length) of ``doc``, made once per doc."""
        cached = self._grid_cache
        if cached[0] is doc:
            return cached[1]
        grids = {}
        for index, pattern in enumerate(doc.patterns):
            step = step_fraction(pattern.step_size, doc.ppq)
            grids[pattern.id] = (index, step.numerator, step.denominator, pattern.length_steps)
        self._grid_cache = (doc, grids)  # one tuple: replaced whole
        return grids
