"""What the sync tests share: a click song, a scheduler serviced on its own thread, and
turning recorded onsets into JACK frames (test helpers; real synth, real JACK)."""

from __future__ import annotations

import threading
import time

from engine.core.score import Note, Score, Track
from engine.core.timing import TempoMap
from engine.measure.onsets import find_onsets, suggest_threshold

PPQ = 480
KICK = 36


def clicks(quarters: int, bpm: float = 120.0) -> Score:
    """A kick on every quarter: sharp onsets that say where each beat was heard."""
    notes = tuple(Note(i * PPQ, PPQ // 8, KICK, 127) for i in range(quarters))
    track = Track("clicks", is_drum=True, bank=128, notes=notes)
    return Score(tracks=(track,), tempo_map=TempoMap.constant(bpm), ppq=PPQ)


class ServiceThread:
    """Calls ``services`` every ``period_s`` until stopped, as the engine's scheduler does."""

    def __init__(self, *services, period_s: float = 0.004):
        self.services = services
        self.period_s = period_s
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic()
        try:
            while not self._stop.is_set():
                for service in self.services:
                    service()
                deadline += self.period_s
                time.sleep(max(0.0, deadline - time.monotonic()))
        except BaseException as exc:  # surfaced by stop()
            self.error = exc

    def __enter__(self) -> ServiceThread:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if self.error is not None and exc[0] is None:
            raise self.error


def onset_jack_frames(recording) -> list[int]:
    """JACK frame times of the onsets in a recording (each laid at its own period's time)."""
    magnitude = recording.magnitude()
    found = find_onsets(magnitude, suggest_threshold(magnitude), recording.sample_rate // 20)
    return [int(f) for f in recording.jack_frames(found)]
