"""Record what a JACK client really outputs (setup in the caller's thread, copy in JACK's).

The tests and the timing benchmark listen to the synth the way a listener would: a small
JACK client of our own connects its inputs to the synth's output ports and keeps every
period's samples, each period tagged with the JACK frame time of its first frame.

Which clock the onsets are measured on
--------------------------------------
The recorded samples are the synth's output stream as JACK delivered it, period after
period, and onsets are measured on that stream (``Recording.stream_frames``: the first
period's JACK frame time plus the sample index).  When the machine is too busy the dummy
JACK server drops cycles (xruns): JACK's frame time jumps, and whether the synth rendered
the dropped cycle or skipped it too cannot be told from a listening client (both happen).
So the onset analysis times each gap-free stretch on its own (``Recording.gap_frames()``
passed to ``engine.measure.onsets.match_onsets`` as ``breaks``) and the dropped cycles are
counted (``Recording.gaps``); ``Recording.jack_frames`` gives the real JACK time.

The engine schedules on FluidSynth's sample counter (the sequencer's ticks at
``time_scale = sample rate``).  It counts the same frames as the stream but from another
origin, and no API returns both clocks at one instant from another process.  So the
measurements are *relative*: ``engine.measure.onsets.match_onsets`` fits the one constant offset
between the score's expected frames and the heard frames (the median difference) and
reports every onset's error about it.  A constant latency, which a listener cannot hear
on a steady pattern, drops out; jitter, a late note and drift (which change the
differences) do not.  The absolute latency is reported separately, as an estimate with
one period of uncertainty: ``Recorder.frame_time_now()`` (the JACK cycle in progress,
from the recorder's own periods) read next to the other clock
(e.g. the sequencer's tick, or the moment the play command was sent) gives a clock pair,
and the fitted offset then is the latency from "scheduled" (or "asked") to "heard".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from engine.core.errors import AudioDriverError
from engine.measure import capture_helper as helper


@dataclass(frozen=True, slots=True)
class Recording:
    """Samples recorded through JACK with the frame time of every period.

    ``samples`` is float32 ``[n_frames, channels]``; ``period_frame_times[k]`` is the JACK
    frame time of ``samples[k * period_frames]``.
    """

    samples: np.ndarray
    period_frame_times: np.ndarray
    sample_rate: int
    period_frames: int
    xruns: int
    overflowed: bool

    @property
    def first_frame_time(self) -> int:
        return int(self.period_frame_times[0]) if len(self.period_frame_times) else 0

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def gaps(self) -> int:
        """How many periods did not follow the one before (cycles JACK skipped for us)."""
        steps = np.diff(self.period_frame_times.astype(np.int64)) % np.int64(2**32)
        return int(np.count_nonzero(steps != self.period_frames))

    def gap_frames(self) -> np.ndarray:
        """Stream frames (see ``stream_frames``) where a dropped cycle broke the recording:
        the timing on either side may differ by a whole number of periods."""
        steps = np.diff(self.period_frame_times.astype(np.int64)) % np.int64(2**32)
        periods = np.flatnonzero(steps != self.period_frames) + 1
        return self.first_frame_time + periods.astype(np.int64) * self.period_frames

    def magnitude(self) -> np.ndarray:
        """The largest absolute sample over the channels, per frame (1-D float32)."""
        if self.samples.shape[1] == 1:
            return np.abs(self.samples[:, 0])
        return np.abs(self.samples).max(axis=1)

    def stream_frames(self, indexes) -> np.ndarray:
        """Frames of sample indexes on the continuous output stream (int64): the first
        period's JACK frame time plus the index, blind to dropped cycles (see above)."""
        return self.first_frame_time + np.asarray(indexes, dtype=np.int64)

    def jack_frames(self, indexes) -> np.ndarray:
        """JACK frame times (int64, unwrapped) of sample indexes into ``samples``."""
        idx = np.asarray(indexes, dtype=np.int64)
        # JACK frame times are 32-bit and wrap (every 24 h at 48 kHz): unwrap first.
        times = self.period_frame_times.astype(np.int64)
        times = times[0] + np.cumsum(np.concatenate(([0], np.diff(times) % 2**32)))
        return times[idx // self.period_frames] + idx % self.period_frames


class Recorder:
    """Records the JACK output ports matching ``port_pattern``, through a JACK client in a
    process of its own (``engine.measure.capture_helper``: a callback in this process
    would wait for this process's GIL, and a late one stamps a period with the next
    cycle's frame time).

    Use as a context manager: the client is active from ``__enter__``; ``start()`` begins
    keeping samples, ``stop()`` ends and returns the ``Recording``.  Memory for
    ``max_seconds`` is shared with the helper and allocated up front, so its process
    callback only copies into it.

    Parameters
    ----------
    port_pattern : regular expression for the output ports to record, e.g.
        ``r"^fluidsynth.*:left$"`` or ``r"^pianola"``; the first ``channels`` matches in
        name order are connected (waiting up to ``wait_s`` for them to appear).
    channels : how many ports to record.
    server_name : the JACK server (None: JACK_DEFAULT_SERVER or the default server).
    max_seconds : capacity; later periods are dropped and ``overflowed`` is set.
    """

    def __init__(
        self,
        port_pattern: str,
        *,
        channels: int = 2,
        server_name: str | None = None,
        max_seconds: float = 30.0,
        wait_s: float = 5.0,
        client_name: str = "pianola-listen",
    ):
        if channels < 1:
            raise ValueError(f"channels must be at least 1, not {channels}")
        if max_seconds <= 0:
            raise ValueError(f"max_seconds must be positive, not {max_seconds}")
        self.port_pattern = port_pattern
        self.channels = channels
        self.server_name = server_name
        self.max_seconds = max_seconds
        self.wait_s = wait_s
        self.client_name = client_name
        self.connected: list[str] = []
        self._client: Any = None  # a jack.Client for JACK's clock (never activated)
        self._proc: subprocess.Popen | None = None
        self._shm: shared_memory.SharedMemory | None = None

    # -- set-up (caller's thread) ----------------------------------------------------------

    def __enter__(self) -> Recorder:
        import jack  # only the recording side needs libjack

        try:
            self._client = jack.Client(
                f"{self.client_name}-ask", no_start_server=True, servername=self.server_name
            )
        except jack.JackOpenError as exc:
            raise AudioDriverError(
                f"cannot record: no JACK server {self.server_name or ''} answers ({exc})."
            ) from exc
        self.sample_rate = self._client.samplerate
        self.period_frames = self._client.blocksize
        periods = int(np.ceil(self.max_seconds * self.sample_rate / self.period_frames))
        size = helper.block_size(self.channels, periods, self.period_frames)
        self._shm = shared_memory.SharedMemory(create=True, size=size)
        self._header, self._times, self._buffer = helper.views(
            self._shm.buf, self.channels, periods, self.period_frames
        )
        self._header[:] = 0
        args = [self._shm.name, self.client_name, self.server_name or "-"]
        args += [str(self.channels), str(periods), str(self.period_frames)]
        args += [self.port_pattern, str(self.wait_s)]
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "engine.measure.capture_helper", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(os.environ, JACK_NO_START_SERVER="1"),
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        try:
            answer = json.loads(line or b"{}")
        except ValueError:
            answer = {}
        if "connected" not in answer:
            self.__exit__(None, None, None)
            reason = answer.get("error", "the recorder's helper process did not start")
            raise AudioDriverError(reason if reason.endswith(".") else reason + ".")
        self.connected = list(answer["connected"])
        return self

    def __exit__(self, *exc) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()  # the helper ends at end of file
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._client is not None:
            self._client.close()
            self._client = None
        shm, self._shm = self._shm, None
        if shm is not None:
            del self._header, self._times, self._buffer
            shm.close()
            shm.unlink()

    @property
    def xruns(self) -> int:
        return int(self._header[helper.XRUNS]) if self._shm is not None else 0

    # -- control (caller's thread) -------------------------------------------------------

    def frame_time_now(self) -> int:
        """The JACK frame time of the cycle in progress, to pair with another clock.

        Taken from the last period recorded plus one period, not from JACK's estimate
        (``jack_frame_time``), which on a loaded machine with the dummy driver runs
        several periods ahead of the cycles actually processed.  Falls back to
        JACK's estimate before ``start()``.
        """
        k = int(self._header[helper.COUNT])
        if k == 0:
            return self._client.frame_time
        return (int(self._times[k - 1]) + self.period_frames) % 2**32

    def start(self) -> None:
        """Begin keeping samples from the next period on; returns once one is kept."""
        self._header[helper.ARMED] = 1
        self.wait_frames(1, timeout_s=20.0)  # a client just activated on a busy machine

    def wait_frames(self, n_frames: int, timeout_s: float | None = None) -> None:
        """Block until at least ``n_frames`` have been recorded since ``start()``."""
        need = -(-n_frames // self.period_frames)
        deadline = time.monotonic() + (
            timeout_s if timeout_s is not None else 2.0 + 2.0 * n_frames / self.sample_rate
        )
        while (count := int(self._header[helper.COUNT])) < min(need, len(self._times)):
            if time.monotonic() > deadline:
                raise AudioDriverError(
                    f"the JACK server stopped delivering audio ({count} periods recorded)."
                )
            time.sleep(0.005)

    def wait_until_frame(self, jack_frame: int, timeout_s: float) -> None:
        """Block until the recording reaches JACK frame time ``jack_frame``."""
        deadline = time.monotonic() + timeout_s
        while True:
            k = int(self._header[helper.COUNT])
            if k and (int(self._times[0]) + k * self.period_frames - jack_frame) % 2**32 < 2**31:
                return
            if self._header[helper.OVERFLOWED] or time.monotonic() > deadline:
                raise AudioDriverError(
                    f"the recording did not reach the end of the music ({k} periods recorded)."
                )
            time.sleep(0.005)

    @property
    def frames_recorded(self) -> int:
        return int(self._header[helper.COUNT]) * self.period_frames

    def stop(self) -> Recording:
        """Stop keeping samples and return what was recorded (the client stays open)."""
        header = self._header
        header[helper.ARMED] = 0
        # A callback that was already copying has finished once two more cycles began.
        seen = int(header[helper.CYCLES])
        deadline = time.monotonic() + 1.0
        while header[helper.CYCLES] < seen + 2 and time.monotonic() < deadline:
            time.sleep(0.002)
        if header[helper.BAD_BLOCKSIZE]:
            raise AudioDriverError("the JACK period size changed while recording.")
        n = int(header[helper.COUNT])
        samples = self._buffer[:, : n * self.period_frames].T.copy()  # C order, off the block
        return Recording(
            samples=samples,
            period_frame_times=self._times[:n].astype(np.uint32),
            sample_rate=self.sample_rate,
            period_frames=self.period_frames,
            xruns=int(header[helper.XRUNS]),
            overflowed=bool(header[helper.OVERFLOWED]),
        )


def record_for(
    port_pattern: str,
    seconds: float,
    *,
    channels: int = 2,
    server_name: str | None = None,
    during=None,
) -> Recording:
    """Record ``seconds`` of the ports matching ``port_pattern``; call ``during()`` after start."""
    with Recorder(
        port_pattern, channels=channels, server_name=server_name, max_seconds=seconds + 1.0
    ) as rec:
        rec.start()
        if during is not None:
            during()
        rec.wait_frames(int(seconds * rec.sample_rate))
        return rec.stop()


__all__ = ["Recorder", "Recording", "record_for"]
