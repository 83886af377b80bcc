"""Notes packed as one int32 array, for pickling a Track compactly (pure; GUI and engine).

``Track`` pickles itself through ``pack_notes`` and ``engine.core.score.track_from_packed``,
which loads through ``unpack_checked``.

Every edit in the GUI sends the whole score to the engine over a pipe.  Pickled note by
note, a 10 000-note song costs ~15 ms to dump and ~14 ms to load (docs/benchmarks.md,
"Score transfer"), and the engine's command thread cannot take a preview note-on while
it loads.  Packed, a track's notes are 16 bytes each: start, length, pitch, velocity as
little-endian int32 rows in the track's own (sorted) order.

Loading trusts nothing about the bytes: shape, every value range and the sort order are
checked at once with numpy, and anything off raises ScoreError.  What it skips is the
per-note Python work (``Note.__post_init__``, Track's sort check), which those vectorised
checks cover: each note is made with ``object.__new__`` and its slots filled in bulk.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import operator
import threading

import numpy as np

from engine.core.checks import PITCH, VELOCITY
from engine.core.errors import ScoreError
from engine.core.note import MAX_TICK, Note

_DTYPE = np.dtype("<i4")  # fixed byte order: the bytes mean the same on any machine
_COLUMNS = ("start_tick", "length_ticks", "pitch", "velocity")  # Note's field order
# The slot descriptors of Note: setting through them skips the frozen __setattr__.
_SLOTS = tuple(getattr(Note, name) for name in _COLUMNS)
_ROW = operator.attrgetter(*_COLUMNS)
_PAUSE_LOCK = threading.Lock()  # see _collector_paused
# (column, field's name in messages, lowest, highest); an int32 is never above MAX_TICK.
_RANGES = (
    (0, "note start tick", 0, MAX_TICK),
    (1, "note length in ticks", 1, MAX_TICK),
    (2, "note pitch", *PITCH),
    (3, "note velocity", *VELOCITY),
)


def pack_notes(notes) -> bytes:
    """The notes as int32 rows (start, length, pitch, velocity), in the order given."""
    flat = np.fromiter(
        itertools.chain.from_iterable(map(_ROW, notes)), dtype=_DTYPE, count=4 * len(notes)
    )
    return flat.tobytes()


def _notes(columns: list[list[int]]) -> tuple[Note, ...]:
    """Notes from checked columns of plain ints, without per-note Python validation."""
    with _collector_paused():
        notes = list(map(object.__new__, itertools.repeat(Note, len(columns[0]))))
        for slot, values in zip(_SLOTS, columns):
            collections.deque(map(slot.__set__, notes, values), maxlen=0)
        return tuple(notes)


@contextlib.contextmanager
def _collector_paused():
    # Every 700 new objects start a garbage collection that walks the young notes again,
    # and now and then the whole heap: 3/4 of loading 100 000 notes, and 13-16 ms pauses
    # of the engine's command thread at 10 000.  Notes hold only ints (no cycles), so the
    # collector loses nothing by looking once, after the track is built.  The lock keeps
    # two threads loading at once from leaving the collector off.
    with _PAUSE_LOCK:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if was_enabled:
                gc.enable()


def _checked_rows(data) -> np.ndarray:
    if not isinstance(data, bytes) or len(data) % (4 * _DTYPE.itemsize):
        raise ScoreError("the packed notes of a track are malformed")
    rows = np.frombuffer(data, dtype=_DTYPE).reshape(-1, 4)
    for column, name, lo, hi in _RANGES:
        values = rows[:, column]
        bad = (values < lo) | (values > hi)
        if bad.any():
            raise ScoreError(
                f"{name} must be from {lo} to {hi}, "
                f"not {int(values[bad.argmax()])} (in packed notes)"
            )
    ends = rows[:, 0].astype(np.int64) + rows[:, 1]
    if (ends > MAX_TICK).any():
        raise ScoreError(f"note end tick must be at most {MAX_TICK} (in packed notes)")
    if len(rows) > 1:
        # Row i <= row i+1 when their first differing column grows (or none differs).
        steps = np.diff(rows.astype(np.int64), axis=0)
        first = (steps != 0).argmax(axis=1)
        if (steps[np.arange(len(steps)), first] < 0).any():
            raise ScoreError("the packed notes of a track are out of order")
    return rows


def unpack_checked(data) -> tuple[tuple[Note, ...], tuple[int, ...], int]:
    """The notes packed by ``pack_notes``, their start ticks and their longest length.

    ScoreError if the bytes are malformed, out of range or out of track order.
    """
    columns = _checked_rows(data).T.tolist()  # plain Python ints, as Note's fields must be
    return _notes(columns), tuple(columns[0]), max(columns[1], default=0)
