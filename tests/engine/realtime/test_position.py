"""The seqlock position counter: a writer in another process, readers that never see a
torn value."""

from __future__ import annotations

import multiprocessing
import os
import time

from engine.realtime.position import Position, PositionBlock

READS = 100_000
DISTINCT_VALUES = 100  # the reads overlapped this many writes at least
WRITE_PERIOD_S = 20e-6


def _consistent(p: Position) -> bool:
    """Every field of a stress-test position derives from one counter n = generation
    (n = 0 is the block's initial value, which a reader may still hold)."""
    n = p.generation
    return (
        p.frame == 2 * n
        and p.tick == 3 * n
        and p.us_per_quarter == 500_000 + 5 * n
        and p.playing == bool(n & 1)
        and p.loop_count == 7 * n
    )


def _writer(name: str, go, stop, result, cpu) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    block = PositionBlock.attach(name)
    go.set()
    n = 0
    start = time.perf_counter()
    due = start
    while not stop.is_set() or n == 0:
        # Bursts between checks of the stop flag (it costs a syscall); inside a burst,
        # one write every 20 us (50 kHz, five times the required rate).  Writing flat out
        # (~2 MHz) would only starve the reader, which the engine (a write every few
        # milliseconds) never does.
        for _ in range(100):
            n += 1
            block.write(Position(n, 2 * n, 3 * n, 500_000 + 5 * n, bool(n & 1), 7 * n))
            due += WRITE_PERIOD_S
            while time.perf_counter() < due:
                pass
    elapsed = time.perf_counter() - start
    block.close()
    result.send((n, start, start + elapsed))


def test_reads_never_torn_while_another_process_writes_fast():
    ctx = multiprocessing.get_context("spawn")
    block = PositionBlock.create()
    go, stop = ctx.Event(), ctx.Event()
    result_r, result_w = ctx.Pipe(duplex=False)
    # Reader and writer on different CPUs, so that they really run at the same time
    # even when the machine is busy (on one CPU they would only take turns).
    cpus = sorted(os.sched_getaffinity(0))
    own_affinity = set(cpus)
    writer_cpu = cpus[1] if len(cpus) > 1 else None
    writer = ctx.Process(
        target=_writer, args=(block.name, go, stop, result_w, writer_cpu), daemon=True
    )
    writer.start()
    if writer_cpu is not None:
        os.sched_setaffinity(0, {cpus[0]})
    try:
        assert go.wait(600), "the writer process did not start"
        while block.sequence() < 1000:  # the writer is really writing
            pass
        # Read until the writer has visibly moved on many times while being read: no
        # clock involved, so a busy machine only makes this take longer.
        torn, reads, generations = 0, 0, set()
        first_seq = block.sequence()
        while reads < READS or len(generations) < DISTINCT_VALUES:
            p = block.read()
            reads += 1
            if not _consistent(p):
                torn += 1
            generations.add(p.generation)
        last_seq = block.sequence()
        stop.set()
        writes, w_start, w_end = result_r.recv()
        writer.join(10)
    finally:
        os.sched_setaffinity(0, own_affinity)
        if writer.is_alive():
            writer.kill()
        block.close()
    print(
        f"seqlock: {writes} writes in {w_end - w_start:.3f} s, {reads} reads, "
        f"{len(generations)} distinct values seen"
    )
    assert torn == 0
    assert last_seq > first_seq and len(generations) >= DISTINCT_VALUES


def test_a_write_in_progress_is_never_returned():
    block = PositionBlock.create()
    try:
        block.write(Position(4, 8, 12, 500_000, True, 2))
        good = block.read()
        assert good == Position(4, 8, 12, 500_000, True, 2)
        # Freeze the block mid-write, as a writer killed between its two stores leaves it.
        seq = block.sequence()
        block._items[0] = seq + 1
        block._items[1:7] = memoryview(bytes(48)).cast("q")
        assert block.read() == good  # the last whole value, not the half-written one
        # The next writer (a restarted engine) recovers the sequence.
        block.write(Position(5, 10, 15, 400_000, False, 3))
        assert block.sequence() % 2 == 0
        assert block.read() == Position(5, 10, 15, 400_000, False, 3)
    finally:
        block.close()


def test_attached_reader_sees_the_writers_values_and_owner_unlinks():
    owner = PositionBlock.create()
    other = PositionBlock.attach(owner.name)
    owner.write(Position(1, 48_000, 960, 500_000, True, 0))
    assert other.read() == Position(1, 48_000, 960, 500_000, True, 0)
    other.close()
    name = owner.name
    owner.close()
    try:
        PositionBlock.attach(name)
    except FileNotFoundError:
        pass
    else:
        raise AssertionError("the owner's close() should have removed the block")
