"""Songs on disk by file extension, .pianola or Standard MIDI (pure + file I/O).

One table of readers and writers for the `convert`, `render` and `play` commands.
"""

from __future__ import annotations

from pathlib import Path

from engine.core.errors import FileFormatError, FileWriteError
from engine.core.score import Score
from engine.files.midifile import import_midi
from engine.files.midifile_export import export_midi
from engine.files.project_file import load_project, save_project

READERS = {".mid": import_midi, ".midi": import_midi, ".pianola": load_project}
WRITERS = {".mid": export_midi, ".midi": export_midi, ".pianola": save_project}
KNOWN_SUFFIXES = ".mid, .midi or .pianola"
PROJECT_FIRST = ".pianola, .mid or .midi"  # how the playing commands name them


def reader_for(path, verb: str = "reads", kinds: str = KNOWN_SUFFIXES):
    """The function reading ``path`` by its extension; FileFormatError naming the file
    for an unknown one, worded for the command asking ("Pianola {verb} only {kinds} files").
    """
    reader = READERS.get(Path(path).suffix.lower())
    if reader is None:
        raise FileFormatError(path, f"Pianola {verb} only {kinds} files")
    return reader


def writer_for(path):
    """The function writing ``path`` (atomically) by its extension; FileWriteError if unknown."""
    writer = WRITERS.get(Path(path).suffix.lower())
    if writer is None:
        raise FileWriteError(path, f"Pianola writes only {KNOWN_SUFFIXES} files")
    return writer


def read_song(path, verb: str = "reads", kinds: str = KNOWN_SUFFIXES) -> Score:
    """The song in ``path`` (.pianola, .mid or .midi)."""
    return reader_for(path, verb, kinds)(Path(path))
