"""`pianola bench seqlock`: the position counter under a fast writer in another process (benchmark main thread).

A writer process writes the shared position block flat out (or every ``--write-us``
microseconds) while this process reads it as fast as it can, reader and writer pinned
to different CPUs where there are two.  Prints the write and read rates, the number
of distinct values the reader saw, and the number of torn values (must be 0).
The engine writes every few milliseconds and the window reads ~60 times a second, so
both rates here are thousands of times what Pianola needs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

from engine.realtime.position import Position, PositionBlock


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=5.0, help="how long (default 5)")
    parser.add_argument(
        "--write-us",
        type=float,
        default=20.0,
        help="microseconds between writes (default 20; 0: flat out)",
    )


def consistent(p: Position) -> bool:
    """Every field of a benchmark position derives from one counter n = generation."""
    n = p.generation
    return (
        p.frame == 2 * n
        and p.tick == 3 * n
        and p.us_per_quarter == 500_000 + 5 * n
        and p.playing == bool(n & 1)
        and p.loop_count == 7 * n
    )


def _writer(name: str, seconds: float, period_s: float, cpu, result) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    block = PositionBlock.attach(name)
    n = 0
    start = due = now = time.perf_counter()
    end = start + seconds
    while (now := time.perf_counter()) < end:
        n += 1
        block.write(Position(n, 2 * n, 3 * n, 500_000 + 5 * n, bool(n & 1), 7 * n))
        if period_s:
            due += period_s
            while time.perf_counter() < due:
                pass
    block.close()
    result.send((n, now - start))


def run(args) -> int:
    ctx = multiprocessing.get_context("spawn")
    block = PositionBlock.create()
    result_r, result_w = ctx.Pipe(duplex=False)
    cpus = sorted(os.sched_getaffinity(0))
    own = set(cpus)
    writer_cpu = cpus[1] if len(cpus) > 1 else None
    writer = ctx.Process(
        target=_writer,
        args=(block.name, args.seconds, args.write_us / 1e6, writer_cpu, result_w),
        daemon=True,
    )
    writer.start()
    if writer_cpu is not None:
        os.sched_setaffinity(0, {cpus[0]})
    reads = torn = 0
    values = set()
    try:
        while block.sequence() == 0:  # the writer has started
            pass
        start = time.perf_counter()
        while writer.is_alive() and not result_r.poll():
            p = block.read()
            reads += 1
            if p.generation and not consistent(p):
                torn += 1
            values.add(p.generation)
        elapsed = time.perf_counter() - start
        writes, write_s = result_r.recv()
        writer.join(10)
    finally:
        os.sched_setaffinity(0, own)
        if writer.is_alive():
            writer.kill()
        block.close()
    print(
        f"{os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)"
    )
    print(
        f"writes: {writes} in {write_s:.2f} s ({writes / write_s / 1000:.0f} kHz); "
        f"reads: {reads} in {elapsed:.2f} s ({reads / elapsed / 1000:.0f} kHz); "
        f"distinct values seen {len(values)}; torn values {torn}"
    )
    return 1 if torn else 0
