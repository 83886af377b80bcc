"""Where each tick of a playing score falls on the audio clock, loops included (pure).

A ``PlaybackTimeline`` is fixed when playback starts (or re-anchors after a tempo or loop
change): tick ``anchor_tick`` sounds at frame ``anchor_frame``.  Playback runs in *passes*:
pass 0 from the anchor to the loop end (or for ever when not looping), then passes 1, 2,
... over the loop region.  Every frame is computed from the anchor with the tempo map's
exact integer conversion, so the thousandth pass is exactly as long as the first: nothing
accumulates, and nothing here sleeps or reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.score import LoopRegion
from engine.core.timing import TempoMap


@dataclass(frozen=True, slots=True)
class Segment:
    """The part of pass ``index`` whose frames fall in a window: ticks [start_tick, end_tick).

    ``clip_tick`` is where the pass itself ends (notes are cut there so nothing hangs over
    the loop point), or None for the open-ended last pass.
    """

    index: int
    start_tick: int
    end_tick: int
    clip_tick: int | None


class PlaybackTimeline:
    """Maps (pass, tick) <-> audio frame for one stretch of playback (see module doc)."""

    def __init__(
        self,
        tempo_map: TempoMap,
        ppq: int,
        sample_rate: int,
        anchor_frame: int,
        anchor_tick: int,
        loop: LoopRegion | None = None,
        first_pass: int = 0,
    ):
        self.tempo_map = tempo_map
        self.ppq = ppq
        self.sample_rate = sample_rate
        self.anchor_frame = anchor_frame
        self.anchor_tick = anchor_tick
        self.first_pass = first_pass  # loop count already played before this anchor
        # (pass, frame, tick) of the last first_tick_from: the scheduler's windows are
        # contiguous, so each window starts where the one before ended
        self._last_first_tick = (-1, -1, -1)  # (index, frame, tick): no pass is -1
        self._anchor_abs = self.abs_frame(anchor_tick)
        self.loop = None
        if loop is not None and anchor_tick < loop.end_tick:
            pass_frames = self.abs_frame(loop.end_tick) - self.abs_frame(loop.start_tick)
            if pass_frames > 0:  # a loop shorter than one frame cannot be played
                self.loop = loop
                self.pass_frames = pass_frames
                self._loop_start_abs = self.abs_frame(loop.start_tick)
                self.first_end_frame = (
                    anchor_frame + self.abs_frame(loop.end_tick) - self._anchor_abs
                )

    def abs_frame(self, tick: int) -> int:
        """Frame of ``tick`` counted from tick 0 of the score at this tempo map."""
        return self.tempo_map.tick_to_frame(tick, self.ppq, self.sample_rate)

    @property
    def looping(self) -> bool:
        return self.loop is not None

    def pass_start(self, index: int) -> tuple[int, int]:
        """(first tick, its frame) of pass ``index`` (0 = the pass starting at the anchor)."""
        if index == 0 or self.loop is None:  # only a loop has passes after the first
            return self.anchor_tick, self.anchor_frame
        return self.loop.start_tick, self.first_end_frame + (index - 1) * self.pass_frames

    def pass_end_tick(self, index: int) -> int | None:
        return self.loop.end_tick if self.loop is not None else None

    def pass_end_frame(self, index: int) -> int | None:
        if self.loop is None:
            return None
        return self.first_end_frame + index * self.pass_frames

    def _pass_start_abs(self, index: int) -> int:
        """abs_frame of the first tick of pass ``index`` (fixed: kept, not recomputed)."""
        return self._anchor_abs if index == 0 else self._loop_start_abs

    def frame_of(self, index: int, tick: int) -> int:
        """The frame at which ``tick`` sounds in pass ``index``."""
        _, start_frame = self.pass_start(index)
        return start_frame + self.abs_frame(tick) - self._pass_start_abs(index)

    def pass_at(self, frame: int) -> int:
        if self.loop is None or frame < self.first_end_frame:
            return 0
        return 1 + (frame - self.first_end_frame) // self.pass_frames

    def tick_at(self, frame: int) -> int:
        """The tick sounding at ``frame`` (the anchor tick before the anchor)."""
        index = self.pass_at(frame)
        start_tick, start_frame = self.pass_start(index)
        if frame <= start_frame:
            return start_tick
        absolute = self._pass_start_abs(index) + frame - start_frame
        tick = self.tempo_map.frame_to_tick(absolute, self.ppq, self.sample_rate)
        end = self.pass_end_tick(index)
        return tick if end is None else min(tick, end - 1)

    def loop_count_at(self, frame: int) -> int:
        return self.first_pass + self.pass_at(frame)

    def first_tick_from(self, index: int, frame: int) -> int:
        """The first tick of pass ``index`` whose frame is at or after ``frame``."""
        last_index, last_frame, last_tick = self._last_first_tick
        if last_frame == frame and last_index == index:
            return last_tick
        start_tick, start_frame = self.pass_start(index)
        if frame <= start_frame:
            return start_tick
        target = self._pass_start_abs(index) + frame - start_frame
        tick = self.tempo_map.frame_to_tick(target, self.ppq, self.sample_rate)
        # frame_to_tick floors while tick_to_frame rounds: settle on the exact boundary
        while self.abs_frame(tick) < target:
            tick += 1
        while tick > start_tick and self.abs_frame(tick - 1) >= target:
            tick -= 1
        tick = max(tick, start_tick)
        self._last_first_tick = (index, frame, tick)  # one tuple: replaced whole
        return tick

    def segments(self, start_frame: int, end_frame: int):
        """Yield the Segment of every pass with ticks sounding in frames [start_frame, end_frame)."""
        if end_frame <= start_frame:
            return
        index = self.pass_at(start_frame)
        while True:
            _, pass_frame = self.pass_start(index)
            if pass_frame >= end_frame:
                return
            clip = self.pass_end_tick(index)
            lo = self.first_tick_from(index, start_frame)
            pass_end = self.pass_end_frame(index)
            if pass_end is not None and pass_end <= end_frame and clip is not None:
                hi = clip  # (a pass with an end frame is a loop pass: it has a clip)
            else:
                hi = self.first_tick_from(index, end_frame)
            if clip is not None:
                lo, hi = min(lo, clip), min(hi, clip)
            if hi > lo:
                yield Segment(index, lo, hi, clip)
            if pass_end is None or pass_end >= end_frame:
                return
            index += 1

    def reanchored(
        self, frame: int, tempo_map: TempoMap, ppq: int, loop: LoopRegion | None
    ) -> PlaybackTimeline:
        """A timeline for a new tempo map / loop that agrees with this one up to ``frame``.

        The new anchor is the first tick not yet sounding at ``frame``, at the frame this
        timeline gives it, so what has played stays put and the change starts at a tick.
        """
        index = self.pass_at(frame)
        tick = self.first_tick_from(index, frame)
        end = self.pass_end_tick(index)
        if end is not None and self.loop is not None and tick >= end:
            index += 1  # the pass is over: start the next one
            tick = self.loop.start_tick
        return PlaybackTimeline(
            tempo_map,
            ppq,
            self.sample_rate,
            self.frame_of(index, tick),
            tick,
            loop,
            self.first_pass + index,
        )
