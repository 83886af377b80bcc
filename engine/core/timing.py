"""Musical time: ticks, tempo map, time signatures and their conversions (pure).

Score time is integer ticks at a fixed PPQ.  Tempo is stored as MIDI stores it, integer
microseconds per quarter note, so a tempo map survives a MIDI round trip exactly.
Conversions keep exact integer arithmetic up to the final rounding, so converting a late
tick never accumulates the error of the segments before it (no drift).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from engine.core.checks import check_score_int
from engine.core.errors import ScoreError

DEFAULT_PPQ = 480
DEFAULT_US_PER_QUARTER = 500_000  # 120 BPM
MIN_BPM = 10.0
MAX_BPM = 999.0
_US_PER_MINUTE = 60_000_000
_US_PER_S = 1_000_000


def bpm_to_us_per_quarter(bpm: float) -> int:
    """Tempo in beats per minute -> integer microseconds per quarter note."""
    if not (MIN_BPM <= bpm <= MAX_BPM):
        raise ScoreError(f"tempo must be from {MIN_BPM:g} to {MAX_BPM:g} BPM, not {bpm:g}")
    return round(_US_PER_MINUTE / bpm)


def us_per_quarter_to_bpm(us_per_quarter: int) -> float:
    return _US_PER_MINUTE / us_per_quarter


_MIN_US = bpm_to_us_per_quarter(MAX_BPM)
_MAX_US = bpm_to_us_per_quarter(MIN_BPM)


@dataclass(frozen=True, slots=True)
class TempoChange:
    """From ``tick`` on, a quarter note lasts ``us_per_quarter`` microseconds."""

    tick: int
    us_per_quarter: int

    def __post_init__(self) -> None:
        check_score_int("tempo change tick", self.tick, 0)
        check_score_int("microseconds per quarter note", self.us_per_quarter, _MIN_US, _MAX_US)

    @property
    def bpm(self) -> float:
        return us_per_quarter_to_bpm(self.us_per_quarter)


def _sorted_from_tick_0(
    items, kind: type, map_name: str, one: str, many: str, kind_name: str
) -> tuple:
    """``items`` (all of ``kind``) sorted by tick, the first at tick 0, no two at one tick:
    the rule of the tempo map and the time-signature map."""
    items = tuple(items)
    if not items:
        raise ScoreError(f"a {map_name} needs at least one {one}")
    if not all(isinstance(item, kind) for item in items):
        raise ScoreError(f"a {map_name} holds {kind_name} only")
    items = tuple(sorted(items, key=lambda item: item.tick))
    if items[0].tick != 0:
        raise ScoreError(f"the first {one} must start at tick 0")
    for a, b in zip(items, items[1:]):
        if a.tick == b.tick:
            raise ScoreError(f"two {many} start at tick {a.tick}")
    return items


@dataclass(frozen=True, slots=True)
class TempoMap:
    """Tempo changes sorted by tick; the first is always at tick 0.

    Internally each change carries its start time in "quarter-microseconds"
    (ticks x us_per_quarter, an exact integer); seconds are that divided by PPQ x 1e6.
    """

    changes: tuple[TempoChange, ...] = (TempoChange(0, DEFAULT_US_PER_QUARTER),)
    _ticks: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _acc: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        changes = _sorted_from_tick_0(
            self.changes, TempoChange, "tempo map", "tempo", "tempos", "tempo changes"
        )
        acc = [0]
        for a, b in zip(changes, changes[1:]):
            acc.append(acc[-1] + (b.tick - a.tick) * a.us_per_quarter)
        object.__setattr__(self, "changes", changes)
        object.__setattr__(self, "_ticks", tuple(c.tick for c in changes))
        object.__setattr__(self, "_acc", tuple(acc))

    @classmethod
    def constant(cls, bpm: float = 120.0) -> TempoMap:
        return cls((TempoChange(0, bpm_to_us_per_quarter(bpm)),))

    def change_at(self, tick: int) -> TempoChange:
        """The tempo in force at ``tick``."""
        return self.changes[max(0, bisect.bisect_right(self._ticks, tick) - 1)]

    def bpm_at(self, tick: int) -> float:
        return self.change_at(tick).bpm

    def _quarter_us_at(self, tick: int) -> int:
        i = max(0, bisect.bisect_right(self._ticks, tick) - 1)
        return self._acc[i] + (tick - self._ticks[i]) * self.changes[i].us_per_quarter

    def tick_to_seconds(self, tick: int, ppq: int) -> float:
        return self._quarter_us_at(tick) / (ppq * _US_PER_S)

    def tick_to_frame(self, tick: int, ppq: int, sample_rate: int) -> int:
        """The audio frame (from tick 0) at which ``tick`` sounds, rounded to nearest."""
        num = self._quarter_us_at(tick) * sample_rate
        den = ppq * _US_PER_S
        return (2 * num + den) // (2 * den)

    def seconds_to_tick(self, seconds: float, ppq: int) -> int:
        """The tick sounding at ``seconds`` (rounded down)."""
        return self.quarter_us_to_tick(round(seconds * ppq * _US_PER_S))

    def frame_to_tick(self, frame: int, ppq: int, sample_rate: int) -> int:
        """The tick sounding at audio ``frame`` (rounded down)."""
        return self.quarter_us_to_tick(frame * ppq * _US_PER_S // sample_rate)

    def quarter_us_to_tick(self, q: int) -> int:
        i = max(0, bisect.bisect_right(self._acc, q) - 1)
        return self._ticks[i] + (q - self._acc[i]) // self.changes[i].us_per_quarter

    def with_change(self, tick: int, us_per_quarter: int) -> TempoMap:
        """A map with the tempo at ``tick`` set (replacing one already there)."""
        kept = [c for c in self.changes if c.tick != tick]
        return TempoMap(tuple(kept) + (TempoChange(tick, us_per_quarter),))

    def without_change(self, tick: int) -> TempoMap:
        if tick == 0:
            raise ScoreError("the tempo at tick 0 cannot be removed")
        return TempoMap(tuple(c for c in self.changes if c.tick != tick))


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """From ``tick`` on, bars have ``numerator`` beats of a 1/``denominator`` note."""

    tick: int
    numerator: int = 4
    denominator: int = 4

    def __post_init__(self) -> None:
        check_score_int("time signature tick", self.tick, 0)
        check_score_int("time signature numerator", self.numerator, 1, 64)
        check_score_int("time signature denominator", self.denominator, 1, 64)
        if self.denominator & (self.denominator - 1):
            raise ScoreError(
                f"time signature denominator must be a power of two, not {self.denominator}"
            )

    def beat_ticks(self, ppq: int) -> int:
        return ppq * 4 // self.denominator

    def bar_ticks(self, ppq: int) -> int:
        return self.beat_ticks(ppq) * self.numerator


@dataclass(frozen=True, slots=True)
class BarBeat:
    """A position as a musician reads it: bar and beat count from 1."""

    bar: int
    beat: int
    tick_in_beat: int

    def __str__(self) -> str:
        return f"{self.bar}.{self.beat}.{self.tick_in_beat:03d}"


@dataclass(frozen=True, slots=True)
class TimeSignatureMap:
    """Time signatures sorted by tick; the first is at tick 0."""

    signatures: tuple[TimeSignature, ...] = (TimeSignature(0, 4, 4),)

    def __post_init__(self) -> None:
        sigs = _sorted_from_tick_0(
            self.signatures,
            TimeSignature,
            "time-signature map",
            "time signature",
            "time signatures",
            "time signatures",
        )
        object.__setattr__(self, "signatures", sigs)

    def at(self, tick: int) -> TimeSignature:
        ticks = [s.tick for s in self.signatures]
        return self.signatures[max(0, bisect.bisect_right(ticks, tick) - 1)]

    def _bar_starts(self, ppq: int):
        """Yield (first bar number, start tick, signature) of each signature's region.

        A signature that does not start on a bar line of the previous one starts a new
        bar where it is (as MIDI files in the wild do).
        """
        bar = 1
        for i, sig in enumerate(self.signatures):
            yield bar, sig.tick, sig
            if i + 1 < len(self.signatures):
                span = self.signatures[i + 1].tick - sig.tick
                bar += -(-span // sig.bar_ticks(ppq))

    def tick_to_bar_beat(self, tick: int, ppq: int) -> BarBeat:
        first_bar, start, sig = 1, 0, self.signatures[0]
        for b, t, s in self._bar_starts(ppq):
            if t > tick:
                break
            first_bar, start, sig = b, t, s
        offset = tick - start
        bar_ticks, beat_ticks = sig.bar_ticks(ppq), sig.beat_ticks(ppq)
        bar = first_bar + offset // bar_ticks
        in_bar = offset % bar_ticks
        return BarBeat(bar, in_bar // beat_ticks + 1, in_bar % beat_ticks)

    def bar_to_tick(self, bar: int, ppq: int) -> int:
        """The first tick of ``bar`` (bars count from 1)."""
        first_bar, start, sig = 1, 0, self.signatures[0]
        for b, t, s in self._bar_starts(ppq):
            if b > bar:
                break
            first_bar, start, sig = b, t, s
        return start + (bar - first_bar) * sig.bar_ticks(ppq)

    def bar_lines(self, start_tick: int, end_tick: int, ppq: int):
        """Yield (tick, bar number) of every bar line in [start_tick, end_tick)."""
        bar = self.tick_to_bar_beat(max(0, start_tick), ppq).bar
        tick = self.bar_to_tick(bar, ppq)
        while tick < end_tick:
            if tick >= start_tick:
                yield tick, bar
            bar += 1
            tick = self.bar_to_tick(bar, ppq)

    def with_signature(self, sig: TimeSignature) -> TimeSignatureMap:
        kept = tuple(s for s in self.signatures if s.tick != sig.tick)
        return TimeSignatureMap(kept + (sig,))

    def without_signature(self, tick: int) -> TimeSignatureMap:
        if tick == 0:
            raise ScoreError("the time signature at tick 0 cannot be removed")
        return TimeSignatureMap(tuple(s for s in self.signatures if s.tick != tick))
