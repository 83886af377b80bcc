"""Tempo and meter changes, at once or at the next bar, in song and pattern mode (engine
command thread; the builds run under the scheduler's lock, in ``rebuild_live``).

Part of ``engine.realtime.pattern_player.PatternPlayer``: song mode changes the document
(the tempo segment or time signature in force, or a change on the first bar line not yet
heard); pattern mode changes the loop's own tempo map and bars, which it keeps apart from
the song's, and leaves the song alone.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from engine.core.pattern_play import (
    LoopPlan,
    PassCache,
    constant_tempo,
    next_bar_line,
    next_bar_tick,
    song_play_score,
    with_meter,
)
from engine.core.score import Score
from engine.core.timing import TempoMap, TimeSignatureMap, bpm_to_us_per_quarter


class TimingChanges:
    """Tempo and meter changes of the pattern player (a mixin of ``PatternPlayer``)."""

    # the player's own state and internals, which these changes edit
    scheduler: Any
    _raw: Any
    _lock: threading.Lock
    _doc: Score
    _mode: str
    _plan: LoopPlan | None
    _tempo: TempoMap
    _meter: TimeSignatureMap
    _song_tick: int
    _fill: bool
    _cache: PassCache

    def _window_score_locked(self, tick: int, keep_tempo: bool = False) -> Score:
        raise NotImplementedError

    def _stopped_score_locked(self) -> Score:
        raise NotImplementedError

    def set_tempo(self, bpm: float, at_next_bar: bool = False) -> None:
        """The tempo at the current position (song mode: the tempo segment in force there),
        or from the next bar line not yet heard."""
        us = bpm_to_us_per_quarter(bpm)
        with self._lock:
            if not self._doc.tracks:
                raise ValueError("there is no song loaded to set the tempo of")

            # read before the scheduler's lock is taken: the build below runs under it
            stopped_at = self.scheduler.position().tick

            def retempo(tick):
                now = stopped_at if tick is None else tick
                if self._mode == "pattern" and self._plan is not None:
                    self._tempo = self._raw.score.tempo_map  # as playing (a source re-times)
                    at = next_bar_line(self._meter, self._doc.ppq, now - 1) if at_next_bar else 0
                    if not at_next_bar:
                        self._tempo = self._tempo.with_change(0, us)
                    else:
                        kept = tuple(c for c in self._tempo.changes if c.tick < at)
                        self._tempo = replace(self._tempo, changes=kept).with_change(at, us)
                    return self._window_score_locked(tick or 0, keep_tempo=True)
                tempo_map = self._doc.tempo_map
                at = (
                    next_bar_tick(self._doc, now - 1)
                    if at_next_bar and tick is not None
                    else tempo_map.change_at(now).tick
                )
                self._doc = replace(self._doc, tempo_map=tempo_map.with_change(at, us))
                self._tempo = constant_tempo(self._doc.tempo_map, self._song_tick)
                if self._mode == "song":
                    return song_play_score(self._doc, self._fill, self._cache)
                return self._stopped_score_locked()

            self.scheduler.rebuild_live(retempo)

    def set_meter(self, numerator: int, denominator: int, at_next_bar: bool) -> tuple[int, bool]:
        """A time signature from the next bar line not yet heard (stopped: at or after the
        cursor), or for the bars of the one in force.  Pattern mode while playing: the
        loop's bars; else the song's.  Returns (tick, in the song) of where it starts."""
        with self._lock:
            if not self._doc.tracks:
                raise ValueError("there is no song loaded to set the meter of")
            cursor = self.scheduler.position().tick  # read before the scheduler's lock
            if self._mode == "pattern":
                cursor = self._song_tick
            placed: list[tuple[int, bool]] = []

            def remeter(tick):
                doc = self._doc
                if self._mode == "pattern" and self._plan is not None and tick is not None:
                    self._meter, at = with_meter(
                        self._meter, doc.ppq, tick, numerator, denominator, at_next_bar, False
                    )
                    placed.append((at, False))
                    return self._window_score_locked(tick)
                signatures, at = with_meter(
                    doc.time_signatures,
                    doc.ppq,
                    cursor if tick is None else tick,
                    numerator,
                    denominator,
                    at_next_bar,
                )
                self._doc = replace(doc, time_signatures=signatures)
                placed.append((at, True))
                if self._mode == "song":
                    return song_play_score(self._doc, self._fill, self._cache)
                return None  # pattern mode, stopped: the song's bars, for later

            self.scheduler.rebuild_live(remeter)
            return placed[-1]
