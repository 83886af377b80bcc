"""`pianola convert IN OUT`: convert between .mid/.midi and .pianola by extension (CLI process).

Also .pianola -> .pianola and .mid -> .mid, which rewrite a file in Pianola's normal form
(checked on the way in, written atomically on the way out).
"""

from __future__ import annotations

from pathlib import Path

from engine.files.song_files import reader_for, writer_for


def add_arguments(parser) -> None:
    parser.add_argument("input", metavar="IN", help="the file to read (.mid, .midi, .pianola)")
    parser.add_argument("output", metavar="OUT", help="the file to write (.mid, .midi, .pianola)")


def run(args) -> int:
    source, target = Path(args.input), Path(args.output)
    reader, writer = reader_for(source), writer_for(target)  # both refused before any I/O
    score = reader(source)
    writer(score, target)
    print(f"Wrote {target}: {len(score.tracks)} tracks, {score.note_count} notes.")
    return 0
