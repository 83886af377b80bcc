"""The one place where other code's exceptions become Pianola's sentences (pure).

Reading and writing a song goes through the standard library (``json``, ``os``, text
codecs) and mido, each with exceptions of its own: ``RecursionError`` for deep nesting,
``ValueError`` for an integer over Python's digit limit, ``UnicodeEncodeError`` for a lone
surrogate, mido's ``KeySignatureError`` and friends for a damaged event.  ``reading()``
and ``writing()`` wrap such a step and turn every one of them into ``FileFormatError`` or
``FileWriteError`` with one sentence naming the file, so no caller (command line or
window) ever shows a traceback for bad input.  Errors of Pianola's own code pass through
untouched: only exceptions raised inside a named library are read as damage.
"""

from __future__ import annotations

import errno
from contextlib import contextmanager

from engine.core.errors import FileFormatError, FileWriteError, PianolaError

_OS_PHRASES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission was denied",
    errno.EPERM: "permission was denied",
    errno.EROFS: "the disk is read-only",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EFBIG: "the file is too large",
    errno.ENAMETOOLONG: "its name is too long",
    errno.ELOOP: "it is a loop of symbolic links",
    errno.EIO: "the disk reported an input/output error",
    errno.ENXIO: "it is a device or pipe with nothing behind it",
}


def describe_os_error(exc: OSError, reading: bool = False) -> str:
    """A musician's phrase for why a file could not be read or written."""
    if exc.errno == errno.ENOENT:
        return "the file does not exist" if reading else "the folder does not exist"
    phrase = _OS_PHRASES.get(exc.errno) if exc.errno is not None else None
    if phrase is None:
        phrase = (exc.strerror or str(exc) or type(exc).__name__).lower()
    return phrase


def _is_digit_limit(exc: BaseException) -> bool:
    # Python refuses int <-> str conversions over sys.get_int_max_str_digits() digits
    # (4300 by default) with a plain ValueError; its message is the only mark.
    return isinstance(exc, ValueError) and "integer string conversion" in str(exc)


def _lone_surrogate(exc: UnicodeError) -> str | None:
    text = getattr(exc, "object", None)
    start = getattr(exc, "start", None)
    if isinstance(text, str) and start is not None and start < len(text):
        char = text[start]
        if 0xD800 <= ord(char) <= 0xDFFF:
            return f"U+{ord(char):04X}"
    return None


def _raised_in(exc: BaseException, libraries: tuple[str, ...]) -> bool:
    """Whether the innermost Python frame of ``exc``'s traceback belongs to one of the
    ``libraries`` (top-level module names)."""
    tb = exc.__traceback__
    if tb is None or not libraries:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "")
    return module.split(".")[0] in libraries


def describe_failure(
    exc: BaseException, reading: bool, libraries: tuple[str, ...] = (), damaged: str = ""
) -> str | None:
    """The phrase for ``exc``, or None when it is not a failure of the input or the disk
    (a defect of Pianola's own code, which must not be dressed up as bad input)."""
    if isinstance(exc, OSError):
        return describe_os_error(exc, reading)
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    if isinstance(exc, MemoryError):
        return "it is too large to hold in memory"
    if _is_digit_limit(exc):
        return "it holds a number with more digits than Pianola reads (over 4300)"
    if isinstance(exc, UnicodeEncodeError):
        char = _lone_surrogate(exc)
        if char is not None:
            return f"a name or title holds a lone surrogate ({char}), which is not a character"
        return "a name or title holds a character that cannot be stored as UTF-8"
    if isinstance(exc, UnicodeDecodeError) and reading:
        return "it is not a text file (it is not UTF-8)"
    if isinstance(exc, EOFError) and reading:
        return f"{damaged or 'the file'} is cut short"
    if damaged and _raised_in(exc, libraries):
        reason = str(exc).strip().rstrip(".").splitlines()[0] if str(exc).strip() else ""
        reason = reason[:120] or type(exc).__name__
        return f"{damaged} is damaged ({reason})"
    return None


@contextmanager
def reading(path, libraries: tuple[str, ...] = (), damaged: str = ""):
    """Turn what reading ``path`` may raise into FileFormatError naming the file.

    ``libraries`` names the third-party packages whose every exception means damaged
    input; ``damaged`` is how the sentence names the input then ("the MIDI file").
    """
    try:
        yield
    except PianolaError:
        raise
    except Exception as exc:
        phrase = describe_failure(exc, True, libraries, damaged)
        if phrase is None:
            raise
        raise FileFormatError(path, phrase) from None


@contextmanager
def writing(path, libraries: tuple[str, ...] = ()):
    """Turn what writing ``path`` may raise into FileWriteError naming the file."""
    try:
        yield
    except PianolaError:
        raise
    except Exception as exc:
        phrase = describe_failure(exc, False, libraries, "the song" if libraries else "")
        if phrase is None:
            raise
        raise FileWriteError(path, phrase) from None
