"""Telling when playback enters another beat, for the window's beat display (engine
scheduler thread)."""

from __future__ import annotations


class BeatFollower:
    """Tells when playback enters another beat (scheduler thread).

    Finding the bar and beat of a tick walks the time-signature map; a beat lasts many
    wake-ups, so that is done only when the tick leaves the beat last found (or the score
    changed), not on every wake-up.
    """

    def __init__(self):
        self._score = None
        self._span = (0, 0)  # ticks [first, end) of the beat last found
        self._beat: tuple[int, int] | None = None  # its (bar, beat)

    def forget(self) -> None:
        """Playback stopped: the next beat found is new even if it is the same one."""
        self._score, self._beat = None, None

    def new_beat(self, score, tick: int) -> tuple[int, int, int] | None:
        """(bar, beat, first tick of the beat) when ``tick`` is in a beat other than the
        last one seen, else None."""
        first, end = self._span
        if score is self._score and first <= tick < end:
            return None
        signatures = score.time_signatures
        found = signatures.tick_to_bar_beat(tick, score.ppq)
        first = tick - found.tick_in_beat
        end = first + signatures.at(tick).beat_ticks(score.ppq)
        for sig in signatures.signatures:  # a new signature starts a bar, even mid-beat
            if first < sig.tick < end:
                end = sig.tick
                break
        self._score, self._span = score, (first, end)
        if (found.bar, found.beat) == self._beat:
            return None
        self._beat = (found.bar, found.beat)
        return found.bar, found.beat, first
