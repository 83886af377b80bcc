"""Quick patterns from the command line: ``--steps LANE=PATTERN`` for `pianola play` and
`pianola render` (CLI main thread).

``pianola play --steps kick=x...x...x...x... --steps closed-hat=E(5,8) --tempo 120 --loop``
sketches a beat with no file: the lanes make one pattern on a drum track.  With a song
file, the pattern goes on a new drum track of that song, repeated over its length.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import overload

from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.generators import parse_lane_spec
from engine.core.gm_drums import DRUM_SHORT_NAMES, drum_key
from engine.core.pattern import MAX_REPEATS, STEP_SIZES, Lane, Pattern, new_id
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Score, Track
from engine.core.timing import MAX_BPM, MIN_BPM, TempoMap

STEPS_TRACK_NAME = "Steps"


def add_arguments(parser, *, tempo: bool) -> None:
    """The --steps, --step-size, --repeats (and, if the command has none, --tempo) options."""
    names = ", ".join(DRUM_SHORT_NAMES)
    parser.add_argument(
        "--steps",
        action="append",
        default=[],
        metavar="LANE=PATTERN",
        help="a lane of a quick pattern (repeatable; FILE may then be left out). LANE: a "
        f"drum sound ({names}) or a MIDI key number. PATTERN: one character per step, "
        "'x' a hit, 'X' an accent, '.' a rest; or E(k,n) / E(k,n,r), k hits spread over "
        "n steps rotated r steps right",
    )
    parser.add_argument(
        "--step-size",
        default="1/16",
        metavar="SIZE",
        help=f"the length of a step of --steps: {', '.join(STEP_SIZES)} (default 1/16)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        metavar="N",
        help="passes of the --steps pattern (default: 1, or as many as the song lasts)",
    )
    if tempo:
        parser.add_argument(
            "--tempo",
            type=float,
            metavar="BPM",
            help="play at this tempo instead of the song's own",
        )


def lane_from_option(text: str) -> Lane:
    """``kick=x..X`` -> a lane; ScoreError with one sentence naming what is wrong."""
    name, sep, spec = text.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise ScoreError(f'--steps "{text}" must be LANE=PATTERN, such as kick=x...x...')
    try:
        key = drum_key(name)
    except ValueError as exc:
        raise ScoreError(f'--steps "{text}": {exc}') from None
    try:
        steps = parse_lane_spec(spec)
    except ScoreError as exc:
        raise ScoreError(f'--steps "{text}": {exc}') from None
    return Lane(new_id("l"), key, steps)


def steps_pattern(options, step_size: str) -> Pattern:
    """The pattern of the --steps options: as long as its longest lane (shorter lanes run
    as polymeter)."""
    if step_size not in STEP_SIZES:
        raise ScoreError(f"--step-size must be one of {', '.join(STEP_SIZES)}, not {step_size!r}")
    lanes = tuple(lane_from_option(text) for text in options)
    length = max(lane.length_steps for lane in lanes)
    return Pattern(new_id("p"), "Steps", length, step_size, 50, lanes)


@overload
def with_steps(score: Score, args) -> Score: ...


@overload
def with_steps(score: None, args) -> Score | None: ...


def with_steps(score: Score | None, args) -> Score | None:
    """``score`` (None: a new song) with the --steps pattern placed on a new drum track,
    and --tempo applied to the song itself when there is no other way to set it; without
    --steps, ``score`` as it is."""
    tempo = getattr(args, "tempo", None)
    if args.repeats is not None and not 1 <= args.repeats <= MAX_REPEATS:
        raise ScoreError(f"--repeats must be from 1 to {MAX_REPEATS}, not {args.repeats}")
    if not args.steps:
        return score
    pattern = steps_pattern(args.steps, args.step_size)
    if score is None:
        if tempo is not None and not MIN_BPM <= tempo <= MAX_BPM:
            raise ScoreError(f"--tempo must be from {MIN_BPM:g} to {MAX_BPM:g} BPM, not {tempo:g}")
        score = Score(tempo_map=TempoMap.constant(tempo or 120.0), title=STEPS_TRACK_NAME)
    drums = Track(STEPS_TRACK_NAME, channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True)
    score = replace(score, tracks=score.tracks + (drums,))
    score = pe.add_pattern(score, pattern)
    repeats = args.repeats
    if repeats is None:
        pass_ticks = pattern.pass_ticks(score.ppq)
        repeats = max(1, min(MAX_REPEATS, -(-score.end_tick // pass_ticks)))
    score, _ = pe.place_pattern(score, pattern.id, len(score.tracks) - 1, 0, repeats)
    return score


def steps_song(args) -> Score:
    """A new song holding only the --steps pattern (the command gave no song file)."""
    score = with_steps(None, args)
    if score is None:
        raise ScoreError("--steps needs at least one lane, e.g. --steps kick=x...x...")
    return score


def steps_only(args) -> bool:
    """No song file, only --steps."""
    if args.input is None and not args.steps:
        raise ScoreError("give a song FILE, or a beat with --steps LANE=PATTERN")
    return args.input is None


def positional_input(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "input",
        metavar="FILE",
        nargs="?",
        help=f"the song to {verb} (.pianola, .mid); may be left out with --steps",
    )
