"""From the synth's sample clock to a MIDI port's clock (pure; fed by the engine's
scheduler thread).

The scheduler stamps every event with a synth frame.  A JACK MIDI port needs JACK frame
times, a port of another API a moment on the monotonic clock.  Neither clock can be read
at the same instant as the synth's, so each map is fitted from many pairs read one after
the other, in a way that is immune to the reader being delayed:

- ``JackClockMap``: the helper says when it was woken for each cycle: "woken at - cycle
  frame / rate" is smallest for the least delayed wake-up, the cycle's real start.  A
  synth frame goes to the monotonic clock (``WallClockMap``), then to a JACK frame.
  (Comparing the two clocks' counters directly is not steady: the synth and the helper
  run in the same cycle in either order, so the difference flips by a period.)
- ``WallClockMap``: "now - synth frames / rate" jumps down when the synth renders a period
  and grows until the next one: its smallest value over the last second is the moment the
  cycle began, since reading late can only make the value larger.

- ``ArrivalClock``: an API that stamps its input on a clock of its own and hands out only
  the time since the previous message (python-rtmidi's delta times) is laid on the
  monotonic clock by the least delayed arrival: "arrived at - API time" is smallest for
  the message read soonest after the API stamped it.

``synth_frame_exact``: FluidSynth's sequencer shows its clock in whole milliseconds while
rendering in 64-frame blocks; at rates up to 64 kHz only one block boundary lies in a
millisecond, so the exact frame count is the next multiple of 64.
"""

from __future__ import annotations

from collections import Counter, deque

BLOCK_FRAMES = 64
# How long a smallest value is kept: long enough that the least delayed cycle in it is
# nearly undelayed (a busy machine delays most), short enough to follow a sound card's
# clock drifting against the monotonic clock.  Both maps keep the same window, so a
# drift moves both alike.
WINDOW_NS = 5_000_000_000
# How long every reading must show the synth's clock fallen behind (a lost cycle) before
# the older, smaller values are dropped (see WallClockMap.sample).
JUMP_WINDOW_NS = 500_000_000


def synth_frame_exact(tick: int, sample_rate: int) -> int:
    """The synth's rendered frame count from the sequencer's millisecond-rounded tick."""
    if sample_rate > 1000 * BLOCK_FRAMES:
        return tick  # a millisecond may hold two blocks: the tick is the best there is
    return -(-tick // BLOCK_FRAMES) * BLOCK_FRAMES


class _RunningMin:
    """The smallest value seen over the last ``window_ns`` (a monotonic deque: O(1))."""

    def __init__(self, window_ns: int):
        self.window_ns = window_ns
        self._values: deque[tuple[int, int]] = deque()  # (now_ns, value)

    def add(self, now_ns: int, value: int) -> int:
        values = self._values
        while values and values[-1][1] >= value:
            values.pop()
        values.append((now_ns, value))
        while values[0][0] < now_ns - self.window_ns:
            values.popleft()
        return values[0][1]


class JackClockMap:
    """Monotonic nanoseconds -> JACK frame time, from the cycles a JACK client was woken
    for: "woken at - cycle start frame / rate" is smallest for the least delayed wake-up,
    which is the moment closest to the cycle's real start."""

    def __init__(self, sample_rate: int, window_ns: int = WINDOW_NS):
        self.sample_rate = sample_rate
        self._min = _RunningMin(window_ns)
        self._last_frame: int | None = None
        self.origin_ns: int | None = None  # the monotonic time of JACK frame 0

    def sample(self, cycle_frame: int, woken_ns: int) -> None:
        if woken_ns <= 0 or cycle_frame == self._last_frame:
            return  # no cycle yet, or one already counted
        self._last_frame = cycle_frame
        value = woken_ns - cycle_frame * 1_000_000_000 // self.sample_rate
        self.origin_ns = self._min.add(woken_ns, value)

    def frame_at(self, now_ns: int) -> int | None:
        if self.origin_ns is None:
            return None
        return (now_ns - self.origin_ns) * self.sample_rate // 1_000_000_000


class JackFrameMap:
    """Synth frame -> JACK frame time from the two counters read one after the other: the
    most common "helper's cycle start + cycle frames - synth frames" over a window.

    Used by the MIDI clock.  Where the synth and the helper run in either order within a
    cycle the difference can flip by a period; ``JackSink`` (engine.midi.router) goes
    through the monotonic clock instead and holds its offset."""

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


class HeldFrameOffset:
    """JACK frame - synth frame, for a synth rendering on the same JACK server as the
    port: read from the two frame counters, held while a majority of the last window's
    readings agree.

    A reading is "helper's latest cycle start + its frames - synth frames rendered".  The
    synth and the helper each run once per cycle, so while both are idle -- nearly all of
    a cycle -- the reading is the offset exactly; read while one of them is running it is
    a period off either way.  A lost synth cycle moves the true offset up by a period:
    once the new value holds two thirds of the window, it is taken.  No monotonic
    clock is involved, so a server whose frames run slow against it (a busy machine's
    dummy backend) moves nothing."""

    def __init__(self, window_ns: int, min_samples: int):
        if window_ns <= 0 or min_samples < 1:
            raise ValueError(
                f"a held offset needs a window and samples, not {window_ns}, {min_samples}"
            )
        self.window_ns = window_ns
        self.min_samples = min_samples
        self.offset: int | None = None
        self._readings: deque[tuple[int, int]] = deque()  # (now_ns, reading)
        self._counts: Counter[int] = Counter()

    def sample(self, now_ns: int, cycle_frame: int, cycle_frames: int, synth_frame: int) -> None:
        if cycle_frames <= 0:
            return  # the helper has not run a cycle yet
        reading = cycle_frame + cycle_frames - synth_frame
        readings, counts = self._readings, self._counts
        readings.append((now_ns, reading))
        counts[reading] += 1
        while readings[0][0] < now_ns - self.window_ns:
            _, old = readings.popleft()
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
        if len(readings) < self.min_samples:
            return
        (value, count), *_ = counts.most_common(1)
        # the first value needs a majority; a new one two thirds, so that readings split
        # evenly between two values (taken just as a client runs) keep what is held
        needed = 1 / 2 if self.offset is None else 2 / 3
        if value != self.offset and count > needed * len(readings):
            self.offset = value


class WallClockMap:
    """Synth frame -> monotonic nanoseconds (see module doc)."""

    def __init__(self, sample_rate: int, period_frames: int, window_ns: int = WINDOW_NS):
        self.sample_rate = sample_rate
        self.period_frames = period_frames
        self.window_ns = window_ns
        self._min = _RunningMin(window_ns)
        self._recent = _RunningMin(min(window_ns, JUMP_WINDOW_NS))
        self.origin_ns: int | None = None  # monotonic time of synth frame 0

    def sample(self, now_ns: int, synth_frame: int) -> None:
        value = now_ns - synth_frame * 1_000_000_000 // self.sample_rate
        lowest = self._min.add(now_ns, value)
        recent = self._recent.add(now_ns, value)
        period_ns = self.period_frames * 1_000_000_000 // self.sample_rate
        if recent - lowest > period_ns // 2:
            # The synth lost a cycle (a period it never rendered): its clock stays behind
            # from then on.  Every reading of the last half second says so, where a busy
            # machine only delays some: start again from them, rather than keep the old
            # smallest value for the whole window.
            self._min = _RunningMin(self.window_ns)
            lowest = self._min.add(now_ns, recent)
        self.origin_ns = lowest + period_ns

    def deadline_ns(self, synth_frame: int) -> int | None:
        if self.origin_ns is None:
            return None
        return self.origin_ns + synth_frame * 1_000_000_000 // self.sample_rate

    def synth_frame(self, now_ns: int) -> int | None:
        if self.origin_ns is None:
            return None
        return (now_ns - self.origin_ns) * self.sample_rate // 1_000_000_000


# The API's clock and the monotonic clock are the kernel's alike (ALSA's queue, JACK's
# microsecond clock): they do not drift apart, so an anchor is kept for long, and a
# musician playing a note now and then still has the best arrival of the last minute.
ARRIVAL_WINDOW_NS = 60_000_000_000


class ArrivalClock:
    """API time (microseconds since the first message, summed from delta times) ->
    monotonic nanoseconds: the API stamped a message no later than it was read, so the
    smallest "read at - API time" over the window is the API clock's origin."""

    def __init__(self, window_ns: int = ARRIVAL_WINDOW_NS):
        if window_ns <= 0:
            raise ValueError(f"an arrival clock needs a window, not {window_ns} ns")
        self._min = _RunningMin(window_ns)
        self.api_us = 0  # the API time of the latest message
        self._first = True

    def stamp(self, delta_s: float, read_ns: int) -> int:
        """The monotonic time the API stamped a message read at ``read_ns`` with
        ``delta_s`` seconds since the one before (the first message's delta counts not)."""
        if self._first:
            self._first = False
        else:
            # each delta is whole microseconds on the API's side: rounding each keeps
            # the sum exact over any number of messages
            self.api_us += max(0, round(delta_s * 1_000_000))
        api_ns = self.api_us * 1000
        return api_ns + self._min.add(read_ns, read_ns - api_ns)
