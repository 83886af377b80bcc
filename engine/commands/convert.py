"""`pianola convert IN OUT`: convert between .mid/.midi and .pianola by extension (CLI process).

Also .pianola -> .pianola and .mid -> .mid, which rewrite a file in Pianola's normal form
(checked on the way in, written atomically on the way out).
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import FileFormatError, FileWriteError
from engine.midifile import export_midi, import_midi
from engine.project_file import load_project, save_project

READERS = {".mid": import_midi, ".midi": import_midi, ".pianola": load_project}
WRITERS = {".mid": export_midi, ".midi": export_midi, ".pianola": save_project}
_KNOWN = ".mid, .midi or .pianola"


def add_arguments(parser) -> None:
    parser.add_argument("input", metavar="IN", help="the file to read (.mid, .midi, .pianola)")
    parser.add_argument("output", metavar="OUT", help="the file to write (.mid, .midi, .pianola)")


def run(args) -> int:
    source, target = Path(args.input), Path(args.output)
    reader = READERS.get(source.suffix.lower())
    if reader is None:
        raise FileFormatError(source, f"Pianola reads only {_KNOWN} files")
    writer = WRITERS.get(target.suffix.lower())
    if writer is None:
        raise FileWriteError(target, f"Pianola writes only {_KNOWN} files")
    score = reader(source)
    writer(score, target)
    print(f"Wrote {target}: {len(score.tracks)} tracks, {score.note_count} notes.")
    return 0
