"""Synth frames <-> host time without JACK (engine process: the scheduler thread under
Link, the session clock's own thread in a shared session)."""

from __future__ import annotations

from engine.sync.host_clock import FrameTimeFit


class SynthHostClock:
    """Synth frames <-> host time without JACK (another audio driver): a least-squares
    line through (host time, synth clock) readings.  The output latency is not known
    there, so the beat is placed as rendered, not as heard."""

    def __init__(self, sample_rate: int):
        from engine.sync.jack_clock import host_us_now

        self._now = host_us_now
        self.fit = FrameTimeFit(sample_rate)

    def update(self, synth_now: int) -> None:
        self.fit.add(self._now(), synth_now)

    @property
    def usable(self) -> bool:
        return len(self.fit) >= 32

    @property
    def ready(self) -> bool:
        return self.usable and self.fit.span_us >= 1e6

    @property
    def rate_ratio(self) -> float:
        return self.fit.rate_ratio

    def synth_frame_heard_at(self, host_us: float) -> float:
        return self.fit.frame_at(host_us)

    def host_us_heard_at(self, frame: float) -> float:
        return self.fit.host_us_at(frame)
