"""Tempo and meter changes as the window edits them: at the cursor, in force, moved (pure).

The transport's tempo and meter boxes and the ruler's lanes share these rules:
- the boxes edit the change *in force* at the cursor, or add one *at* the cursor when the
  musician asks for a new change (a meter change goes to the start of the cursor's bar);
- a change is moved by taking it out of the score as it was before the drag and putting
  it back at the new tick, so a drag never accumulates; tick 0 holds the first tempo and
  meter for good, and a change never lands on another one.
"""

from __future__ import annotations

from engine.core import edits
from engine.core.score import Score


def bar_start(score: Score, tick: int) -> int:
    """The first tick of the bar that holds ``tick``."""
    sigs = score.time_signatures
    return sigs.bar_to_tick(sigs.tick_to_bar_beat(max(0, tick), score.ppq).bar, score.ppq)


def nearest_bar(score: Score, tick: int) -> int:
    """The bar line nearest to ``tick``."""
    start = bar_start(score, tick)
    length = score.time_signatures.at(start).bar_ticks(score.ppq)
    return start + length if tick - start > length / 2 else start


def tempo_tick(score: Score, cursor_tick: int, add: bool) -> int:
    """Where the tempo box writes: the cursor (add) or the change in force there."""
    return max(0, cursor_tick) if add else score.tempo_map.change_at(cursor_tick).tick


def meter_tick(score: Score, cursor_tick: int, add: bool) -> int:
    """Where the meter box writes: the cursor's bar (add) or the change in force there."""
    return bar_start(score, cursor_tick) if add else score.time_signatures.at(cursor_tick).tick


def set_tempo_at_cursor(score: Score, cursor_tick: int, bpm: float, add: bool) -> Score:
    return edits.set_tempo(score, tempo_tick(score, cursor_tick, add), bpm)


def set_meter_at_cursor(
    score: Score, cursor_tick: int, numerator: int, denominator: int, add: bool
) -> Score:
    return edits.set_time_signature(
        score, meter_tick(score, cursor_tick, add), numerator, denominator
    )


def move_tempo(score: Score, from_tick: int, to_tick: int) -> Score:
    """The tempo change at ``from_tick`` moved to ``to_tick``; unchanged when that is 0,
    the first tempo, or a tick that already holds another change."""
    ticks = {c.tick for c in score.tempo_map.changes}
    if from_tick == 0 or to_tick <= 0 or from_tick not in ticks:
        return score
    if to_tick != from_tick and to_tick in ticks:
        return score
    bpm = score.tempo_map.change_at(from_tick).bpm
    return edits.set_tempo(edits.remove_tempo(score, from_tick), to_tick, bpm)


def move_meter(score: Score, from_tick: int, to_tick: int) -> Score:
    """The meter change at ``from_tick`` moved to the bar line nearest ``to_tick`` (bars
    as laid out without the moved change); unchanged as for ``move_tempo``."""
    ticks = {s.tick for s in score.time_signatures.signatures}
    if from_tick == 0 or from_tick not in ticks:
        return score
    sig = score.time_signatures.at(from_tick)
    without = edits.remove_time_signature(score, from_tick)
    to_tick = nearest_bar(without, to_tick)
    if to_tick <= 0 or (to_tick != from_tick and to_tick in ticks):
        return score
    return edits.set_time_signature(without, to_tick, sig.numerator, sig.denominator)


def parse_position(text: str, score: Score) -> int:
    """The tick of a typed position: ``bar``, ``bar.beat`` or ``bar.beat.tick`` (from 1.1.0).

    Raises ValueError with one sentence for anything else.
    """
    parts = text.strip().replace(":", ".").split(".")
    try:
        numbers = [int(p) for p in parts if p != ""]
    except ValueError:
        numbers = []
    if not 1 <= len(numbers) <= 3 or len(numbers) != len([p for p in parts if p != ""]):
        raise ValueError(f"type a position as bar.beat.tick, e.g. 3.2.000, not {text.strip()!r}")
    bar = numbers[0]
    beat = numbers[1] if len(numbers) > 1 else 1
    tick = numbers[2] if len(numbers) > 2 else 0
    sigs, ppq = score.time_signatures, score.ppq
    if bar < 1 or beat < 1 or tick < 0:
        raise ValueError("bars and beats count from 1 and ticks from 0")
    start = sigs.bar_to_tick(bar, ppq)
    sig = sigs.at(start)
    if beat > sig.numerator:
        raise ValueError(f"bar {bar} has {sig.numerator} beats, not {beat}")
    if tick >= sig.beat_ticks(ppq):
        raise ValueError(
            f"a beat here has {sig.beat_ticks(ppq)} ticks (0 to {sig.beat_ticks(ppq) - 1})"
        )
    return start + (beat - 1) * sig.beat_ticks(ppq) + tick
