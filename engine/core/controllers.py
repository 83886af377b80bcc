"""Controller events of a track: control changes, pitch bend, program changes (pure).

A track's own settings (bank, program, volume, pan) are what it starts with; its
controller events are what changes while it plays: the sustain pedal, modulation,
expression, a volume fade, a pan sweep, pitch bend, a program change in bar 17.  They
are values like notes, kept in tick order; events at one tick keep the order they were
given, because that order is heard (the last value at a tick wins).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.checks import MIDI_DATA, check_score_int
from engine.core.errors import ScoreError
from engine.core.note import MAX_TICK

CONTROL, PITCH_BEND, PROGRAM = "control", "pitch_bend", "program"
KINDS = (CONTROL, PITCH_BEND, PROGRAM)
CC_MODULATION, CC_VOLUME, CC_PAN, CC_EXPRESSION, CC_SUSTAIN = 1, 7, 10, 11, 64
CC_BANK_MSB, CC_BANK_LSB = 0, 32  # bank select: the bank is 128 * MSB + LSB
PITCH_BEND_MIN, PITCH_BEND_MAX = -8192, 8191

# Controllers a musician chooses from in the controller lane, by number.
CONTROLLER_NAMES = {
    CC_MODULATION: "Modulation",
    CC_VOLUME: "Volume",
    CC_PAN: "Pan",
    CC_EXPRESSION: "Expression",
    CC_SUSTAIN: "Sustain pedal",
}


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """One change at ``tick``: controller ``number`` to ``value`` (kind "control"), the
    pitch wheel to ``value`` (-8192..8191, "pitch_bend"), or program ``value`` ("program")."""

    tick: int
    kind: str = CONTROL
    number: int = 0
    value: int = 0

    def __post_init__(self) -> None:
        check_score_int("controller event tick", self.tick, 0, MAX_TICK)
        if self.kind not in KINDS:
            raise ScoreError(f"a controller event is one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.kind == CONTROL:
            check_score_int("controller number", self.number, *MIDI_DATA)
            check_score_int("controller value", self.value, *MIDI_DATA)
        else:
            check_score_int(f"{self.kind.replace('_', ' ')} number", self.number, 0, 0)
            if self.kind == PITCH_BEND:
                check_score_int("pitch bend", self.value, PITCH_BEND_MIN, PITCH_BEND_MAX)
            else:
                check_score_int("program", self.value, *MIDI_DATA)

    def midi_bytes(self, channel: int) -> bytes:
        """The MIDI message of this event on ``channel`` (0..15)."""
        if self.kind == CONTROL:
            return bytes((0xB0 | channel, self.number, self.value))
        if self.kind == PROGRAM:
            return bytes((0xC0 | channel, self.value))
        bend = self.value - PITCH_BEND_MIN
        return bytes((0xE0 | channel, bend & 0x7F, bend >> 7))


def sorted_events(events) -> tuple[ControlEvent, ...]:
    """``events`` in tick order, events at one tick in their given order (checked)."""
    events = tuple(events)
    if not all(isinstance(e, ControlEvent) for e in events):
        raise ScoreError("a track's controller events must be controller events")
    ticks = [e.tick for e in events]
    if any(a > b for a, b in zip(ticks, ticks[1:])):
        events = tuple(sorted(events, key=lambda e: e.tick))  # stable: order at a tick kept
    return events


def resets(events) -> list[ControlEvent]:
    """What undoes ``events`` where they leave a sound changed when playback stops: the
    sustain pedal lifted and the pitch wheel centred (other controllers stay as they are,
    as on any synth)."""
    used = {(e.kind, e.number) for e in events}
    out = []
    if (CONTROL, CC_SUSTAIN) in used:
        out.append(ControlEvent(0, CONTROL, CC_SUSTAIN, 0))
    if (PITCH_BEND, 0) in used:
        out.append(ControlEvent(0, PITCH_BEND, 0, 0))
    return out


def describe_value(kind: str, number: int, value: int) -> str:
    """``value`` as a musician reads it on a lane of ``kind``/``number``: the number, and
    what it means where it means something more (pedal down or up, pan side, bend in
    semitones at the General MIDI default bend range of ±2)."""
    if kind == PITCH_BEND:
        if value == 0:
            return "0 (centre)"
        return f"{value:+d} ({value * 2 / 8192:+.2f} semitones)"
    if kind == CONTROL and number == CC_SUSTAIN:
        return f"{value} ({'down' if value >= 64 else 'up'})"
    if kind == CONTROL and number == CC_PAN:
        if value == 64:
            return "64 (centre)"
        return f"{value} ({'left' if value < 64 else 'right'} {abs(value - 64)})"
    return str(value)
