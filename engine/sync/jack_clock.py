"""JACK's audio clock read against the host clock (engine scheduler thread; never JACK's).

A JACK client of its own with no process callback (no Python runs in the audio thread):
``sample()``, called every few milliseconds by the scheduler thread, reads the frame time
of the cycle in progress and the host time JACK stamped that cycle with
(``jack_frames_to_time``), and feeds the pair to a ``FrameTimeFit``.  JACK-Client does not
bind these calls nor the port latency, so they are bound here with ctypes on libjack.

JACK's time and Link's are both the monotonic clock in microseconds
(``CLOCK_MONOTONIC_RAW`` on Linux); the offset between them is measured at opening
rather than assumed, so another platform's choice of clock cannot shift the beat.

The synth does not count JACK's frames but its own (frames rendered since it was made);
``SynthOffset`` finds the constant between them from the synth's clock read next to the
cycle's frame time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from collections import deque

from engine.core.errors import AudioDriverError
from engine.sync.host_clock import FrameTimeFit, unwrap_frame

_JACK_NO_START_SERVER = 0x01
_JACK_SERVER_NAME = 0x04
_JACK_PORT_IS_INPUT = 0x1
_JACK_PORT_IS_PHYSICAL = 0x4
_JACK_PLAYBACK_LATENCY = 1


class _LatencyRange(ctypes.Structure):
    _fields_ = [("min", ctypes.c_uint32), ("max", ctypes.c_uint32)]


_lib = None
FIT_WINDOW_US = 1_000_000


def _libjack():
    """libjack with the signatures used here (loaded once, on first use)."""
    global _lib
    if _lib is not None:
        return _lib
    name = ctypes.util.find_library("jack") or "libjack.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise AudioDriverError(f"the JACK library is not installed ({exc}).") from None
    vp, u32, u64 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint64
    signatures = {
        "jack_client_open": (vp, [ctypes.c_char_p, ctypes.c_int, vp, ctypes.c_char_p]),
        "jack_client_close": (ctypes.c_int, [vp]),
        "jack_activate": (ctypes.c_int, [vp]),
        "jack_get_sample_rate": (u32, [vp]),
        "jack_get_buffer_size": (u32, [vp]),
        "jack_last_frame_time": (u32, [vp]),
        "jack_frames_to_time": (u64, [vp, u32]),
        "jack_get_time": (u64, []),
        "jack_port_by_name": (vp, [vp, ctypes.c_char_p]),
        "jack_port_get_latency_range": (None, [vp, ctypes.c_int, ctypes.POINTER(_LatencyRange)]),
        "jack_get_ports": (
            ctypes.POINTER(ctypes.c_char_p),
            [vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong],
        ),
        "jack_free": (None, [vp]),
    }
    for fname, (restype, argtypes) in signatures.items():
        function = getattr(lib, fname)
        function.restype = restype
        function.argtypes = argtypes
    _lib = lib
    return lib


def host_us_now() -> int:
    """The host clock Link uses on Linux (monotonic, not slewed by NTP), in microseconds."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW) // 1000


class SynthOffset:
    """``jack_frame - synth_frame``: where the synth's own frame count sits on JACK's.

    The synth's clock is read between cycles: after it rendered the cycle starting at JACK
    frame F it reads (F - offset + period - lag), rounded down to its millisecond grid (its
    sequencer is told the time at each block start, in whole milliseconds); before it
    rendered that cycle it reads one period less.  The largest reading relative to F over
    many cycles is the one with no rounding loss, so the offset comes from the maximum.
    """

    # About 130 ms of readings: enough to hold a reading of every millisecond phase, short
    # enough to catch up soon after the server drops a cycle (JACK's frame time jumps a
    # period then, the synth's count may not)
    def __init__(self, period_frames: int, lag_frames: int, window: int = 32):
        self.period_frames = period_frames
        self.lag_frames = lag_frames
        self._leads: deque[int] = deque(maxlen=window)

    def add(self, jack_cycle_frame: int, synth_frame: int) -> None:
        self._leads.append(synth_frame - jack_cycle_frame)

    def clear(self) -> None:
        self._leads.clear()

    @property
    def ready(self) -> bool:
        return len(self._leads) >= 16

    @property
    def frames(self) -> int:
        if not self._leads:
            raise ValueError("the synth's clock has not been read yet")
        return self.period_frames - self.lag_frames - max(self._leads)


class JackClock:
    """JACK frames <-> host microseconds for one JACK server (see module doc)."""

    def __init__(self, server_name: str | None = None, client_name: str = "pianola-sync"):
        self.server_name = server_name
        self.client_name = client_name
        self._client = None
        self._last_frame: int | None = None
        self._last_jack_cycle: int | None = None

    def open(self) -> JackClock:
        lib = _libjack()
        status = ctypes.c_int(0)
        options = _JACK_NO_START_SERVER | (_JACK_SERVER_NAME if self.server_name else 0)
        server = self.server_name.encode() if self.server_name else None
        client = lib.jack_client_open(
            self.client_name.encode(), options, ctypes.byref(status), server
        )
        if not client:
            where = f" {self.server_name!r}" if self.server_name else ""
            raise AudioDriverError(f"no JACK server{where} answers (status {status.value:#x}).")
        if lib.jack_activate(client) != 0:
            lib.jack_client_close(client)
            raise AudioDriverError("the JACK server refused to activate the sync client.")
        self._client = client
        self.sample_rate = int(lib.jack_get_sample_rate(client))
        self.period_frames = int(lib.jack_get_buffer_size(client))
        # the last second of cycles; a millisecond off the line is a jump (see host_clock)
        self.fit = FrameTimeFit(
            self.sample_rate, jump_frames=self.sample_rate // 1000, window_us=FIT_WINDOW_US
        )
        self.host_minus_jack_us = self._measure_clock_offset()
        return self

    def close(self) -> None:
        if self._client:
            _libjack().jack_client_close(self._client)
            self._client = None

    def __enter__(self) -> JackClock:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _measure_clock_offset(self) -> int:
        """Host minus JACK time, from the tightest of a few reads taken side by side."""
        lib = _libjack()
        best: tuple[int, int] | None = None
        for _ in range(16):
            before = host_us_now()
            jack_us = int(lib.jack_get_time())
            after = host_us_now()
            if best is None or after - before < best[0]:
                best = (after - before, (before + after) // 2 - jack_us)
        assert best is not None  # sixteen reads were taken
        return best[1]

    def cycle_frame(self) -> int:
        """JACK frame time at the start of the cycle in progress (monotonic, unwrapped)."""
        raw = int(_libjack().jack_last_frame_time(self._client))
        self._last_frame = unwrap_frame(raw, self._last_frame)
        return self._last_frame

    def sample(self) -> int:
        """Add this cycle's (host time, frame) pair to the fit; returns the cycle's frame."""
        lib = _libjack()
        raw = int(lib.jack_last_frame_time(self._client))
        jack_us = int(lib.jack_frames_to_time(self._client, raw))
        frame = self._last_frame = unwrap_frame(raw, self._last_frame)
        if self._last_jack_cycle is not None and frame - self._last_jack_cycle > self.sample_rate:
            self.fit.clear()  # the server stalled for a second: the old pairs mislead
        self._last_jack_cycle = frame
        self.last_pair = (jack_us + self.host_minus_jack_us, frame)
        self.fit.add(*self.last_pair)
        return frame

    def frame_at_host_us(self, host_us: float) -> float:
        return self.fit.frame_at(host_us)

    def host_us_at_frame(self, frame: float) -> float:
        return self.fit.host_us_at(frame)

    def playback_latency_frames(self, port_names=()) -> int:
        """Frames from writing a port to the speaker: the largest of the ports' playback
        latency; with none of them found, that of the physical outputs themselves."""
        lib = _libjack()
        latency = _LatencyRange()
        found = []
        for name in port_names:
            port = lib.jack_port_by_name(self._client, name.encode())
            if port:
                lib.jack_port_get_latency_range(port, _JACK_PLAYBACK_LATENCY, latency)
                found.append(int(latency.max))
        if found:
            return max(found)
        names = lib.jack_get_ports(
            self._client, None, None, _JACK_PORT_IS_PHYSICAL | _JACK_PORT_IS_INPUT
        )
        if not names:
            return 0
        try:
            i = 0
            while names[i]:
                port = lib.jack_port_by_name(self._client, names[i])
                if port:
                    lib.jack_port_get_latency_range(port, _JACK_PLAYBACK_LATENCY, latency)
                    found.append(int(latency.max))
                i += 1
        finally:
            lib.jack_free(ctypes.cast(names, ctypes.c_void_p))
        return max(found, default=0)


class HeardClock:
    """Synth frames <-> the host time they are heard at (engine scheduler thread).

    What the synth renders at its frame ``s`` leaves its JACK port in the cycle at JACK
    frame ``s + offset`` and reaches the speaker ``latency`` frames later, so a note meant
    to be heard at host time ``t`` is rendered at ``jack_frame(t) - latency - offset``.
    ``update(synth_now)`` is called every scheduler period: one pair for the host fit, one
    reading for the synth offset, and the latency read again now and then (it changes
    when the ports are reconnected).
    """

    LATENCY_EVERY = 250  # updates between latency readings (about a second)

    def __init__(self, jack_clock: JackClock, block_frames: int, port_names=()):
        self.jack = jack_clock
        self.port_names = tuple(port_names)
        self.offset = SynthOffset(jack_clock.period_frames, block_frames)
        self.latency_frames = jack_clock.playback_latency_frames(self.port_names)
        self._updates = 0

    def update(self, synth_now: int) -> None:
        cycle = self.jack.sample()
        # both reads in one cycle, or the pair says nothing about the offset
        if self.jack.cycle_frame() == cycle:
            self.offset.add(cycle, synth_now)
        self._updates += 1
        if self._updates % self.LATENCY_EVERY == 0:
            self.latency_frames = self.jack.playback_latency_frames(self.port_names)

    @property
    def usable(self) -> bool:
        """Enough readings to map frames to time at all (to keep following)."""
        return self.offset.ready and len(self.jack.fit) >= 8

    @property
    def ready(self) -> bool:
        """Half a second of cycles fitted: enough to place a start on the beat."""
        return self.usable and self.jack.fit.span_us >= FIT_WINDOW_US // 2

    @property
    def rate_ratio(self) -> float:
        return self.jack.fit.rate_ratio

    def synth_frame_heard_at(self, host_us: float) -> float:
        jack_frame = self.jack.frame_at_host_us(host_us)
        return jack_frame - self.latency_frames - self.offset.frames

    def host_us_heard_at(self, synth_frame: float) -> float:
        return self.jack.host_us_at_frame(synth_frame + self.offset.frames + self.latency_frames)
