"""Host time <-> audio frames, fitted over many audio cycles (pure).

Link speaks in host time (the monotonic clock in microseconds); the synth speaks in
audio frames.  Each audio cycle gives one (frame, host time) pair, and any single pair is
noisy: the time a cycle is stamped with jitters with the scheduling of the audio thread.
So, as Link's own host-time filter does, the mapping is a least-squares line through the
last few hundred pairs: its slope is the audio clock's real rate against the host's (a
sound card's crystal is never exactly 48 kHz) and its intercept averages the jitter away.

The pairs are held for a span of time (``window_us``), not a count: a count of cycles
spans sixteen times longer at a 1024-frame period than at 64, and a clock that does not
keep one rate (a dummy server that loses time when the machine is busy) then leaves the
line behind the present by as much more.  For the same reason a pair is called a jump by
its distance in time, not in periods.

The sums are taken about the window's first pair, so the squares stay small enough for
doubles to keep microsecond precision however long the machine has been up.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

DEFAULT_WINDOW_PAIRS = 512  # at most: about 2.7 s of 256-frame cycles at 48 kHz
SLOPE_TOLERANCE = 0.05  # a fitted rate further than this from nominal is not one clock


@dataclass(frozen=True, slots=True)
class FrameTimeLine:
    """``frame = origin_frame + frames_per_us * (host_us - origin_us)``."""

    origin_us: int
    origin_frame: float
    frames_per_us: float

    def __post_init__(self):
        if not self.frames_per_us > 0:
            raise ValueError(f"frames_per_us must be positive, not {self.frames_per_us!r}")

    def frame_at(self, host_us: float) -> float:
        return self.origin_frame + self.frames_per_us * (host_us - self.origin_us)

    def host_us_at(self, frame: float) -> float:
        return self.origin_us + (frame - self.origin_frame) / self.frames_per_us


class FrameTimeFit:
    """The least-squares line through the last ``window`` (host_us, frame) pairs.

    ``nominal_rate_hz`` is the slope used until enough pairs have come in to fit one
    (and whenever the pairs span too little time to tell a slope).  A pair more than
    ``jump_frames`` off the line is left out as jitter; ``JUMP_PAIRS`` of them in a row,
    all off the same way, start the fit afresh from them: the audio clock jumped (a server
    that dropped cycles moves its frame count on without them), and a line through both
    sides of a jump would be wrong on both for a whole window.
    """

    JUMP_PAIRS = 4

    def __init__(
        self,
        nominal_rate_hz: int,
        window: int = DEFAULT_WINDOW_PAIRS,
        jump_frames: float | None = None,
        window_us: int | None = None,
    ):
        if nominal_rate_hz < 1:
            raise ValueError(f"nominal_rate_hz must be at least 1, not {nominal_rate_hz}")
        if window < 2:
            raise ValueError(f"window must be at least 2 pairs, not {window}")
        if window_us is not None and window_us < 1:
            raise ValueError(f"window_us must be at least 1, not {window_us}")
        self.nominal_frames_per_us = nominal_rate_hz / 1_000_000
        self.jump_frames = jump_frames
        self.window_us = window_us
        self.jumps = 0
        self._outliers: list[tuple[float, tuple[int, int]]] = []  # (offset, pair)
        self._pairs: deque[tuple[int, int]] = deque(maxlen=window)
        self._line: FrameTimeLine | None = None

    def __len__(self) -> int:
        return len(self._pairs)

    @property
    def span_us(self) -> int:
        """Host time between the first and the last pair held."""
        return self._pairs[-1][0] - self._pairs[0][0] if self._pairs else 0

    def clear(self) -> None:
        """Forget every pair (the audio clock jumped: a restart or a lost server)."""
        self._pairs.clear()
        self._line = None

    def add(self, host_us: int, frame: int) -> None:
        """One cycle's pair; a repeat of the last frame (the same cycle read twice) is ignored."""
        if self._pairs and self._pairs[-1][1] == frame:
            return
        if self.jump_frames is not None and len(self._pairs) >= 8:
            off = frame - self.line.frame_at(host_us)
            if abs(off) > self.jump_frames:
                if self._outliers and (off > 0) != (self._outliers[-1][0] > 0):
                    self._outliers.clear()
                self._outliers.append((off, (int(host_us), int(frame))))
                if len(self._outliers) < self.JUMP_PAIRS:
                    return
                self._pairs.clear()
                self._pairs.extend(pair for _, pair in self._outliers[:-1])
                self.jumps += 1
            self._outliers.clear()
        self._pairs.append((int(host_us), int(frame)))
        if self.window_us is not None:
            while self._pairs[-1][0] - self._pairs[0][0] > self.window_us:
                self._pairs.popleft()
        self._line = None

    @property
    def line(self) -> FrameTimeLine:
        """The fitted line (recomputed only after new pairs came in)."""
        if self._line is None:
            self._line = self._fit()
        return self._line

    def _fit(self) -> FrameTimeLine:
        if not self._pairs:
            raise ValueError("no (host time, frame) pair has been added yet")
        t0, f0 = self._pairs[0]
        n = len(self._pairs)
        xs = [t - t0 for t, _ in self._pairs]
        ys = [f - f0 for _, f in self._pairs]
        mean_x = sum(xs) / n
        mean_y = sum(ys) / n
        sxx = sum((x - mean_x) ** 2 for x in xs)
        slope = self.nominal_frames_per_us
        if n >= 8 and sxx > 0:
            sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
            fitted = sxy / sxx
            # a slope far from nominal means the pairs are not one steady clock (yet)
            if abs(fitted / slope - 1.0) < SLOPE_TOLERANCE:
                slope = fitted
        return FrameTimeLine(
            t0 + round(mean_x), f0 + mean_y - slope * (mean_x - round(mean_x)), slope
        )

    @property
    def rate_ratio(self) -> float:
        """The audio clock's rate against its nominal rate (1.0001: 100 ppm fast)."""
        return self.line.frames_per_us / self.nominal_frames_per_us

    def frame_at(self, host_us: float) -> float:
        return self.line.frame_at(host_us)

    def host_us_at(self, frame: float) -> float:
        return self.line.host_us_at(frame)


def unwrap_frame(frame32: int, last: int | None) -> int:
    """JACK's 32-bit frame counter made monotonic: the value nearest ``last`` with these
    low 32 bits (it wraps after 24.9 hours at 48 kHz)."""
    if last is None:
        return frame32
    base = last - (last % 2**32)
    candidate = base + frame32
    if candidate < last - 2**31:
        candidate += 2**32
    elif candidate > last + 2**31:
        candidate -= 2**32
    return candidate
