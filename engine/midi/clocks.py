"""From the synth's sample clock to a MIDI port's clock (pure; fed by the engine's
scheduler thread).

The scheduler stamps every event with a synth frame.  A JACK MIDI port needs JACK frame
times, a port of another API a moment on the monotonic clock.  Neither clock can be read
at the same instant as the synth's, so each map is fitted from many pairs read one after
the other, in a way that is immune to the reader being delayed:

- ``JackFrameMap``: the synth (on the same JACK server) and the MIDI helper both step once
  per cycle.  Between two cycles, "helper's cycle start - synth frames rendered" is
  constant (the synth has rendered the cycle that started at that frame): the most common
  difference over a window is the offset, plus one period.
- ``WallClockMap``: "now - synth frames / rate" jumps down when the synth renders a period
  and grows until the next one: its smallest value over the last second is the moment the
  cycle began, since reading late can only make the value larger.

``synth_frame_exact``: FluidSynth's sequencer shows its clock in whole milliseconds while
rendering in 64-frame blocks; at rates up to 64 kHz only one block boundary lies in a
millisecond, so the exact frame count is the next multiple of 64.
"""

from __future__ import annotations

from collections import Counter, deque

BLOCK_FRAMES = 64


def synth_frame_exact(tick: int, sample_rate: int) -> int:
    """The synth's rendered frame count from the sequencer's millisecond-rounded tick."""
    if sample_rate > 1000 * BLOCK_FRAMES:
        return tick  # a millisecond may hold two blocks: the tick is the best there is
    return -(-tick // BLOCK_FRAMES) * BLOCK_FRAMES


class JackFrameMap:
    """Synth frame -> JACK frame time (see module doc)."""

    def __init__(self, window: int = 256):
        self._diffs: deque[int] = deque(maxlen=window)
        self.offset: int | None = None
        self._count = 0

    def sample(self, cycle_frame: int, cycle_frames: int, synth_frame: int) -> None:
        if cycle_frames <= 0:
            return  # the helper has not run a cycle yet
        self._diffs.append(cycle_frame + cycle_frames - synth_frame)
        self._count += 1
        # refit now and then: a steady map must not move with every odd sample
        if self.offset is None or self._count % 32 == 0:
            (self.offset, _), *_ = Counter(self._diffs).most_common(1)

    def jack_frame(self, synth_frame: int) -> int | None:
        return None if self.offset is None else synth_frame + self.offset

    def synth_frame(self, jack_frame: int) -> int | None:
        return None if self.offset is None else jack_frame - self.offset


class WallClockMap:
    """Synth frame -> monotonic nanoseconds (see module doc)."""

    def __init__(self, sample_rate: int, period_frames: int, window_ns: int = 1_000_000_000):
        self.sample_rate = sample_rate
        self.period_frames = period_frames
        self.window_ns = window_ns
        self._values: deque[tuple[int, int]] = deque()  # (now_ns, value), value kept as min
        self.origin_ns: int | None = None  # monotonic time of synth frame 0

    def sample(self, now_ns: int, synth_frame: int) -> None:
        value = now_ns - synth_frame * 1_000_000_000 // self.sample_rate
        values = self._values
        # a monotonic deque of minima: O(1) per sample
        while values and values[-1][1] >= value:
            values.pop()
        values.append((now_ns, value))
        while values[0][0] < now_ns - self.window_ns:
            values.popleft()
        self.origin_ns = values[0][1] + self.period_frames * 1_000_000_000 // self.sample_rate

    def deadline_ns(self, synth_frame: int) -> int | None:
        if self.origin_ns is None:
            return None
        return self.origin_ns + synth_frame * 1_000_000_000 // self.sample_rate

    def synth_frame(self, now_ns: int) -> int | None:
        if self.origin_ns is None:
            return None
        return (now_ns - self.origin_ns) * self.sample_rate // 1_000_000_000
