"""`pianola render FILE -o OUT.wav`: render a song offline to a WAV file (CLI process).

A render past a plain WAV file's 4 GiB (6 h 12 min at 48 kHz) is written as RF64, WAV's
64-bit form, and the summary line says so.

Reads a .pianola project or a .mid file and renders it through the same scheduler the
engine plays with (see ``engine.realtime.offline_render``).  A progress bar is drawn on stderr only when
stderr is a terminal, so scripts and logs get one summary line.  FluidSynth's own messages
go to the library log (``pianola doctor`` names it), not to the terminal.

SIGTERM and SIGHUP stop a render as Ctrl-C does: the temporary file is removed and no
output is left.
"""

from __future__ import annotations

import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from engine.commands import steps_option
from engine.core.errors import FileWriteError
from engine.core.timing import bpm_to_us_per_quarter
from engine.files.song_files import PROJECT_FIRST, read_song

DEFAULT_MAX_MINUTES = 60

BAR_WIDTH = 30
RF64_NOTE = " It is an RF64 file: WAV's 64-bit form, for audio past a plain WAV's 4 GiB."


def add_arguments(parser) -> None:
    steps_option.positional_input(parser, "render")
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT.wav",
        required=True,
        help="the WAV file to write (16-bit stereo; RF64, WAV's 64-bit form, past 4 GiB)",
    )
    parser.add_argument(
        "--sample-rate",
        type=int,
        default=48000,
        metavar="R",
        help="sample rate in Hz (default 48000)",
    )
    parser.add_argument(
        "--soundfont",
        metavar="SF2",
        help="the SoundFont to play with (default: as `pianola doctor` shows)",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=DEFAULT_MAX_MINUTES,
        metavar="M",
        help=f"refuse songs longer than M minutes (default {DEFAULT_MAX_MINUTES}; 0: no limit)",
    )
    steps_option.add_arguments(parser, tempo=True)


def _progress_bar(stream):
    def show(fraction: float) -> None:
        done = int(fraction * BAR_WIDTH)
        stream.write(f"\rRendering [{'#' * done}{'.' * (BAR_WIDTH - done)}] {fraction:4.0%}")
        stream.flush()

    return show


class RenderStopped(BaseException):
    """A SIGTERM or SIGHUP arrived: unwinds like KeyboardInterrupt, removing temp files."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _stopped_by_signals():
    def stop(signum, frame):
        raise RenderStopped(signum)

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def run(args) -> int:
    try:
        with _stopped_by_signals():
            return _render(args)
    except RenderStopped as stopped:
        print(
            f"pianola: stopped by {signal.Signals(stopped.signum).name}; "
            f"{args.output} was not written.",
            file=sys.stderr,
        )
        return 128 + stopped.signum


def _render(args) -> int:
    from engine.audio.library_log import quiet_fluidsynth, route_library_output
    from engine.core.audio_settings import AudioSettings
    from engine.files.soundfonts import choose_soundfont
    from engine.realtime.offline_render import render_score

    source = Path(args.input) if args.input is not None else None
    target = Path(args.output)
    if not args.max_minutes >= 0:
        raise FileWriteError(target, f"--max-minutes must be 0 or more, not {args.max_minutes:g}")
    if target.suffix.lower() != ".wav":
        raise FileWriteError(target, "the output must be a .wav file")
    if not target.parent.is_dir():
        raise FileWriteError(target, f"the folder {target.parent} does not exist")
    if steps_option.steps_only(args):
        score = steps_option.steps_song(args)
    else:
        score = steps_option.with_steps(read_song(source, "renders", PROJECT_FIRST), args)
        if args.tempo is not None:  # the song's first tempo, as `pianola play --tempo` sets it
            us = bpm_to_us_per_quarter(args.tempo)
            score = replace(score, tempo_map=score.tempo_map.with_change(0, us))
    choice = choose_soundfont(args.soundfont)
    # validates the rate with a one-sentence error (AudioSettings names the field)
    try:
        settings = AudioSettings(driver="file", sample_rate=args.sample_rate)
    except ValueError as exc:
        raise FileWriteError(target, str(exc)) from None
    route_library_output("pianola render")
    quiet_fluidsynth()
    progress = _progress_bar(sys.stderr) if sys.stderr.isatty() else None
    started = time.perf_counter()
    result = render_score(
        score,
        target,
        choice.path,
        sample_rate=args.sample_rate,
        settings=settings,
        progress=progress,
        max_seconds=args.max_minutes * 60 or None,
        lift_hint="; --max-minutes lifts it",
    )
    elapsed = time.perf_counter() - started
    if progress is not None:
        sys.stderr.write("\n")
    print(
        f"Wrote {target}: {result.seconds:.1f} s at {result.sample_rate} Hz "
        f"({result.seconds / max(elapsed, 1e-9):.0f}x real time, SoundFont {choice.path.name})."
        + (RF64_NOTE if result.container == "RF64" else "")
    )
    return 0
