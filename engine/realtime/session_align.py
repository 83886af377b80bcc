"""Keeps a live session's engine on the shared clock after its start (the session
clock's own thread; ``start`` from the engine's command thread).

A session's start is placed on the synth's clock once (``SessionClock.frame_heard_at``);
from there the scheduler counts synth frames.  Two things move those frames off the
shared clock while the music plays: a JACK server that drops a cycle (an xrun on a busy
machine) moves JACK's frame count, and so the moment a synth frame is heard, a period
on, while the synth's own count stays; and a sound card's clock runs a little apart
from the host clock.  Left alone, the engine would stay that far off every other peer
until it started again.

So, as the Link follower does for Link, every check the aligner takes the frame one
look-ahead from now, the host time the session means the music there to be heard at
(the start's frame and host time, on at the nominal sample rate since the session's
timeline is in host time, less what re-timings have moved the music since), and the
frame the clock says is heard then.  More than ``max_error_frames`` apart, the scheduler
is re-timed by the difference in whole synth blocks (so engines on one JACK server,
which see the same dropped cycle, stay on the same block): what is already applied
stays, the rest moves, late notes sound at once.

While a Link session keeps the beat (``stands_aside``), the aligner leaves the music to
it and forgets the start: the Link follower re-times onto Link's timeline, which every
Link peer shares.  When Link is turned off the session's owner starts the engine again
on the session's beat, and the aligner follows that start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

LATE_LIMIT_S = 0.1  # re-timed notes up to this late still sound (at once); later are skipped


class SessionAligner:
    """See module doc.  ``scheduler`` is an ``engine.realtime.scheduler.Scheduler``;
    ``frame_at(host_ns)`` the synth frame heard at a monotonic time (None while the clock
    cannot say); ``generation()`` the transport's generation (a jump ends the start the
    aligner follows)."""

    def __init__(
        self,
        scheduler,
        frame_at: Callable[[int], float | None],
        generation: Callable[[], int],
        *,
        block_frames: int = 64,
        max_error_frames: int | None = None,
        stands_aside: Callable[[], bool] = lambda: False,
    ):
        self.scheduler = scheduler
        self.frame_at = frame_at
        # True while another clock keeps the music on the beat (a Link session): two
        # re-timers would move the music against each other
        self.stands_aside = stands_aside
        self.generation = generation
        self.block_frames = max(1, int(block_frames))
        # past a whole block: the start's own rounding to the block grid is never "off"
        self.max_error_frames = (
            self.block_frames if max_error_frames is None else int(max_error_frames)
        )
        self.sample_rate = scheduler.backend.sample_rate
        self.lock = threading.Lock()  # held around a start and around each check
        # (frame, host ns, the scheduler's retimed frames then, transport generation)
        self._ref: tuple[int, int, int, int] | None = None
        self.shifts: list[int] = []  # each correction's shift (positive: moved later)
        # told each correction's shift in frames (on the clock's thread, lock held)
        self.on_corrected: Callable[[int], None] | None = None

    @property
    def corrections(self) -> int:
        return len(self.shifts)

    def start(self, at_frame: int, at_ns: int) -> None:
        """The session's start: synth frame ``at_frame`` is heard at ``at_ns`` (call with
        ``lock`` held, after the scheduler started and the transport's jump is over)."""
        self._ref = (int(at_frame), int(at_ns), self.scheduler.retimed_frames, self.generation())

    def error_frames(self) -> float | None:
        """Where the clock has the moment the session means for the music one look-ahead
        from now, minus where the music is (negative: the music is late); None when not
        following or the clock cannot say."""
        ref = self._ref
        if ref is None:
            return None
        ref_frame, ref_ns, retimed, _ = ref
        frame = self.scheduler.backend.now_frame() + self.scheduler.lookahead_frames
        # the music at ``frame`` was at ``frame - moved`` on the start's own timeline
        moved = self.scheduler.retimed_frames - retimed
        host_ns = ref_ns + (frame - moved - ref_frame) * 1_000_000_000 // self.sample_rate
        heard = self.frame_at(host_ns)
        return None if heard is None else heard - frame

    def check(self) -> None:
        """Re-time the scheduler onto the shared clock if it strayed (module doc)."""
        with self.lock:
            ref = self._ref
            if ref is None:
                return
            if self.stands_aside():
                # this start is no longer where the music is: that clock moved it
                self._ref = None
                return
            if ref[3] != self.generation() or self.scheduler.timeline() is None:
                self._ref = None  # stopped, located or started again: not this start's
                return
            error = self.error_frames()
            if error is None or abs(error) <= self.max_error_frames:
                return
            shift = round(error / self.block_frames) * self.block_frames
            if shift == 0:
                return
            late = max(self.scheduler.lookahead_frames, round(LATE_LIMIT_S * self.sample_rate))
            moved = self.scheduler.retime(
                self.scheduler.score, lambda old_frame: old_frame + shift, late_frames=late
            )
            if moved is None:
                self._ref = None
                return
            self.shifts.append(moved[1] - moved[0])
            if self.on_corrected is not None:
                self.on_corrected(moved[1] - moved[0])
