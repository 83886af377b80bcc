"""`pianola render FILE -o OUT.wav`: render a song offline to a WAV file (CLI process).

Reads a .pianola project or a .mid file and renders it through the same scheduler the
engine plays with (see ``engine.realtime.offline_render``).  A progress bar is drawn on stderr only when
stderr is a terminal, so scripts and logs get one summary line.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from engine.core.errors import FileWriteError
from engine.files.song_files import PROJECT_FIRST, read_song

BAR_WIDTH = 30


def add_arguments(parser) -> None:
    parser.add_argument("input", metavar="FILE", help="the song to render (.pianola, .mid)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT.wav",
        required=True,
        help="the WAV file to write (16-bit stereo)",
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


def _progress_bar(stream):
    def show(fraction: float) -> None:
        done = int(fraction * BAR_WIDTH)
        stream.write(f"\rRendering [{'#' * done}{'.' * (BAR_WIDTH - done)}] {fraction:4.0%}")
        stream.flush()

    return show


def run(args) -> int:
    from engine.core.audio_settings import AudioSettings
    from engine.files.soundfonts import choose_soundfont
    from engine.realtime.offline_render import render_score

    source, target = Path(args.input), Path(args.output)
    if target.suffix.lower() != ".wav":
        raise FileWriteError(target, "the output must be a .wav file")
    if not target.parent.is_dir():
        raise FileWriteError(target, f"the folder {target.parent} does not exist")
    score = read_song(source, "renders", PROJECT_FIRST)
    choice = choose_soundfont(args.soundfont)
    # validates the rate with a one-sentence error (AudioSettings names the field)
    try:
        settings = AudioSettings(driver="file", sample_rate=args.sample_rate)
    except ValueError as exc:
        raise FileWriteError(target, str(exc)) from None
    progress = _progress_bar(sys.stderr) if sys.stderr.isatty() else None
    started = time.perf_counter()
    result = render_score(
        score,
        target,
        choice.path,
        sample_rate=args.sample_rate,
        settings=settings,
        progress=progress,
    )
    elapsed = time.perf_counter() - started
    if progress is not None:
        sys.stderr.write("\n")
    print(
        f"Wrote {target}: {result.seconds:.1f} s at {result.sample_rate} Hz "
        f"({result.seconds / max(elapsed, 1e-9):.0f}x real time, SoundFont {choice.path.name})."
    )
    return 0
