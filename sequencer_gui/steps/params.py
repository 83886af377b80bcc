"""The step parameters the parameter lane and the step editor show, and their scales (pure).

Each parameter is read from a step as one whole number and written back as the fields
``pattern_edits.set_step`` takes, so the lane's drawing and dragging are the same code
for velocity, probability, offset, ratchet, length and condition.  A condition is shown
as its place in ``CONDITION_CHOICES``, the conditions a musician reaches for first.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.pattern import Condition, Step

CONDITION_CHOICES = (
    Condition(),
    Condition("first"),
    Condition("not_first"),
    Condition("fill"),
    Condition("not_fill"),
    Condition("ab", 1, 2),
    Condition("ab", 2, 2),
    Condition("ab", 1, 3),
    Condition("ab", 2, 3),
    Condition("ab", 3, 3),
    Condition("ab", 1, 4),
    Condition("ab", 2, 4),
    Condition("ab", 3, 4),
    Condition("ab", 4, 4),
    Condition("ab", 1, 8),
    Condition("ab", 8, 8),
)


@dataclass(frozen=True, slots=True)
class Param:
    """One step parameter: its step field, its range and how the lane labels it."""

    name: str  # what the lane's switch says
    field: str  # the Step field it sets
    lo: int
    hi: int
    centred: bool = False  # bars grow from the middle (offset), not from the bottom
    labelled: bool = False  # each bar carries its value as text (small discrete ranges)

    def __post_init__(self):
        if self.lo >= self.hi:
            raise ValueError(f"parameter {self.name} needs lo < hi, not {self.lo}..{self.hi}")

    def value(self, step: Step) -> int:
        """The step's value on this parameter's scale (clamped into the lane's range)."""
        if self.field == "condition":
            try:
                return CONDITION_CHOICES.index(step.condition)
            except ValueError:  # a condition the list does not hold: show it as "always"
                return 0
        return max(self.lo, min(self.hi, getattr(step, self.field)))

    def changes(self, value: int) -> dict:
        """The ``set_step`` fields that give a step ``value`` (clamped to the range)."""
        value = max(self.lo, min(self.hi, int(value)))
        if self.field == "condition":
            return {"condition": CONDITION_CHOICES[value]}
        return {self.field: value}

    def label(self, step: Step) -> str:
        if self.field == "condition":
            return step.condition.label()
        if self.field == "offset_pct":
            return f"{step.offset_pct:+d}"
        return str(getattr(step, self.field))

    def fraction(self, value: int) -> float:
        """Where ``value`` lies in the range, 0..1."""
        return (value - self.lo) / (self.hi - self.lo)

    def value_at(self, y: float, height_px: int, pad_px: int = 3) -> int:
        """The value the lane's height puts at y (0 at the top), clamped to the range."""
        usable = max(1, height_px - 2 * pad_px)
        f = (height_px - pad_px - y) / usable
        return max(self.lo, min(self.hi, round(self.lo + f * (self.hi - self.lo))))

    def bar(self, value: int, height_px: int, pad_px: int = 3) -> tuple[float, float]:
        """(y_top, y_bottom) of the bar showing ``value``; centred bars start at zero."""
        usable = height_px - 2 * pad_px
        y = height_px - pad_px - self.fraction(value) * usable
        if self.centred:
            zero = height_px - pad_px - self.fraction(0) * usable
            return (min(y, zero), max(y, zero) + 1)
        return (min(y, height_px - pad_px - 2), height_px - pad_px)


PARAMS = (
    Param("Velocity", "velocity", 1, 127),
    Param("Probability", "probability", 0, 100),
    Param("Offset", "offset_pct", -50, 50, centred=True),
    Param("Ratchet", "ratchet", 1, 8, labelled=True),
    Param("Length", "length_steps", 1, 16, labelled=True),
    Param("Condition", "condition", 0, len(CONDITION_CHOICES) - 1, labelled=True),
)
PARAM_BY_NAME = {p.name: p for p in PARAMS}
