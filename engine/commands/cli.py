"""The `pianola` command line (runs in the main thread of a short-lived process).

``pianola [FILE]`` opens the GUI (on FILE, or on an empty song); ``pianola SUBCOMMAND ...``
runs one of the subcommands in ``engine.commands``.  Each subcommand module is imported
only when used, so `pianola convert` never loads Tk or FluidSynth.

Every ``PianolaError`` ends the command with its one-sentence message on stderr and exit
status 1; usage errors exit with 2 as argparse does.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from engine.core.errors import PianolaError
from engine.files.tied_child import end_with_parent

# name -> (module under engine.commands, one-line help)
SUBCOMMANDS = {
    "gui": ("gui", "open the piano-roll window (the default)"),
    "convert": ("convert", "convert between .mid and .pianola files by extension"),
    "play": ("play", "play a song through the engine process, headless"),
    "render": ("render", "render a song offline to a WAV file"),
    "doctor": ("doctor", "report audio drivers, JACK, SoundFonts and realtime priority"),
    "bench": ("bench", "run a benchmark and print its figures"),
    "serve": ("serve", "run a session server for live collaboration, headless"),
}


def _load(name: str):
    module, _ = SUBCOMMANDS[name]
    return importlib.import_module(f"engine.commands.{module}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pianola",
        description="Pianola: a piano roll and step sequencer. "
        "With no subcommand (or a file), opens the window.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only in (None, name):
            _load(name).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    end_with_parent()  # started by a test or a benchmark: never outlive it
    argv = list(sys.argv[1:] if argv is None else argv)
    # `pianola`, `pianola song.pianola`, `pianola --soundfont X song.mid` open the GUI.
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["gui"] + argv
    command = argv[0] if argv[0] in SUBCOMMANDS else None
    args = build_parser(only=command).parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 2
    try:
        return int(_load(args.command).run(args) or 0)
    except PianolaError as exc:
        print(f"pianola: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
