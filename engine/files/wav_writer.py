"""16-bit stereo WAV output, streamed block by block and written atomically (caller's
thread, file I/O).

A plain WAV file counts its bytes in 32 bits, so it holds at most 4 GiB of audio (6 h 12
min of 16-bit stereo at 48 kHz).  A longer render is written as RF64, the 64-bit form of
WAV (EBU Tech 3306) that DAWs and editors read as WAV; the choice is made before the
first byte from the largest number of frames the render can produce (``wav_container``).
libsndfile (through ``soundfile``) writes the headers; the audio goes out one block at
a time, so memory stays the same whatever the length.

libsndfile writes through Python file methods called from its C code, where an exception
cannot travel: an OSError (a full disk) is kept by ``_Sink`` and raised again once the C
call returns, and the signals that stop a render (Ctrl-C, SIGTERM, SIGHUP) are held back
for the length of each call so their handlers run in the caller's code, never inside one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

import numpy as np
import soundfile

from engine.core.errors import FileWriteError
from engine.files.file_io import atomic_output

WAV_CHANNELS = 2
WAV_SAMPLE_BYTES = 2  # 16-bit
WAV_BYTES_PER_FRAME = WAV_CHANNELS * WAV_SAMPLE_BYTES
WAV_MAX_DATA_BYTES = 2**32 - 1 - 36  # RIFF sizes are 32-bit; the header takes 36 bytes
PLAIN_WAV = "WAV"
RF64 = "RF64"
_HELD_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def wav_container(
    frames: int,
    channels: int = WAV_CHANNELS,
    sample_bytes: int = WAV_SAMPLE_BYTES,
    max_data_bytes: int | None = None,
) -> str:
    """``"WAV"`` when ``frames`` of audio fit a plain WAV file's 32-bit sizes, else
    ``"RF64"``.  ``max_data_bytes`` defaults to ``WAV_MAX_DATA_BYTES`` (read at call time)."""
    if frames < 0 or channels < 1 or sample_bytes < 1:
        raise ValueError(f"no WAV holds {frames} frames of {channels} x {sample_bytes} bytes")
    limit = WAV_MAX_DATA_BYTES if max_data_bytes is None else max_data_bytes
    return PLAIN_WAV if frames * channels * sample_bytes <= limit else RF64


def to_int16(block: np.ndarray) -> np.ndarray:
    """Float samples (full scale 1.0) as 16-bit integers, clipped and rounded."""
    return (np.clip(block, -1.0, 1.0) * 32767.0).round().astype("<i2")


class _Sink:
    """The temporary file as libsndfile sees it: failures are kept, not raised into C."""

    __slots__ = ("_raw", "failure")

    def __init__(self, raw):
        self._raw = raw
        self.failure: OSError | None = None

    def write(self, data) -> int:
        try:
            return self._raw.write(data)
        except OSError as exc:
            self.failure = self.failure or exc
            return 0  # a short write: libsndfile stops and reports an error

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self._raw.seek(offset, whence)
        except OSError as exc:
            self.failure = self.failure or exc
            return -1

    def tell(self) -> int:
        return self._raw.tell()


@contextmanager
def _signals_held():
    """Keep the stopping signals' Python handlers from running inside libsndfile's calls
    back into Python: one that arrives meanwhile is handled when the call has returned."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Python runs signal handlers in the main thread only: none can land here
        return
    arrived: list[int] = []

    def note(signum, _frame):
        arrived.append(signum)

    previous: dict[int, Callable[[int, FrameType | None], Any]] = {}
    for held in _HELD_SIGNALS:
        handler = signal.getsignal(held)
        if callable(handler):  # SIG_DFL and SIG_IGN never run Python code
            signal.signal(held, note)
            previous[held] = handler
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for signum in arrived:
            previous[signum](signum, None)  # in the caller's code now: it may raise


def _libsndfile(sink: _Sink, path, action):
    """Run ``action`` (a libsndfile call) with the stopping signals held, then raise what
    went wrong inside it: the sink's OSError, else libsndfile's own error."""
    failed: Exception | None = None
    with _signals_held():
        try:
            result = action()
        except (soundfile.SoundFileRuntimeError, AssertionError) as exc:
            # soundfile checks a short write with an assert: it means the sink failed
            failed = exc
    if sink.failure is not None:
        raise sink.failure  # inside atomic_output: becomes the sentence naming the OS error
    if failed is not None:
        raise FileWriteError(path, f"the audio could not be written ({failed})") from None
    return result


class WavWriter:
    """Blocks of 16-bit stereo frames going into an open WAV or RF64 file (``open_wav``)."""

    __slots__ = ("path", "container", "frames", "_out", "_sink")

    def __init__(self, path, container: str, out: soundfile.SoundFile, sink: _Sink):
        self.path = path
        self.container = container
        self.frames = 0
        self._out = out
        self._sink = sink

    def write(self, samples: np.ndarray) -> None:
        """Append ``samples`` (frames x 2, int16)."""
        if self.container == PLAIN_WAV and not (
            (self.frames + len(samples)) * WAV_BYTES_PER_FRAME <= WAV_MAX_DATA_BYTES
        ):
            # wav_container was asked with the largest length the caller could produce
            raise FileWriteError(self.path, "the WAV file would pass its format's 4 GiB limit")
        _libsndfile(self._sink, self.path, lambda: self._out.write(samples))
        self.frames += len(samples)


@contextmanager
def open_wav(path, sample_rate: int, container: str = PLAIN_WAV):
    """Yield a ``WavWriter``; the file replaces ``path`` when the block ends normally, and
    on any exception the temporary file is removed and ``path`` is left as it was."""
    if container not in (PLAIN_WAV, RF64):
        raise ValueError(f"container must be {PLAIN_WAV!r} or {RF64!r}, not {container!r}")
    with atomic_output(path) as raw:
        sink = _Sink(raw)
        out = _libsndfile(
            sink,
            path,
            lambda: soundfile.SoundFile(
                sink,
                mode="w",
                samplerate=sample_rate,
                channels=WAV_CHANNELS,
                format=container,
                subtype="PCM_16",
            ),
        )
        try:
            yield WavWriter(path, container, out, sink)
        except BaseException:
            with _signals_held(), suppress(soundfile.SoundFileRuntimeError):
                out.close()  # the file is about to be removed: its header does not matter
            raise
        _libsndfile(sink, path, out.close)  # the header's final sizes are written here
