"""Pickle size and dump/load time of a live-edit score message, packed notes vs note by note.

CLI process.  Every edit in the GUI pickles a ReplaceScoreCommand with the whole score
to the engine (engine/client.py's writer thread dumps it, the engine's command thread
loads it).  This builds random scores of the given sizes in two tracks and times
``pickle.dumps`` / ``pickle.loads`` of that command (best and median of --repeat runs)
the way Track pickles now (notes packed, engine/note_pack.py) and the way it did before
(every Note an object: the default dataclass reduction, reproduced with a dispatch
table), checking each copy loads equal to the original.

With --engine it also starts the real engine on a private dummy JACK server (48 kHz) and
records its output: the time from sending a note preview to hearing it, alone and right
behind a ReplaceScoreCommand of the --engine-notes score (the engine must load the score
first).  --old-pickle sends the scores object by object, as before, for comparison.
"""

from __future__ import annotations

import copyreg
import dataclasses
import gc
import io
import os
import pickle
import random
import statistics
import time
from typing import Any

from engine.core.protocol import commands as cmd
from engine.core.score import Note, Score, Track

PPQ = 480


def add_arguments(parser) -> None:
    parser.add_argument(
        "--notes",
        type=int,
        nargs="+",
        default=[1_000, 10_000, 100_000],
        help="score sizes in notes (default: 1000 10000 100000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=7, help="dumps/loads runs per size and way (default 7)"
    )
    parser.add_argument(
        "--engine",
        action="store_true",
        help="also time previews sent right behind a score to the real engine",
    )
    parser.add_argument(
        "--engine-notes",
        type=int,
        default=10_000,
        help="notes of the score sent before each preview (default 10000)",
    )
    parser.add_argument(
        "--trials",
        type=int,
        default=20,
        help="previews timed alone and behind a score, each (default 20)",
    )
    parser.add_argument("--period", type=int, default=256, help="JACK period in frames")
    parser.add_argument(
        "--old-pickle",
        action="store_true",
        help="send scores to the engine note by note, as before packing",
    )


def random_score(note_count: int, seed: int = 1) -> Score:
    """Two tracks of random notes, about eight per bar, as in a dense song."""
    rnd = random.Random(seed)
    bars = max(1, note_count // 28)
    tracks = []
    for index in range(2):
        count = note_count // 2 + (note_count % 2 if index == 0 else 0)
        notes = [
            Note(
                rnd.randrange(bars * 4 * PPQ),
                rnd.randrange(1, 2 * PPQ),
                rnd.randrange(21, 109),
                rnd.randrange(1, 128),
            )
            for _ in range(count)
        ]
        tracks.append(Track(name=f"Track {index + 1}", channel=index, notes=tuple(notes)))
    return Score(tracks=tuple(tracks), ppq=PPQ)


def _object_by_object(track: Track):
    # What object.__reduce_ex__ gives a slotted dataclass: its class and field values
    # (the list its generated __getstate__ returns).
    state = [getattr(track, f.name) for f in dataclasses.fields(track)]
    return copyreg.__newobj__, (Track,), state  # type: ignore[attr-defined]  # not in typeshed


def dumps_old(value) -> bytes:
    """Pickle ``value`` with Track reduced the default way (each Note its own object)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.DEFAULT_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, Track: _object_by_object}
    pickler.dump(value)
    return out.getvalue()


def dumps_new(value) -> bytes:
    # The protocol multiprocessing's Connection.send uses (ForkingPickler's default).
    return pickle.dumps(value, protocol=pickle.DEFAULT_PROTOCOL)


def _timed(function, argument, repeat: int) -> tuple[list[float], Any]:
    times: list[float] = []
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()  # every run starts from the same heap, not the last run's garbage
        start = time.perf_counter()
        result = function(argument)
        times.append((time.perf_counter() - start) * 1e3)
    return times, result


def measure(note_count: int, repeat: int) -> dict:
    """Size (bytes) and dumps/loads times (ms lists) of both ways for one score size."""
    command = cmd.ReplaceScoreCommand(random_score(note_count))
    pickle.loads(dumps_new(command))  # imports note_pack (and numpy) outside the timing
    figures = {}
    for way, dumps in (("old", dumps_old), ("new", dumps_new)):
        dump_ms, data = _timed(dumps, command, repeat)
        load_ms, copy = _timed(pickle.loads, data, repeat)
        if copy != command:
            raise AssertionError(f"the {way} pickle of {note_count} notes loads different")
        figures[way] = {"bytes": len(data), "dumps": dump_ms, "loads": load_ms}
    return figures


def _ms(times: list[float]) -> str:
    return f"{min(times):7.2f} {statistics.median(times):7.2f}"


def run(args) -> int:
    if args.repeat < 1 or any(n < 0 for n in args.notes):
        raise SystemExit("pianola bench transfer: --repeat must be at least 1, --notes at least 0")
    print("ReplaceScoreCommand pickled as multiprocessing sends it; times in ms (best median)")
    print(f"{'notes':>7} {'way':>4} {'bytes':>9} {'dumps best med':>15} {'loads best med':>15}")
    for note_count in args.notes:
        figures = measure(note_count, args.repeat)
        for way in ("old", "new"):
            f = figures[way]
            print(f"{note_count:>7} {way:>4} {f['bytes']:>9} {_ms(f['dumps'])} {_ms(f['loads'])}")
        old, new = figures["old"], figures["new"]

        def ratio(key, new=new, old=old):
            return statistics.median(new[key]) / statistics.median(old[key])

        print(
            f"{note_count:>7} new/old: size {new['bytes'] / old['bytes']:.2f}, "
            f"dumps {ratio('dumps'):.2f}, loads {ratio('loads'):.2f}"
        )
    if args.engine:
        preview_latency(args)
    return 0


def preview_latency(args) -> None:
    """Send -> heard of a preview note-on, alone and right behind a live-edit score."""
    from multiprocessing.reduction import ForkingPickler

    from engine.bench.timing import ENGINE_PORTS, engine_settings
    from engine.core import edits
    from engine.files.soundfonts import BUNDLED_SOUNDFONT
    from engine.measure.capture import Recorder
    from engine.measure.drum_timing import SAMPLE_RATE
    from engine.measure.jackserver import DummyJackServer
    from engine.measure.onsets import find_onsets
    from engine.realtime.client import EngineClient

    if args.old_pickle:  # this process's pipe sends only: the engine loads what it gets
        ForkingPickler.register(Track, _object_by_object)
    server = DummyJackServer(
        f"pianola-bench-transfer-{os.getpid()}",
        sample_rate=SAMPLE_RATE,
        period_frames=args.period,
        realtime=True,
    ).start()
    client = EngineClient(engine_settings(server.name, args.period, BUNDLED_SOUNDFONT))
    delays: dict[str, list[float]] = {"alone": [], "behind a score": []}
    try:
        client.start()
        client.wait_ready(20)
        score = random_score(args.engine_notes)
        client.load_score(score)
        time.sleep(1.0)  # the first load is not what is timed
        for k in range(2 * args.trials):
            behind = k % 2 == 1
            if behind:  # a small edit, as a drag step or a click makes
                score, _ = edits.add_notes(score, 0, [Note(k * PPQ, PPQ, 40)])
            with Recorder(ENGINE_PORTS, channels=2, server_name=server.name, max_seconds=2) as rec:
                rec.start()
                time.sleep(0.1)
                sent_frame = rec.frame_time_now()
                if behind:
                    client.replace_score(score)
                client.preview_on(0, 72, 100)
                time.sleep(0.3)
                client.preview_off(0, 72)
                recording = rec.stop()
            client.poll_events()
            mag = recording.magnitude()
            frames = recording.jack_frames(
                find_onsets(mag, max(1e-3, float(mag.max()) * 0.1), 4800)
            )
            later = frames[frames >= sent_frame - args.period]
            if len(later):
                delays["behind a score" if behind else "alone"].append(
                    (int(later[0]) - sent_frame) * 1e3 / SAMPLE_RATE
                )
            time.sleep(0.2)  # the blip ends before the next one
    finally:
        client.close()
        server.stop()
    way = "note by note (--old-pickle)" if args.old_pickle else "packed notes"
    print(
        f"preview send -> heard, engine on JACK period {args.period}, "
        f"{args.engine_notes}-note score {way}:"
    )
    for case, found in delays.items():
        if found:
            print(
                f"  {case:<15} median {statistics.median(found):5.1f} ms  worst "
                f"{max(found):5.1f} ms  ({len(found)}/{args.trials} heard)  each: "
                + " ".join(f"{d:.1f}" for d in found)
            )
        else:
            print(f"  {case:<15} no onset heard")
