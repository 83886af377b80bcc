"""One pass of a pattern into note rows, all steps at once with numpy (pure).

``engine.core.pattern_expand`` states the rules; this is their arithmetic on arrays, so a
pass of a big pattern (16 lanes x 64 steps with ratchets: thousands of notes, expanded
on the engine's scheduler thread once per pass) costs a few dozen array operations
instead of a Python loop over every step and repeat.  Every integer rule is the same
floor division as the rules' own (numpy's ``//`` floors like Python's), and the dice are
the same SplitMix64 mix in wrapping unsigned 64-bit arithmetic, so the rows are exactly
the ones the rules give (the expansion's property test checks them against a naive
step-by-step walk).

A pattern's steps are laid out once per pattern value (``StepTable``): patterns are
immutable, so the table of an unchanged pattern is reused for every pass.
"""

from __future__ import annotations

import numpy as np

from engine.core.pattern import CONDITION_KINDS, Lane, Pattern

ALWAYS, FIRST, NOT_FIRST, AB, FILL, NOT_FILL = range(len(CONDITION_KINDS))
_U64 = np.uint64
_STEP_MIX, _PASS_MIX = _U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F)
_MIX_1, _MIX_2 = _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB)
_TWO_64 = float(2**64)
TABLE_LIMIT = 64  # pattern values whose tables are kept


class StepTable:
    """The steps of a pattern's playing lanes, concatenated lane after lane (one row of
    arrays per step), with each lane's length and first row."""

    __slots__ = (
        "lanes",
        "lengths",
        "firsts",
        "keys",
        "on",
        "velocity",
        "length_steps",
        "offset_pct",
        "probability",
        "ratchet",
        "kind",
        "a",
        "b",
    )

    def __init__(self, lanes: tuple[Lane, ...]):
        self.lanes = lanes
        steps = [s for lane in lanes for s in lane.steps]
        lengths = [len(lane.steps) for lane in lanes]
        self.lengths = np.array(lengths, dtype=np.int64)[:, None]
        self.firsts = (np.cumsum(lengths, dtype=np.int64) - self.lengths[:, 0])[:, None]
        self.keys = np.array([lane.key for lane in lanes], dtype=np.int64)
        self.on = np.array([s.on for s in steps], dtype=bool)
        self.velocity = np.array([s.velocity for s in steps], dtype=np.int64)
        self.length_steps = np.array([s.length_steps for s in steps], dtype=np.int64)
        self.offset_pct = np.array([s.offset_pct for s in steps], dtype=np.int64)
        self.probability = np.array([s.probability for s in steps], dtype=np.int64)
        self.ratchet = np.array([s.ratchet for s in steps], dtype=np.int64)
        kinds = {kind: i for i, kind in enumerate(CONDITION_KINDS)}
        self.kind = np.array([kinds[s.condition.kind] for s in steps], dtype=np.int8)
        self.a = np.array([s.condition.a for s in steps], dtype=np.int64)
        self.b = np.array([s.condition.b for s in steps], dtype=np.int64)


_tables: dict[int, tuple[Pattern, StepTable]] = {}


def step_table(pattern: Pattern) -> StepTable:
    """The table of ``pattern``'s playing lanes (made once per pattern value)."""
    entry = _tables.get(id(pattern))
    if entry is not None and entry[0] is pattern:
        return entry[1]
    if len(_tables) >= TABLE_LIMIT:
        _tables.clear()
    table = StepTable(pattern.playing_lanes())
    _tables[id(pattern)] = (pattern, table)  # holds the pattern: its id stays its own
    return table


def _plays(table: StepTable, rows, lane_pass, fill: bool):
    """Which steps' conditions let them play on their lane's pass."""
    kind = table.kind[rows]
    plays = kind == ALWAYS
    plays |= (kind == FIRST) & (lane_pass == 0)
    plays |= (kind == NOT_FIRST) & (lane_pass != 0)
    ab = kind == AB
    if ab.any():
        plays |= ab & (lane_pass % np.where(ab, table.b[rows], 1) == table.a[rows] - 1)
    plays |= kind == (FILL if fill else NOT_FILL)
    return plays


def _dice(lane_keys, step_index, pass_index):
    """``pattern_expand.chance`` for many (lane key, step, pass) at once."""
    x = lane_keys ^ (step_index.astype(_U64) * _STEP_MIX + pass_index.astype(_U64) * _PASS_MIX)
    x = (x ^ (x >> _U64(30))) * _MIX_1
    x = (x ^ (x >> _U64(27))) * _MIX_2
    return (x ^ (x >> _U64(31))).astype(np.float64) / _TWO_64


def pass_rows(
    pattern: Pattern,
    pass_index: int,
    start_tick: int,
    num: int,
    den: int,
    swing: int,
    lane_keys,
    fill: bool,
):
    """(on, length, key, velocity) columns of pass ``pass_index`` from ``start_tick``,
    sorted as Notes sort; the step is ``num/den`` ticks, ``swing`` the odd slots' delay,
    ``lane_keys`` the dice key of each playing lane (uint64 array)."""
    table = step_table(pattern)
    n = pattern.length_steps
    pass_end = start_tick + n * num // den
    slot = np.arange(n, dtype=np.int64)[None, :]
    counted = pass_index * n + slot  # the lane-independent step count of each slot
    lane_pass = counted // table.lengths
    lane_step = counted - lane_pass * table.lengths
    rows = table.firsts + lane_step  # (lanes, slots): each slot's step row
    plays = table.on[rows] & _plays(table, rows, lane_pass, fill)
    chancy = plays & (table.probability[rows] < 100)
    if chancy.any():
        lane_of, slot_of = np.nonzero(chancy)
        probability = table.probability[rows[lane_of, slot_of]]
        dice = _dice(lane_keys[lane_of], lane_step[lane_of, slot_of], lane_pass[lane_of, slot_of])
        plays[lane_of, slot_of] = (probability > 0) & (dice * 100 < probability)
    lane_of, slot_of = np.nonzero(plays)
    if not len(lane_of):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    row = rows[lane_of, slot_of]
    base = start_tick + slot_of * num // den + swing * (slot_of % 2)
    base += (2 * table.offset_pct[row] * num + 100 * den) // (200 * den)
    end = np.minimum(base + table.length_steps[row] * num // den, pass_end)
    # ratchets: r rows per step, the j-th r-th of the step after its start
    ratchet = table.ratchet[row]
    of = np.repeat(np.arange(len(row)), ratchet)
    r = ratchet[of]
    j = np.arange(len(of)) - np.repeat(np.cumsum(ratchet) - ratchet, ratchet)
    on = base[of] + j * num // (den * r)
    off = np.where(j < r - 1, base[of] + (j + 1) * num // (den * r), end[of])
    on = np.minimum(np.maximum(on, start_tick), pass_end - 1)
    # repeats closer than a tick are one note, not two (ons within a step never fall)
    kept = np.ones(len(of), dtype=bool)
    kept[1:] = (of[1:] != of[:-1]) | (on[1:] != on[:-1])
    of, on, off = of[kept], on[kept], off[kept]
    length = np.maximum(np.minimum(off, pass_end), on + 1) - on
    key = table.keys[lane_of[of]]
    velocity = table.velocity[row[of]]
    order = np.lexsort((velocity, key, length, on))
    return on[order], length[order], key[order], velocity[order]
