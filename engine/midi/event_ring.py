"""A single-producer, single-consumer ring of timestamped MIDI events in shared memory
(producer: the engine's scheduler thread; consumer: the JACK MIDI helper's process
callback, or the other way round for input).

The frame-accurate JACK MIDI writer runs in a process of its own so that its JACK
process callback never waits for a GIL held by the engine's Python threads.  The two
processes share one block: a header of counters and a ring of fixed-size entries.  The
producer writes an entry and then advances ``write_count``; the consumer reads entries up
to the count it saw and then advances ``read_count``.  Neither ever waits for the other:
a full ring refuses the event (counted in ``dropped``) instead of blocking.

An entry is four int64 items: the frame (JACK frame time, unwrapped to 64 bits), a tag
(for withdrawal), the kind and length, and up to eight data bytes.  ``CANCEL_TAG`` and
``CANCEL_ALL`` entries withdraw events not yet written; ``RELEASE`` asks the consumer to
end every note it started (used when playback stops or the engine goes away).  On the
input ring a ``GAP`` entry (frame: the cycle expected, tag: the cycle run) says the helper
was not run in the cycles between: what arrived in them was lost or is stamped late.

Ordering: each item is copied with one 8-byte store (``memoryview.cast("q")``), in
program order; on x86-64 (total store order) a consumer that sees the new count also
sees the entries before it.
"""

from __future__ import annotations

from multiprocessing import resource_tracker, shared_memory

EVENT, CANCEL_TAG, CANCEL_ALL, RELEASE, GAP = 1, 2, 3, 4, 5
MAX_EVENT_BYTES = 8  # channel messages, clock, song position; no system exclusive
ENTRY_ITEMS = 4
HEADER_ITEMS = 16

# Header items (int64).
WRITE_COUNT = 0  # entries written by the producer
READ_COUNT = 1  # entries taken by the consumer
CYCLE_FRAME = 2  # JACK frame time of the latest process cycle's first frame (unwrapped)
CYCLE_FRAMES = 3  # frames in that cycle
LATE = 4  # events written after their frame (at offset 0 of a later cycle)
WORST_LATE = 5  # the latest of them, in frames
CYCLES = 6  # process cycles run (the consumer's heartbeat)
STATE = 7  # consumer: 0 starting, 1 running, 2 ended
CYCLE_NS = 8  # the monotonic clock when the helper was woken for that cycle
WRITTEN = 9  # events written to the port
DROPPED = 10  # events refused because the ring was full
GAPS = 11  # cycles that did not follow the one before (missed by the helper)

STARTING, RUNNING, ENDED = 0, 1, 2


def pack_data(data: bytes) -> int:
    return int.from_bytes(data.ljust(MAX_EVENT_BYTES, b"\0"), "little", signed=True)


def unpack_data(value: int, length: int) -> bytes:
    return value.to_bytes(MAX_EVENT_BYTES, "little", signed=True)[:length]


class EventRing:
    """The shared block: ``create(capacity)`` by the owner, ``attach(name)`` by the other."""

    def __init__(self, shm: shared_memory.SharedMemory, owner: bool):
        if shm.buf is None:
            raise ValueError("the event ring's shared block is closed")
        self._shm: shared_memory.SharedMemory | None = shm
        self._name = shm.name
        self._owner = owner
        self.items = shm.buf.cast("q")
        self.capacity = (len(self.items) - HEADER_ITEMS) // ENTRY_ITEMS
        self._write = self.items[WRITE_COUNT]
        self._read = self.items[READ_COUNT]

    @classmethod
    def create(cls, capacity: int = 4096) -> EventRing:
        if capacity < 2:
            raise ValueError(f"an event ring needs room for 2 events at least, not {capacity}")
        size = 8 * (HEADER_ITEMS + ENTRY_ITEMS * capacity)
        shm = shared_memory.SharedMemory(create=True, size=size)
        ring = cls(shm, owner=True)
        ring.items[:] = memoryview(bytes(size)).cast("q")  # from all zeros
        ring._write = ring._read = 0
        return ring

    @classmethod
    def attach(cls, name: str) -> EventRing:
        shm = shared_memory.SharedMemory(name=name)
        # The owner removes the block; without this the attaching process's resource
        # tracker would remove it too when this process ends (Python < 3.13).
        try:
            resource_tracker.unregister(shm._name, "shared_memory")  # type: ignore[attr-defined]
        except (AttributeError, KeyError):
            pass
        return cls(shm, owner=False)

    @property
    def name(self) -> str:
        return self._name

    # --- producer ----------------------------------------------------------------------
    def put(self, kind: int, frame: int = 0, tag: int = 0, data: bytes = b"") -> bool:
        """Append one entry; False (and ``dropped`` counted) when the ring is full."""
        if len(data) > MAX_EVENT_BYTES:
            raise ValueError(f"a timed MIDI event holds at most {MAX_EVENT_BYTES} bytes")
        items = self.items
        if self._write - items[READ_COUNT] >= self.capacity:
            items[DROPPED] += 1
            return False
        base = HEADER_ITEMS + (self._write % self.capacity) * ENTRY_ITEMS
        items[base] = frame
        items[base + 1] = tag
        items[base + 2] = kind | (len(data) << 8)
        items[base + 3] = pack_data(data)
        self._write += 1
        items[WRITE_COUNT] = self._write  # after the entry: the consumer sees it whole
        return True

    # --- consumer ----------------------------------------------------------------------
    def take(self) -> list[tuple[int, int, int, bytes]]:
        """Every entry written since the last call, as (kind, frame, tag, data)."""
        items = self.items
        end = items[WRITE_COUNT]
        out = []
        while self._read < end:
            base = HEADER_ITEMS + (self._read % self.capacity) * ENTRY_ITEMS
            meta = items[base + 2]
            out.append(
                (meta & 0xFF, items[base], items[base + 1], unpack_data(items[base + 3], meta >> 8))
            )
            self._read += 1
        items[READ_COUNT] = self._read
        return out

    # --- lifetime ----------------------------------------------------------------------
    def __del__(self):
        items = getattr(self, "items", None)
        if items is not None:
            items.release()

    def close(self) -> None:
        shm, self._shm = self._shm, None
        if shm is None:
            return
        self.items.release()  # a second release (in __del__) does nothing
        shm.close()
        if self._owner:
            try:
                shm.unlink()
            except FileNotFoundError:
                pass
