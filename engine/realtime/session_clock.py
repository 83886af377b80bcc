"""Where a live session's shared start falls on the synth's clock (engine main thread;
the clock is read on a small thread of its own, never JACK's).

A session says "tick T sounds at host time t" (the monotonic clock); the engine must
start the synth at the frame heard at t.  One read of the synth's clock next to the
host clock is not enough for that: FluidSynth's clock moves in whole periods under JACK
(a reading taken anywhere in a 5 ms cycle says the same) and in millisecond steps.  So,
as the Link follower does, the mapping is fitted over many cycles: under JACK through
JACK's own cycle times (``engine.sync.jack_clock.HeardClock``: the frame heard at a host
time, the output latency included), elsewhere through a line through (host time, synth
frame) readings.

The start frame is then put on FluidSynth's block grid (where its sequencer applies
events anyway): engines on one JACK server count their blocks on the same cycles, so two
peers whose estimates of the shared moment differ by a few frames start on the very same
block and play sample for sample together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.realtime.session_align import SessionAligner

SAMPLE_PERIOD_S = 0.004  # one reading per scheduler period: every JACK cycle or so
CHECK_EVERY = 12  # readings between two checks that the music is on the shared clock
READY_WAIT_S = 1.0  # how long a start may wait for the first readings


class SessionClock:
    """Host monotonic time -> the synth frame heard then (module doc).  ``open`` starts
    reading (the engine opens it on a session's first command, long before a start);
    ``frame_heard_at`` waits for the first readings only if there are none yet (at most
    ``READY_WAIT_S``: the engine's commands wait meanwhile); ``wait_ready`` waits for
    them no longer than a start allows."""

    def __init__(self, backend, jack_server: str | None, uses_jack: bool):
        self.backend = backend
        self.jack_server = jack_server
        self.uses_jack = uses_jack
        self.block_frames = int(getattr(backend, "block_frames", 64))
        self._clock: Any = None  # HeardClock (JACK) or SynthHostClock
        self._closers: list = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        # keeps a started session on the shared clock (``SessionAligner``); set by the
        # engine under JACK, where a dropped cycle moves the clock a period
        self.aligner: SessionAligner | None = None
        self.on_check: Callable[[], None] | None = None  # after each check: a report

    @property
    def is_open(self) -> bool:
        return self._thread is not None

    def open(self) -> SessionClock:
        from engine.sync.synth_clock import SynthHostClock

        if self.uses_jack:
            from engine.sync.jack_clock import HeardClock, JackClock

            jack = JackClock(self.jack_server, client_name="pianola-session").open()
            self._closers.append(jack.close)
            # no port names: the latency of the machine's outputs, the same for every
            # engine on the server (ours are found by their client's name, which JACK
            # may have changed to make it unique)
            self._clock = HeardClock(jack, self.block_frames, ())
        else:
            self._clock = SynthHostClock(self.backend.sample_rate)
        self._thread = threading.Thread(target=self._run, name="pianola-session-clock")
        self._thread.daemon = True
        self._thread.start()
        return self

    def _run(self) -> None:
        deadline = time.monotonic()
        readings = 0
        while not self._stop.is_set():
            with self._lock:
                self._clock.update(self.backend.now_frame())
                if self._clock.usable:
                    self._ready.set()
            readings += 1
            if self.aligner is not None and readings % CHECK_EVERY == 0:
                self.aligner.check()  # outside the clock's lock: it reads the clock
            if self.on_check is not None and readings % CHECK_EVERY == 0:
                self.on_check()
            deadline += SAMPLE_PERIOD_S
            self._stop.wait(max(0.0, deadline - time.monotonic()))

    def wait_ready(self, until_ns: int) -> bool:
        """Wait for the first readings (a clock just opened: about 32 audio periods) at
        most ``READY_WAIT_S`` and never past ``until_ns`` on the monotonic clock; whether
        they came.  A start must not be missed waiting for a better reading of it."""
        if self._clock is None:
            return False
        left_s = min(READY_WAIT_S, (until_ns - time.monotonic_ns()) / 1e9)
        return self._ready.wait(max(0.0, left_s))

    def frame_heard_at(self, monotonic_ns: int) -> int | None:
        """The synth frame (on the block grid) heard at ``monotonic_ns``; None when the
        clock could not be read in time (the caller falls back to one reading)."""
        if self._clock is None or not self._ready.wait(READY_WAIT_S):
            return None
        host_us = _raw_us_of(monotonic_ns)
        with self._lock:
            frame = self._clock.synth_frame_heard_at(host_us)
        block = self.block_frames
        return round(frame / block) * block

    def frame_at(self, monotonic_ns: int) -> float | None:
        """The synth frame heard at ``monotonic_ns`` (off the block grid); None until the
        clock has enough readings (never waits)."""
        if self._clock is None or not self._ready.is_set():
            return None
        host_us = _raw_us_of(monotonic_ns)
        with self._lock:
            return self._clock.synth_frame_heard_at(host_us)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
        for close in reversed(self._closers):
            close()
        self._closers.clear()


def _raw_us_of(monotonic_ns: int) -> float:
    """A time on the monotonic clock in microseconds of CLOCK_MONOTONIC_RAW (the clock
    JACK and the sync fits use), from the tightest of a few side-by-side reads."""
    best_width, best_offset = None, 0
    for _ in range(5):
        before = time.monotonic_ns()
        raw = time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW)
        after = time.monotonic_ns()
        if best_width is None or after - before < best_width:
            best_width, best_offset = after - before, raw - (before + after) // 2
    return (monotonic_ns + best_offset) / 1000
