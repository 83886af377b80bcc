"""Patterns: steps, lanes, patterns and their placements in a song (pure, immutable, validated).

A pattern is a grid of lanes x steps.  Each lane plays one key on the track the pattern is
placed on (a drum sound on a drum track, a pitch on a melodic one) and has its own length
in steps, so lanes of different lengths run against each other (polymeter).  A step holds
everything a step sequencer lets a musician set per step: on/off, velocity, length,
micro-offset, probability, ratchet and a play condition.

Patterns become notes in ``engine.core.pattern_expand`` (the one function every view and
output uses); this module only holds the values and their limits.

Timing of the grid: a step lasts ``4 * ppq / d`` ticks for a step size of 1/d, two thirds
of that for the triplet sizes.  Where that is not a whole number of ticks (a PPQ not
divisible by 12), step *n* starts at the floor of ``n`` times the exact length, so the
steps never drift from the bar lines.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from fractions import Fraction

from engine.core.checks import PITCH, VELOCITY, check_score_int
from engine.core.errors import ScoreError

MAX_STEPS = 64
MAX_RATCHET = 8
MAX_REPEATS = 9999
MIN_SWING, MAX_SWING = 50, 75
STEP_SIZES = ("1/4", "1/8", "1/16", "1/32", "1/4t", "1/8t", "1/16t", "1/32t")
# Step sizes whose pairs of steps swing; the triplet sizes already are a swung feel and
# a quarter-note pair is a beat pair, not a subdivision, so those play straight.
SWUNG_STEP_SIZES = frozenset(("1/8", "1/16", "1/32"))
CONDITION_KINDS = ("always", "first", "not_first", "ab", "fill", "not_fill")
MAX_CONDITION_B = 16
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise ScoreError(f"{name} must be true or false, not {value!r}")


def _check_id(name: str, value) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ScoreError(f"{name} must be 1 to 64 letters, digits, '-' or '_', not {value!r}")


def _check_text(name: str, value, max_len: int = 200) -> None:
    if not isinstance(value, str):
        raise ScoreError(f"{name} must be text, not {value!r}")
    if len(value) > max_len:
        raise ScoreError(f"{name} must be at most {max_len} characters long")


def new_id(prefix: str = "") -> str:
    """A fresh id for a pattern, lane or placement (random: unique in practice)."""
    return prefix + secrets.token_hex(6)


def check_step_size(step_size) -> None:
    if step_size not in STEP_SIZES:
        raise ScoreError(f"step size must be one of {', '.join(STEP_SIZES)}, not {step_size!r}")


def step_fraction(step_size: str, ppq: int) -> Fraction:
    """The exact length of one step in ticks (a fraction when PPQ does not divide evenly)."""
    check_step_size(step_size)
    triplet = step_size.endswith("t")
    denominator = int(step_size[2:].rstrip("t"))
    ticks = Fraction(4 * ppq, denominator)
    return ticks * Fraction(2, 3) if triplet else ticks


def step_ticks(step_size: str, ppq: int) -> int:
    """Length of one step in whole ticks ("1/16" at 480 PPQ -> 120, "1/16t" -> 80).

    Exact whenever PPQ is divisible by 24 (480, 960, 96...); otherwise rounded down, and
    positions use ``step_start_tick`` so they stay on the grid.
    """
    return int(step_fraction(step_size, ppq))


def step_start_tick(index: int, step_size: str, ppq: int) -> int:
    """Tick of the start of step ``index`` from the start of a pass (no swing)."""
    return int(index * step_fraction(step_size, ppq))


@dataclass(frozen=True, slots=True)
class Condition:
    """When a step plays, given the pass (from 0) and whether the fill switch is on.

    ``ab`` plays on pass ``a`` of every ``b`` (1:2 on passes 0, 2, 4...; 2:4 on passes
    1, 5, 9...), counted as a musician counts, from 1.
    """

    kind: str = "always"
    a: int = 1
    b: int = 1

    def __post_init__(self) -> None:
        if self.kind not in CONDITION_KINDS:
            raise ScoreError(
                f"step condition must be one of {', '.join(CONDITION_KINDS)}, not {self.kind!r}"
            )
        check_score_int("condition B", self.b, 1, MAX_CONDITION_B)
        check_score_int("condition A", self.a, 1, self.b)
        if self.kind != "ab" and (self.a, self.b) != (1, 1):
            raise ScoreError(f"only an A:B condition has A and B, not {self.kind!r}")

    def plays(self, pass_index: int, fill: bool) -> bool:
        kind = self.kind
        if kind == "always":
            return True
        if kind == "first":
            return pass_index == 0
        if kind == "not_first":
            return pass_index != 0
        if kind == "ab":
            return pass_index % self.b == self.a - 1
        if kind == "fill":
            return fill
        return not fill  # "not_fill"

    def label(self) -> str:
        if self.kind == "ab":
            return f"{self.a}:{self.b}"
        return {
            "always": "Always",
            "first": "First",
            "not_first": "!First",
            "fill": "Fill",
            "not_fill": "!Fill",
        }[self.kind]


ALWAYS = Condition()


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a lane: whether it plays and how."""

    on: bool = False
    velocity: int = 100  # accent = a high velocity
    length_steps: int = 1  # ties across the following steps
    offset_pct: int = 0  # nudge, in percent of a step (-50 early .. 50 late)
    probability: int = 100  # percent
    ratchet: int = 1  # repeats inside the step
    condition: Condition = ALWAYS

    def __post_init__(self) -> None:
        _check_bool("step on", self.on)
        check_score_int("step velocity", self.velocity, *VELOCITY)
        check_score_int("step length in steps", self.length_steps, 1, MAX_STEPS)
        check_score_int("step offset in percent", self.offset_pct, -50, 50)
        check_score_int("step probability in percent", self.probability, 0, 100)
        check_score_int("step ratchet", self.ratchet, 1, MAX_RATCHET)
        if not isinstance(self.condition, Condition):
            raise ScoreError(f"step condition must be a Condition, not {self.condition!r}")


OFF = Step()


@dataclass(frozen=True, slots=True)
class Lane:
    """One row of a pattern: one key, its steps (its own length), mute and solo."""

    id: str
    key: int
    steps: tuple[Step, ...] = (OFF,) * 16
    name: str = ""  # "" -> shown as the GM drum name or the note name of the key
    mute: bool = False
    solo: bool = False

    def __post_init__(self) -> None:
        _check_id("lane id", self.id)
        check_score_int("lane key", self.key, *PITCH)
        steps = tuple(self.steps)
        if not 1 <= len(steps) <= MAX_STEPS:
            raise ScoreError(f"a lane has 1 to {MAX_STEPS} steps, not {len(steps)}")
        if not all(isinstance(s, Step) for s in steps):
            raise ScoreError("a lane holds steps only")
        object.__setattr__(self, "steps", steps)
        _check_text("lane name", self.name)
        _check_bool("lane mute", self.mute)
        _check_bool("lane solo", self.solo)

    @property
    def length_steps(self) -> int:
        return len(self.steps)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A named grid of lanes: one pass lasts ``length_steps`` steps of ``step_size``."""

    id: str
    name: str = "Pattern"
    length_steps: int = 16
    step_size: str = "1/16"
    swing: int = 50  # MPC convention: 50 straight, 66 triplet feel, 75 the most
    lanes: tuple[Lane, ...] = ()

    def __post_init__(self) -> None:
        _check_id("pattern id", self.id)
        _check_text("pattern name", self.name)
        check_score_int("pattern length in steps", self.length_steps, 1, MAX_STEPS)
        check_step_size(self.step_size)
        check_score_int("swing in percent", self.swing, MIN_SWING, MAX_SWING)
        lanes = tuple(self.lanes)
        if not all(isinstance(lane, Lane) for lane in lanes):
            raise ScoreError("a pattern holds lanes only")
        ids = [lane.id for lane in lanes]
        if len(set(ids)) != len(ids):
            raise ScoreError(f"two lanes of pattern {self.name!r} share an id")
        object.__setattr__(self, "lanes", lanes)

    def pass_ticks(self, ppq: int) -> int:
        """Length of one pass in ticks."""
        return step_start_tick(self.length_steps, self.step_size, ppq)

    def lane(self, lane_id: str) -> Lane:
        for lane in self.lanes:
            if lane.id == lane_id:
                return lane
        raise ScoreError(f"pattern {self.name!r} has no lane {lane_id!r}")

    def lane_index(self, lane_id: str) -> int:
        for i, lane in enumerate(self.lanes):
            if lane.id == lane_id:
                return i
        raise ScoreError(f"pattern {self.name!r} has no lane {lane_id!r}")

    def playing_lanes(self) -> tuple[Lane, ...]:
        """The lanes heard given mute and solo (solo wins over mute)."""
        soloed = tuple(lane for lane in self.lanes if lane.solo)
        if soloed:
            return soloed
        return tuple(lane for lane in self.lanes if not lane.mute)


@dataclass(frozen=True, slots=True)
class Placement:
    """A pattern placed on a track: ``repeats`` passes laid end to end from ``start_tick``."""

    id: str
    pattern_id: str
    track: int
    start_tick: int
    repeats: int = 1

    def __post_init__(self) -> None:
        _check_id("placement id", self.id)
        _check_id("placement pattern id", self.pattern_id)
        check_score_int("placement track", self.track, 0, 1023)
        check_score_int("placement start tick", self.start_tick, 0, 2**31 - 1)
        check_score_int("placement repeats", self.repeats, 1, MAX_REPEATS)

    def length_ticks(self, pattern: Pattern, ppq: int) -> int:
        return self.repeats * pattern.pass_ticks(ppq)

    def end_tick(self, pattern: Pattern, ppq: int) -> int:
        return self.start_tick + self.length_ticks(pattern, ppq)


def placement_order(placement: Placement) -> tuple[int, int, str]:
    """The stable order of placements in a score: (start tick, track, id)."""
    return placement.start_tick, placement.track, placement.id
