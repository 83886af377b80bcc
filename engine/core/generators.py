"""Rhythm generators and the step-string notation (pure).

Euclidean rhythms: ``euclid(k, n)`` spreads ``k`` onsets over ``n`` steps as evenly as
possible with Bjorklund's algorithm, the construction of Toussaint's "The Euclidean
Algorithm Generates Traditional Musical Rhythms": E(3,8) is the tresillo ``x..x..x.``,
E(5,8) the cinquillo ``x.xx.xx.``.  Step 0 is always an onset; a positive rotation shifts
the rhythm to the right (later).

The other generators work on a lane's steps and keep every field they do not change, so
a generated rhythm keeps the velocities, probabilities and conditions already set.
Random ones draw from the same counter-based dice as step probability (``chance``), so
the same seed always gives the same result.

Step strings (the command line's ``--steps``): one character per step, ``x`` a hit,
``X`` an accent, ``.`` a rest; or ``E(k,n)`` / ``E(k,n,r)``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from engine.core.checks import check_score_int
from engine.core.errors import ScoreError
from engine.core.pattern import MAX_STEPS, OFF, Step
from engine.core.pattern_expand import chance

HIT_VELOCITY = 100
ACCENT_VELOCITY = 127
_EUCLID = re.compile(r"E\((.*)\)", re.IGNORECASE)


def euclid(k: int, n: int, rotation: int = 0) -> tuple[bool, ...]:
    """Bjorklund's E(k, n) rotated ``rotation`` steps to the right."""
    check_score_int("Euclidean step count n", n, 1, MAX_STEPS)
    check_score_int("Euclidean onset count k", k, 0, n)
    if isinstance(rotation, bool) or not isinstance(rotation, int):
        raise ScoreError(f"Euclidean rotation must be a whole number, not {rotation!r}")
    if k in (0, n):
        return (k == n,) * n
    # Bjorklund: pair the onsets with the rests, then the pairs with what is left over,
    # until at most one group remains unpaired.
    heads: list[list[bool]] = [[True] for _ in range(k)]
    tails: list[list[bool]] = [[False] for _ in range(n - k)]
    while True:
        m = min(len(heads), len(tails))
        paired = [heads[i] + tails[i] for i in range(m)]
        tails = heads[m:] if len(heads) > m else tails[m:]
        heads = paired
        if len(tails) <= 1:
            break
    flat = tuple(x for group in heads + tails for x in group)
    r = rotation % n
    return flat[-r:] + flat[:-r] if r else flat


def fill_every(n: int, every: int, offset: int = 0) -> tuple[bool, ...]:
    """Hits on every ``every``-th of ``n`` steps, the first at ``offset``."""
    check_score_int("step count", n, 1, MAX_STEPS)
    check_score_int("fill every", every, 1, MAX_STEPS)
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise ScoreError(f"fill offset must be a whole number, not {offset!r}")
    return tuple((i - offset) % every == 0 for i in range(n))


def apply_hits(steps, hits, velocity: int = HIT_VELOCITY) -> tuple[Step, ...]:
    """Steps switched on where ``hits`` is true and off elsewhere, for ``len(hits)`` steps.

    A step that exists keeps its other fields (a step that was off and comes on gets
    ``velocity`` only if it still has the default); new steps are made.
    """
    steps = tuple(steps)
    out = []
    for i, hit in enumerate(hits):
        old = steps[i] if i < len(steps) else replace(OFF, velocity=velocity)
        out.append(replace(old, on=bool(hit)))
    return tuple(out)


def shift(steps, by: int) -> tuple:
    """The steps rotated ``by`` places to the right (negative: left), wrapping around."""
    steps = tuple(steps)
    if not steps:
        return steps
    r = by % len(steps)
    return steps[-r:] + steps[:-r] if r else steps


def reverse(steps) -> tuple:
    return tuple(reversed(tuple(steps)))


def randomize(steps, density_pct: int, seed: int) -> tuple[Step, ...]:
    """Each step on with a chance of ``density_pct`` percent (same seed, same rhythm)."""
    check_score_int("density in percent", density_pct, 0, 100)
    return tuple(
        replace(s, on=chance(seed, "randomize", i, 0) * 100 < density_pct)
        for i, s in enumerate(steps)
    )


def humanize(steps, timing_pct: int, velocity: int, seed: int) -> tuple[Step, ...]:
    """Nudge each step on by up to ``timing_pct`` percent of a step either way and its
    velocity by up to ``velocity`` either way (kept in range)."""
    check_score_int("humanize timing in percent", timing_pct, 0, 50)
    check_score_int("humanize velocity", velocity, 0, 126)
    out = []
    for i, s in enumerate(steps):
        if s.on:
            dt = round((2 * chance(seed, "humanize-time", i, 0) - 1) * timing_pct)
            dv = round((2 * chance(seed, "humanize-velocity", i, 0) - 1) * velocity)
            s = replace(
                s,
                offset_pct=max(-50, min(50, s.offset_pct + dt)),
                velocity=max(1, min(127, s.velocity + dv)),
            )
        out.append(s)
    return tuple(out)


def parse_step_string(text: str) -> tuple[Step, ...]:
    """``x`` a hit, ``X`` an accent, ``.`` a rest, one character per step."""
    if not isinstance(text, str):
        raise ScoreError(f"a step string must be text, not {text!r}")
    if not 1 <= len(text) <= MAX_STEPS:
        raise ScoreError(f"a step pattern has 1 to {MAX_STEPS} steps, not {len(text)} ({text!r})")
    steps = []
    for i, ch in enumerate(text):
        if ch == "x":
            steps.append(Step(on=True, velocity=HIT_VELOCITY))
        elif ch == "X":
            steps.append(Step(on=True, velocity=ACCENT_VELOCITY))
        elif ch == ".":
            steps.append(OFF)
        else:
            raise ScoreError(
                f"step {i + 1} of {text!r} is {ch!r}: use 'x' for a hit, 'X' for an accent "
                "and '.' for a rest"
            )
    return tuple(steps)


def parse_lane_spec(text: str) -> tuple[Step, ...]:
    """A step string, or ``E(k,n)`` / ``E(k,n,r)`` for a Euclidean rhythm."""
    if not isinstance(text, str):
        raise ScoreError(f"a step pattern must be text, not {text!r}")
    text = text.strip()
    match = _EUCLID.fullmatch(text)
    if match is None:
        if text[:2].upper() == "E(":
            raise ScoreError(f"{text!r} is not a Euclidean rhythm: write E(k,n) or E(k,n,r)")
        return parse_step_string(text)
    parts = [p.strip() for p in match.group(1).split(",")]
    if len(parts) not in (2, 3) or not all(re.fullmatch(r"[+-]?\d+", p) for p in parts):
        raise ScoreError(
            f"{text!r} is not a Euclidean rhythm: write E(k,n) or E(k,n,r) with whole numbers"
        )
    k, n, *rest = (int(p) for p in parts)
    if not 1 <= n <= MAX_STEPS:
        raise ScoreError(f"in {text!r} the step count n must be from 1 to {MAX_STEPS}, not {n}")
    if not 0 <= k <= n:
        raise ScoreError(f"in {text!r} the onset count k must be from 0 to n ({n}), not {k}")
    return apply_hits((), euclid(k, n, rest[0] if rest else 0))


def hits_string(steps) -> str:
    """The step string of some steps (the inverse of ``parse_step_string``)."""
    return "".join(("X" if s.velocity >= ACCENT_VELOCITY else "x") if s.on else "." for s in steps)
