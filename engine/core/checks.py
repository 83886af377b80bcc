"""One table of value checks for the model, protocol, project file and settings (pure).

The MIDI ranges are written here once, and the checks name the field in one sentence.
Every frozen dataclass of the core checks its fields at construction with these, so a
bad value is refused where it is made, with the same words wherever it comes from.
"""

from __future__ import annotations

from engine.core.errors import ScoreError

# (lowest, highest) of each kind of MIDI value, the one place these numbers are written.
PITCH = (0, 127)  # a key number
VELOCITY = (1, 127)  # a sounding note's velocity (0 would be a note-off)
MIDI_DATA = (0, 127)  # a 7-bit data byte: program, volume, pan, controller values
CHANNEL = (0, 15)
BANK = (0, 16383)  # a 14-bit bank number (MSB * 128 + LSB)


def check_int(
    name: str, value: object, lo: int, hi: int | None = None, error: type[Exception] = ValueError
) -> None:
    """A whole number from ``lo`` to ``hi`` (no upper bound when None); bools refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{name} must be a whole number, not {value!r}")
    if value < lo or (hi is not None and value > hi):
        bound = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"
        raise error(f"{name} must be {bound}, not {value}")


def check_score_int(name: str, value: object, lo: int, hi: int | None = None) -> None:
    """``check_int`` for the score model, whose errors are ``ScoreError``s."""
    check_int(name, value, lo, hi, ScoreError)


def check_optional_int(name: str, value: object, lo: int, hi: int) -> None:
    if value is not None:
        check_int(name, value, lo, hi)


def check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {value!r}")


def check_str(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, not {value!r}")
