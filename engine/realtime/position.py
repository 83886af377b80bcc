"""The shared position counter: a seqlock in shared memory (writer: engine scheduler
thread; readers: GUI thread, any process).

The engine writes where the transport is every few milliseconds; the GUI reads it on
every animation frame.  There is exactly one writer, and no lock: the block starts with a
sequence number that the writer makes odd before it changes the fields and even again
after.  A reader copies the fields between two reads of the sequence and keeps the copy
only if both reads saw the same even number; otherwise the writer was busy and it tries
again.  The writer never waits for a reader, so a stalled GUI cannot delay the engine.

Layout (native int64 each): sequence, generation, frame, tick, us_per_quarter,
playing, loop_count, pattern_index, pattern_pass, pattern_step.  The last three say which
pattern plays on the track the step grid follows, in which pass and on which step (-1, 0,
-1 when none), so the grid lights its current step from here, with no message.  ``generation`` bumps at every jump of the transport (load, play,
stop, locate) and across engine restarts, so a cursor that interpolates between reads
knows when to start afresh.

Beside the position, outside the seqlock (each is one 8-byte item, written whole, and a
meter needs no pair of them to agree): the output level -- the peak of each channel over
the last ~40 ms, in millionths of full scale, and a count of windows measured -- written
by whoever listens to the output (``level_meter``), and FluidSynth's CPU load in
thousandths of a percent, written by the engine's main thread.  One writer each.
After them, from item 16, the peak of each track's own audio over the same window
(``TRACK_LEVELS`` of them: the synth's output groups, ``engine.audio.group_mix``), written
with the output's peaks by the audio callback that measures them.

Ordering: CPython performs each item access as one C copy, in program order; on
x86-64 (total store order) that is all a seqlock needs.  On weakly ordered CPUs a reader
may in principle see a stale field with a matching sequence; the bounded retry keeps the
GUI from spinning either way.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from multiprocessing import shared_memory

from engine.audio.group_mix import GROUPS

# The block is seen as int64 items through ``memoryview.cast("q")``: CPython reads and
# writes one such item with one 8-byte memcpy, a single load or store.  (``struct``
# would not do: ``pack_into`` zero-fills its target before writing, so a reader could
# catch the sequence number at a transient 0 twice and accept a half-written block.)
_SEQ_INDEX = 0
_FIELDS_SLICE = slice(1, 10)
_LEVEL_LEFT, _LEVEL_RIGHT, _LEVEL_COUNT, _LOAD = 10, 11, 12, 13
_TRACK_LEVELS_INDEX = 16
TRACK_LEVELS = GROUPS  # the synth's output groups: tracks 0..30 and the click
# every item is 8-byte aligned, so no store straddles two cache lines
BLOCK_SIZE = 8 * (_TRACK_LEVELS_INDEX + TRACK_LEVELS)
LEVEL_SCALE = 1_000_000  # a level item holds the peak in millionths of full scale
LOAD_SCALE = 1000  # the load item holds FluidSynth's CPU load in thousandths of a percent
MAX_READ_ATTEMPTS = 64


@dataclass(frozen=True, slots=True)
class Position:
    """Where the transport is: what the scheduler computes, the seqlock carries and the
    cursor reads.  ``generation`` is stamped by the engine's service loop (the scheduler
    itself leaves it 0)."""

    generation: int = 0
    frame: int = 0
    tick: int = 0
    us_per_quarter: int = 500_000
    playing: bool = False
    loop_count: int = 0
    pattern_index: int = -1  # index into the song's patterns, -1 when no pattern plays
    pattern_pass: int = 0
    pattern_step: int = -1


class PositionBlock:
    """The shared-memory block; ``create()`` in the client, ``attach(name)`` in the engine."""

    def __init__(self, shm: shared_memory.SharedMemory, owner: bool):
        if shm.buf is None:
            raise ValueError("the shared position block is closed")
        self._shm: shared_memory.SharedMemory | None = shm
        self._name = shm.name
        self._owner = owner
        self._items = shm.buf.cast("q")
        self._last = Position()

    @classmethod
    def create(cls) -> PositionBlock:
        shm = shared_memory.SharedMemory(create=True, size=BLOCK_SIZE)
        block = cls(shm, owner=True)
        block._items[:] = memoryview(bytes(BLOCK_SIZE)).cast("q")  # from all zeros
        block.write(Position())
        return block

    @classmethod
    def attach(cls, name: str) -> PositionBlock:
        return cls(shared_memory.SharedMemory(name=name), owner=False)

    @property
    def name(self) -> str:
        return self._name

    # ---------------------------------------------------------------- the one writer

    def write(self, position: Position) -> None:
        """Publish a new position (only ever called from one thread of one process)."""
        items = self._items
        seq = items[_SEQ_INDEX]
        if seq & 1:  # a writer died mid-write (engine killed): the count is ours now
            seq += 1
        items[_SEQ_INDEX] = seq + 1  # odd: readers keep away
        items[1] = position.generation
        items[2] = position.frame
        items[3] = position.tick
        items[4] = position.us_per_quarter
        items[5] = 1 if position.playing else 0
        items[6] = position.loop_count
        items[7] = position.pattern_index
        items[8] = position.pattern_pass
        items[9] = position.pattern_step
        items[_SEQ_INDEX] = seq + 2  # even again: the fields are whole

    # ----------------------------------------------------------------- any reader

    def read(self) -> Position:
        """The latest whole position; never blocks.

        After ``MAX_READ_ATTEMPTS`` collisions with the writer (only if it writes
        continuously) the last good value is returned, never a torn one.
        """
        items = self._items
        for _ in range(MAX_READ_ATTEMPTS):
            before = items[_SEQ_INDEX]
            if before & 1:
                continue
            fields = items[_FIELDS_SLICE].tolist()
            if items[_SEQ_INDEX] == before:
                g, frame, tick, upq, playing, loops, pattern, pattern_pass, step = fields
                self._last = Position(
                    g, frame, tick, upq, bool(playing), loops, pattern, pattern_pass, step
                )
                return self._last
        return self._last

    # ------------------------------------------------ levels and load (one writer each)

    def write_levels(self, left: float, right: float) -> None:
        """Publish the output's peaks (0..1+) over the last window (the meter's writer)."""
        items = self._items
        items[_LEVEL_LEFT] = int(left * LEVEL_SCALE)
        items[_LEVEL_RIGHT] = int(right * LEVEL_SCALE)
        items[_LEVEL_COUNT] = items[_LEVEL_COUNT] + 1

    def read_levels(self) -> tuple[float, float, int]:
        """(left peak, right peak, windows measured so far); 0 windows: nothing measures."""
        items = self._items
        return (
            items[_LEVEL_LEFT] / LEVEL_SCALE,
            items[_LEVEL_RIGHT] / LEVEL_SCALE,
            items[_LEVEL_COUNT],
        )

    def read_track_levels(self) -> list[float]:
        """The peak of each track's own audio (0..1+) over the last window, track 0 first;
        all 0 while nothing measures them (see ``read_levels``'s count)."""
        items = self._items[_TRACK_LEVELS_INDEX : _TRACK_LEVELS_INDEX + TRACK_LEVELS].tolist()
        return [value / LEVEL_SCALE for value in items]

    def level_addresses(self) -> tuple[int, int]:
        """Addresses of the output's level items (left, right, count) and of the track
        levels, for the C audio callback that writes them (engine.audio.group_mix)."""
        buf = None if self._shm is None else self._shm.buf
        if buf is None:
            raise ValueError("the position block is closed")
        view = ctypes.c_char.from_buffer(buf)  # an export of the block...
        base = ctypes.addressof(view)
        del view  # ...released at once, so the block can still close
        return base + 8 * _LEVEL_LEFT, base + 8 * _TRACK_LEVELS_INDEX

    def write_load(self, percent: float) -> None:
        self._items[_LOAD] = int(percent * LOAD_SCALE)

    def read_load(self) -> float:
        """FluidSynth's CPU load in percent of real time, as the engine last published it."""
        return self._items[_LOAD] / LOAD_SCALE

    def sequence(self) -> int:
        """The raw sequence number (tests use it to see that writes happened)."""
        return self._items[_SEQ_INDEX]

    # ------------------------------------------------------------------- lifetime

    def __del__(self):
        # A block dropped without close() (a crashed test, an engine killed mid-way)
        # must release its view first, or SharedMemory's own finaliser fails noisily.
        items = getattr(self, "_items", None)
        if items is not None:
            items.release()

    def close(self, unlink: bool | None = None) -> None:
        """Detach; the owner (the client) also removes the block unless told not to."""
        shm, self._shm = self._shm, None
        if shm is None:
            return
        self._items.release()  # the block cannot close while a view of it lives
        shm.close()
        if self._owner if unlink is None else unlink:
            try:
                shm.unlink()
            except FileNotFoundError:
                pass
