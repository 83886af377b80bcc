"""`pianola bench model`: MIDI import of 100 000 notes and range queries on 10 000 (CLI process).

Writes a type 1 MIDI file with mido in a temporary folder (chords and runs on 16 channels,
so notes overlap as in real music), times ``import_midi`` on it (target <= 2 s), then times
``Track.notes_in_range`` and ``Track.note_at`` on a 10 000-note track over many random
windows the size of a screen of piano roll (target <= 1 ms), checking every answer
against the naive linear scan and printing how much faster the index is.  Last, the cost
of one drag step (``move_notes`` of 20 notes in that track), for the piano roll's sake.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

import mido

from engine.core.edits import move_notes
from engine.core.score import Note, Score, Track
from engine.files.midifile import import_midi

IMPORT_TARGET_S = 2.0
QUERY_TARGET_MS = 1.0
PPQ = 480


def add_arguments(parser) -> None:
    parser.add_argument(
        "--notes",
        type=int,
        default=100_000,
        help="notes in the generated MIDI file (default 100000)",
    )
    parser.add_argument(
        "--imports", type=int, default=3, help="how many times to import it (default 3)"
    )
    parser.add_argument(
        "--track-notes", type=int, default=10_000, help="notes in the track queried (default 10000)"
    )
    parser.add_argument(
        "--queries", type=int, default=2000, help="random windows queried (default 2000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")


def random_notes(count: int, rng: random.Random, channels: int = 1):
    """(channel, start_tick, length_ticks, pitch, velocity) of ``count`` musical-ish notes."""
    notes: list[tuple[int, int, int, int, int]] = []
    tick = 0
    while len(notes) < count:
        tick += rng.choice((0, 0, 120, 240, 240, 480))  # chords, then steps forward
        channel = rng.randrange(channels)
        notes.append(
            (
                channel,
                tick,
                rng.choice((60, 120, 240, 480, 960, 1920)),
                rng.randrange(24, 100),
                rng.randrange(40, 127),
            )
        )
    return notes


def write_midi(path: Path, notes, channels: int) -> None:
    """A type 1 file, one track per channel, written by mido itself (not by Pianola)."""
    mid = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    conductor = mido.MidiTrack(
        [
            mido.MetaMessage("set_tempo", tempo=500_000),
            mido.MetaMessage("time_signature", numerator=4, denominator=4),
        ]
    )
    mid.tracks.append(conductor)
    for channel in range(channels):
        events = []
        for ch, start, length, pitch, velocity in notes:
            if ch == channel:
                events.append((start + length, 0, pitch, 0))
                events.append((start, 1, pitch, velocity))
        events.sort()
        track = mido.MidiTrack([mido.MetaMessage("track_name", name=f"Part {channel + 1}")])
        last = 0
        for tick, _, pitch, velocity in events:
            track.append(
                mido.Message(
                    "note_on", channel=channel, note=pitch, velocity=velocity, time=tick - last
                )
            )
            last = tick
        mid.tracks.append(track)
    mid.save(path)


def bench_import(args, rng) -> bool:
    channels = 16
    notes = random_notes(args.notes, rng, channels)
    with tempfile.TemporaryDirectory(prefix="pianola-bench-") as folder:
        path = Path(folder) / "big.mid"
        write_midi(path, notes, channels)
        size_kb = path.stat().st_size / 1024
        times = []
        for _ in range(args.imports):
            t0 = time.perf_counter()
            score = import_midi(path)
            times.append(time.perf_counter() - t0)
    if score.note_count != args.notes:
        print(f"ERROR: imported {score.note_count} notes, expected {args.notes}")
        return False
    ok = max(times) <= IMPORT_TARGET_S
    print(
        f"import_midi of {args.notes} notes in {len(score.tracks)} tracks "
        f"({size_kb:.0f} KiB): median {statistics.median(times):.3f} s, "
        f"worst {max(times):.3f} s over {len(times)} runs "
        f"(target <= {IMPORT_TARGET_S:g} s: {'met' if ok else 'MISSED'})"
    )
    return ok


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_queries(args, rng) -> bool:
    raw = random_notes(args.track_notes, rng)
    track = Track(notes=tuple(Note(s, n, p, v) for _, s, n, p, v in raw))
    end = track.end_tick
    fast, naive, at_times = [], [], []
    for _ in range(args.queries):
        width = rng.choice((1920, 7680, 15360, 30720))  # 1 to 16 bars of 4/4 on screen
        start = rng.randrange(0, end)
        t0 = time.perf_counter_ns()
        got = track.notes_in_range(start, start + width)
        t1 = time.perf_counter_ns()
        want = [n for n in track.notes if n.start_tick < start + width and n.end_tick > start]
        t2 = time.perf_counter_ns()
        if got != want:
            print(f"ERROR: notes_in_range({start}, {start + width}) disagrees with a full scan")
            return False
        fast.append((t1 - t0) / 1e6)
        naive.append((t2 - t1) / 1e6)
        pitch = rng.randrange(24, 100)
        t0 = time.perf_counter_ns()
        track.note_at(start, pitch)
        at_times.append((time.perf_counter_ns() - t0) / 1e6)
    ok = max(fast) <= QUERY_TARGET_MS and max(at_times) <= QUERY_TARGET_MS
    print(
        f"notes_in_range on {len(track.notes)} notes, {args.queries} random windows of "
        f"1-16 bars: median {statistics.median(fast):.4f} ms, 99th percentile "
        f"{_percentile(fast, 0.99):.4f} ms, worst {max(fast):.4f} ms "
        f"(target <= {QUERY_TARGET_MS:g} ms: {'met' if ok else 'MISSED'})"
    )
    print(
        f"note_at (hit test): median {statistics.median(at_times):.4f} ms, "
        f"worst {max(at_times):.4f} ms"
    )
    speedup = statistics.median(naive) / statistics.median(fast)
    print(
        f"naive linear scan: median {statistics.median(naive):.3f} ms, worst "
        f"{max(naive):.3f} ms; the index is {speedup:.0f}x faster at the median"
    )
    return ok


def bench_edits(args, rng) -> None:
    """One mouse-move step of a drag: move a 20-note selection in a big track."""
    raw = random_notes(args.track_notes, rng)
    score = Score(tracks=(Track(notes=tuple(Note(s, n, p, v) for _, s, n, p, v in raw)),))
    notes = score.tracks[0].notes
    times = []
    for _ in range(200):
        first = rng.randrange(0, len(notes) - 20)
        t0 = time.perf_counter_ns()
        move_notes(score, 0, notes[first : first + 20], rng.randrange(-480, 480), 1)
        times.append((time.perf_counter_ns() - t0) / 1e6)
    print(
        f"move_notes of 20 notes in a {len(notes)}-note track (one drag step): median "
        f"{statistics.median(times):.2f} ms, worst {max(times):.2f} ms"
    )


def run(args) -> int:
    rng = random.Random(args.seed)
    print("Score model benchmark (figures depend on machine load; rerun to compare)")
    ok_import = bench_import(args, rng)
    ok_query = bench_queries(args, rng)
    bench_edits(args, rng)
    return 0 if ok_import and ok_query else 1
