"""WAV output: the plain WAV / RF64 choice at the 4 GiB line, and real files of both kinds
written block by block and read back with libsndfile and Python's ``wave``."""

from __future__ import annotations

import wave

import numpy as np
import pytest
import soundfile

from engine.core.errors import FileWriteError
from engine.files import wav_writer
from engine.files.wav_writer import (
    PLAIN_WAV,
    RF64,
    WAV_MAX_DATA_BYTES,
    open_wav,
    to_int16,
    wav_container,
)

FOUR_GIB = 2**32


def test_the_container_changes_exactly_where_a_plain_wav_stops():
    most = WAV_MAX_DATA_BYTES // 4  # 16-bit stereo frames a plain WAV holds
    assert wav_container(0) == PLAIN_WAV
    assert wav_container(most) == PLAIN_WAV
    assert wav_container(most + 1) == RF64
    # the RIFF size (data + 36 header bytes) is a 32-bit count: the last frame that fits
    assert most * 4 + 36 <= FOUR_GIB - 1 < (most + 1) * 4 + 36
    # 6 hours at 48 kHz fit; 6 h 13 min do not; 77 hours are RF64
    assert wav_container(6 * 3600 * 48000) == PLAIN_WAV
    assert wav_container((6 * 3600 + 13 * 60) * 48000) == RF64
    assert wav_container(77 * 3600 * 48000) == RF64
    # more bytes per frame reach the line sooner
    assert wav_container(most, channels=4) == RF64
    assert wav_container(most // 2, channels=2, sample_bytes=4) == PLAIN_WAV
    assert wav_container(most // 2 + 1, channels=2, sample_bytes=4) == RF64


@pytest.mark.parametrize("frames, channels, width", [(-1, 2, 2), (10, 0, 2), (10, 2, 0)])
def test_an_impossible_size_is_refused(frames, channels, width):
    with pytest.raises(ValueError, match="no WAV holds"):
        wav_container(frames, channels, width)


def _noise(frames: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    return to_int16(rng.uniform(-1.2, 1.2, (frames, 2)).astype(np.float32))


@pytest.mark.parametrize("container", [PLAIN_WAV, RF64])
def test_blocks_written_come_back_whole(tmp_path, container):
    samples = _noise(10_000)
    path = tmp_path / "out.wav"
    with open_wav(path, 44100, container) as out:
        for start in range(0, len(samples), 4096):
            out.write(samples[start : start + 4096])
    assert out.frames == len(samples)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]  # no temporary file
    info = soundfile.info(str(path))
    assert (info.format, info.subtype, info.samplerate, info.channels) == (
        container,
        "PCM_16",
        44100,
        2,
    )
    back, rate = soundfile.read(str(path), dtype="int16")
    assert rate == 44100 and np.array_equal(back, samples)
    header = path.read_bytes()[:16]
    if container == RF64:
        assert header[:4] == b"RF64" and header[12:16] == b"ds64"
    else:
        assert header[:4] == b"RIFF"
        with wave.open(str(path)) as plain:  # any WAV reader, not only libsndfile
            assert plain.getnframes() == len(samples)


def test_the_samples_are_clipped_and_rounded_to_16_bits():
    block = np.array([[0.0, 1.0], [-1.0, 2.0], [-3.0, 0.5 / 32767]], dtype=np.float32)
    assert to_int16(block).tolist() == [[0, 32767], [-32767, 32767], [-32767, 0]]


@pytest.mark.parametrize("container", [PLAIN_WAV, RF64])
def test_a_failure_mid_write_leaves_the_older_file_alone(tmp_path, container):
    path = tmp_path / "kept.wav"
    path.write_bytes(b"older")
    with pytest.raises(RuntimeError, match="stopped"):
        with open_wav(path, 48000, container) as out:
            out.write(_noise(4096))
            raise RuntimeError("stopped")
    assert path.read_bytes() == b"older"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.wav"]


def test_a_plain_wav_never_passes_its_limit(tmp_path, monkeypatch):
    """Chosen for a length it then exceeds, a plain WAV stops with a sentence rather than
    write sizes that wrap around."""
    monkeypatch.setattr(wav_writer, "WAV_MAX_DATA_BYTES", 4 * 5000)
    path = tmp_path / "out.wav"
    with pytest.raises(FileWriteError, match="4 GiB limit"):
        with open_wav(path, 48000, PLAIN_WAV) as out:
            out.write(_noise(5000))
            out.write(_noise(1))
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_container_is_refused(tmp_path):
    with pytest.raises(ValueError, match="container"):
        with open_wav(tmp_path / "x.wav", 48000, "MP3"):
            pass
    assert list(tmp_path.iterdir()) == []


class _Stopped(Exception):
    pass


def test_a_signal_during_a_libsndfile_call_is_handled_after_it(tmp_path):
    """A stopping signal's handler must not run inside libsndfile's calls back into
    Python (its exception would be printed and lost there): it runs once the call is
    over, and the render unwinds with no file left."""
    import os
    import signal

    def stop(signum, _frame):
        raise _Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        inside = []
        with pytest.raises(_Stopped):
            with wav_writer._signals_held():
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):  # Python code meanwhile: where a handler could run
                    inside.append(signal.getsignal(signal.SIGTERM) is stop)
        assert inside and not any(inside)
        assert signal.getsignal(signal.SIGTERM) is stop  # put back
    finally:
        signal.signal(signal.SIGTERM, previous)
