"""`pianola bench render_speed`: offline render speed as a real-time factor (CLI process).

Renders the demo song (or, with ``--tracks N``, a generated N-track song of busy
sixteenths, chords and drums) through the real scheduler and FluidSynth into a WAV file
in a temporary folder, and prints audio seconds per wall-clock second.  Target: 50x.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from engine.core.score import Note, Score, Track
from engine.core.timing import TempoMap

TARGET_FACTOR = 50.0
# General MIDI programs the bundled SoundFont has (piano, organ, plucks, basses, leads, pads)
MELODIC_PROGRAMS = (0, 1, 16, 19, 24, 25, 33, 38, 45, 80, 88, 89)


def add_arguments(parser) -> None:
    parser.add_argument(
        "--tracks",
        type=int,
        default=0,
        metavar="N",
        help="render a generated N-track song instead of the demo song",
    )
    parser.add_argument("--bars", type=int, default=32, help="bars of the generated song")
    parser.add_argument("--repeat", type=int, default=3, help="renders to time (best is kept)")
    parser.add_argument("--soundfont", default=None, help="SoundFont (default: the bundled one)")
    parser.add_argument("--sample-rate", type=int, default=48000)


def generated_song(tracks: int, bars: int, ppq: int = 480) -> Score:
    """A dense song: track 0 drums in sixteenths, the rest melodic lines and chords."""
    bar = 4 * ppq
    sixteenth = ppq // 4
    made = []
    for index in range(tracks):
        if index == 0:
            notes = [
                Note(i * sixteenth, sixteenth // 2, (36, 42, 38, 42)[i % 4], 100)
                for i in range(bars * 16)
            ]
            made.append(Track("Drums", is_drum=True, notes=tuple(notes)))
            continue
        step = sixteenth * (1 + index % 4)
        notes = []
        for i in range(bars * bar // step):
            pitch = 36 + (index * 7 + i * 5) % 48
            notes.append(Note(i * step, step, pitch, 60 + (i * 13) % 60))
            if index % 3 == 0:  # chords
                notes.append(Note(i * step, step, pitch + 4, 70))
                notes.append(Note(i * step, step, pitch + 7, 70))
        program = MELODIC_PROGRAMS[index % len(MELODIC_PROGRAMS)]
        made.append(Track(f"Part {index}", program=program, notes=tuple(notes)))
    return Score(tuple(made), ppq=ppq, tempo_map=TempoMap.constant(120), title="bench")


def _demo_song() -> tuple[Score, str]:
    try:
        from engine.assetgen.demo_song import build_demo_score
    except ImportError:
        return generated_song(16, 32), "generated 16-track song (no demo song in this build)"
    return build_demo_score(), "the demo song"


def run(args) -> int:
    from engine.files.soundfonts import BUNDLED_SOUNDFONT
    from engine.realtime.offline_render import render_score

    if args.tracks:
        score, what = generated_song(args.tracks, args.bars), f"generated {args.tracks}-track song"
    else:
        score, what = _demo_song()
    soundfont = Path(args.soundfont) if args.soundfont else BUNDLED_SOUNDFONT
    best = float("inf")
    with tempfile.TemporaryDirectory(prefix="pianola-bench-") as folder:
        for _ in range(max(1, args.repeat)):
            started = time.perf_counter()
            result = render_score(
                score, Path(folder, "bench.wav"), soundfont, sample_rate=args.sample_rate
            )
            elapsed = time.perf_counter() - started
            best = min(best, elapsed)
    factor = result.seconds / best
    print(
        f"Offline render of {what}: {len(score.tracks)} tracks, {score.note_count} notes, "
        f"{result.seconds:.1f} s of audio at {result.sample_rate} Hz, SoundFont {soundfont.name}"
    )
    print(
        f"  best of {max(1, args.repeat)}: {best:.2f} s wall clock = "
        f"{factor:.1f}x real time (target {TARGET_FACTOR:.0f}x: "
        f"{'met' if factor >= TARGET_FACTOR else 'NOT met'})"
    )
    return 0
