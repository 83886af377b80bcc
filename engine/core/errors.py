"""Pianola's error hierarchy (pure: runs anywhere).

Every error a musician can meet is a ``PianolaError`` whose ``str()`` is one clear
sentence, ready for a dialog or a command line.  Children also subclass the builtin that
fits, so ``except ValueError`` / ``except OSError`` keep working for library code.
"""

from __future__ import annotations


class PianolaError(Exception):
    """Base of every error Pianola reports to the user (message: one sentence)."""


class ScoreError(PianolaError, ValueError):
    """A value in the score is out of range or inconsistent."""


class FileFormatError(PianolaError, ValueError):
    """A project or MIDI file cannot be read: the message names the file and the problem."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"Cannot open {self.path}: {problem}")


class FileWriteError(PianolaError, OSError):
    """A file could not be written; the previous file, if any, is intact."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"Cannot save {self.path}: {problem}")


class SoundFontError(PianolaError, OSError):
    """No usable SoundFont (missing, unreadable or not a SoundFont 2 file)."""


class AudioDriverError(PianolaError, OSError):
    """The audio driver is unknown or would not open (e.g. no JACK server answers)."""


class MidiPortError(PianolaError, OSError):
    """A MIDI port cannot be found or opened, or went away (the message names it)."""


class EngineError(PianolaError, RuntimeError):
    """The engine process reported an error or could not be started."""


class EngineDiedError(EngineError):
    """The engine process ended without being asked to."""
