"""An Ableton Link session (engine scheduler thread; Link's own threads run its network).

Built on ``LinkPython-extern`` (import name ``link``), a thin binding of Ableton's Link
library that exposes the session state as Link itself does: beat, phase and time at any
host time, tempo changes at a given time, start/stop with its time, and the peer count.
The engine needs exactly that, because it computes the beat of frames that will be heard
tens of milliseconds from now.  The other binding, ``aalink``, wraps Link for asyncio:
it answers "beat now" and wakes coroutines at beats, which is the wrong shape for a
scheduler that works ahead of the audio clock and has no event loop.

Link is GPL (version 2 or later, or Ableton's commercial licence), which is why Pianola
is GPL-3.0-or-later.  When the binding is missing, ``open_link`` raises ``LinkUnavailable``
with one sentence saying so, and everything else in Pianola works as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.core.errors import PianolaError
from engine.core.timing import MAX_BPM, MIN_BPM

LINK_PACKAGE = "LinkPython-extern"
DEFAULT_QUANTUM = 4.0


class LinkUnavailable(PianolaError, OSError):
    """Link cannot be used here (the binding is not installed or would not load)."""


@dataclass(frozen=True, slots=True)
class LinkSnapshot:
    """The session as captured once: tempo, peers, transport and the beat map at a time."""

    host_us: int
    tempo_bpm: float
    beat: float  # the session's beat at ``host_us`` (for the quantum it was taken with)
    peers: int
    playing: bool
    playing_changed_us: int  # when the transport last started or stopped


def check_quantum(quantum: float) -> float:
    quantum = float(quantum)
    if not 1.0 <= quantum <= 64.0:
        raise ValueError(f"the Link quantum must be from 1 to 64 beats, not {quantum:g}")
    return quantum


class LinkSession:
    """One Link peer: enabled on ``open()``, disabled and released on ``close()``.

    Every method captures the session state afresh (Link's app-thread capture: a copy
    under a lock, microseconds), so nothing here is stale.  ``host_us`` values are Link's
    clock: the host's monotonic clock in microseconds.
    """

    def __init__(self, tempo_bpm: float, quantum: float = DEFAULT_QUANTUM, start_stop_sync=True):
        self.quantum = check_quantum(quantum)
        self.start_stop_sync = bool(start_stop_sync)
        self._initial_bpm = min(MAX_BPM, max(MIN_BPM, float(tempo_bpm)))
        self._link: Any = None  # a link.Link while open (the binding has no types)

    def open(self) -> LinkSession:
        try:
            import link  # the LinkPython-extern binding
        except ImportError as exc:
            raise LinkUnavailable(
                f"Ableton Link is not available: the {LINK_PACKAGE} package is not "
                f"installed ({exc})."
            ) from None
        self._module = link
        self._link = link.Link(self._initial_bpm)
        self._clock = self._link.clock()
        self._link.startStopSyncEnabled = self.start_stop_sync
        self._link.enabled = True
        return self

    def close(self) -> None:
        if self._link is not None:
            self._link.enabled = False
            self._link = None

    def __enter__(self) -> LinkSession:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._link is not None

    def now_us(self) -> int:
        return int(self._clock.micros())

    def peers(self) -> int:
        return int(self._link.numPeers())

    def snapshot(self, host_us: int | None = None) -> LinkSnapshot:
        state = self._link.captureAppSessionState()
        at = self.now_us() if host_us is None else int(host_us)
        return LinkSnapshot(
            host_us=at,
            tempo_bpm=float(state.tempo()),
            beat=float(state.beatAtTime(at, self.quantum)),
            peers=int(self._link.numPeers()),
            playing=bool(state.isPlaying()),
            playing_changed_us=int(state.timeForIsPlaying()),
        )

    def beat_at(self, host_us: float) -> float:
        state = self._link.captureAppSessionState()
        return float(state.beatAtTime(int(host_us), self.quantum))

    def time_at_beat(self, beat: float) -> float:
        """Host microseconds at which the session reaches ``beat`` (at today's tempo)."""
        state = self._link.captureAppSessionState()
        return float(state.timeAtBeat(float(beat), self.quantum))

    def next_quantum_beat(self, host_us: float) -> float:
        """The first beat at or after ``host_us`` that starts a quantum (a bar, by default)."""
        state = self._link.captureAppSessionState()
        beat = float(state.beatAtTime(int(host_us), self.quantum))
        phase = float(state.phaseAtTime(int(host_us), self.quantum))
        return beat if phase == 0.0 else beat - phase + self.quantum

    def set_tempo(self, tempo_bpm: float, host_us: int | None = None) -> None:
        """Pianola's own tempo change, for every peer: from ``host_us`` (default: now)."""
        if not MIN_BPM <= tempo_bpm <= MAX_BPM:
            raise ValueError(
                f"tempo must be from {MIN_BPM:g} to {MAX_BPM:g} BPM, not {tempo_bpm:g}"
            )
        state = self._link.captureAppSessionState()
        state.setTempo(float(tempo_bpm), self.now_us() if host_us is None else int(host_us))
        self._link.commitAppSessionState(state)

    def set_start_stop_sync(self, on: bool) -> None:
        """Share start and stop with the peers, or not (a live session's transport owns
        them: a Link peer's start must not start this peer on its own)."""
        self.start_stop_sync = bool(on)
        if self._link is not None:
            self._link.startStopSyncEnabled = self.start_stop_sync

    def set_playing(self, playing: bool, host_us: int) -> None:
        """Start or stop the session's transport at ``host_us`` (start/stop sync)."""
        state = self._link.captureAppSessionState()
        state.setIsPlaying(bool(playing), int(host_us))
        self._link.commitAppSessionState(state)
