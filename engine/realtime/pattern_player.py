"""Song mode and pattern mode over the scheduler (engine command thread; ``maintain`` and
``published`` from the engine scheduler thread).

The player keeps the document as the GUI sent it and hands the scheduler a *played
score* built from it (``engine.core.pattern_play``): in song mode the arrangement written
out as notes beside the free notes, in pattern mode a window of passes of the looped
pattern.  Everything then goes through the scheduler's one sample-clock path, and every
change -- a step toggled, the fill switch, a queued pattern -- is a new played score
whose differences the scheduler withdraws and sends: heard from the first step not yet
rendered, never doubled, never left sounding.

Pattern mode's window is moved on by ``maintain()`` about once a second, and a pattern
switch is built under the scheduler's lock (``Scheduler.rebuild_live``), so the pass
boundary it lands on is one the synth has not reached: the new pattern's first step is
exactly where the old pattern's next pass would have started.

In pattern mode the position counter shows the place in the pattern (``published``, see
``engine.realtime.pattern_cursor``), and a locate moves to the same place in the pattern:
while playing, the pass sounding goes on from that step, what sounds released.

Locking: ``_lock`` guards the player's own state and is always taken before the
scheduler's lock, never inside it (the scheduler never calls the player).
"""

from __future__ import annotations

import threading
from dataclasses import replace

from engine.core.pattern_play import (
    LoopPlan,
    PassCache,
    constant_meter,
    constant_tempo,
    loop_play_score,
    next_bar_line,
    next_bar_tick,
    pass_ticks_of,
    silent_score,
    song_play_score,
    with_meter,
)
from engine.core.score import LoopRegion, Score
from engine.core.timing import bpm_to_us_per_quarter
from engine.realtime.adapting_scheduler import AdaptingScheduler
from engine.realtime.pattern_cursor import PatternCursor
from engine.realtime.position import Position

WINDOW_AHEAD_S = 3.0  # pattern mode's played score reaches this far past the first unheard tick
REFILL_MARGIN_S = 1.0  # and is moved on when less than this is left
# ...and keeps every note still sounding this long before it: a note dropped from the
# played score while it may sound would be withdrawn and cut short
WINDOW_BEHIND_S = 0.1


class PatternPlayer:
    """Plays the document in song or pattern mode through ``scheduler`` (see module doc)."""

    def __init__(self, scheduler, adapt=None):
        self.scheduler = AdaptingScheduler(scheduler, adapt) if adapt is not None else scheduler
        self._lock = threading.Lock()
        self._doc = Score()
        self._mode = "song"
        self._track = 0
        self._pattern_id: str | None = None
        self._fill = False
        self._cache = PassCache()  # song mode's passes: reused edit after edit
        # pattern mode's: each pass is played once, so those behind the window are dropped
        self._loop_cache = PassCache()
        self._plan: LoopPlan | None = None  # pattern mode while playing
        self._tempo = self._doc.tempo_map  # pattern mode's own tempo map
        self._meter = self._doc.time_signatures  # and the bars its loop counts
        # pattern mode: the played score is moved on once the cursor reaches this tick
        self._refill_tick = 1 << 62
        self._song_tick = 0  # where song mode goes on after pattern mode
        self._pattern_tick = 0  # pattern mode, stopped: where in the pattern play starts
        self._cursor = PatternCursor()  # what the position counter shows

    # --- what the engine asks ------------------------------------------------------
    @property
    def doc(self) -> Score:
        return self._doc

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def fill(self) -> bool:
        return self._fill

    def load_score(self, doc: Score) -> None:
        """A new song: playback stops; pattern mode stays on its pattern if the song has it."""
        with self._lock:
            self._doc = doc
            self._plan = None
            self._pattern_tick = 0
            self.scheduler.load_score(self._stopped_score_locked())

    def replace_score(self, doc: Score) -> None:
        """A live edit of the document (notes, steps, patterns, placements, mix...)."""
        with self._lock:
            self._doc = doc
            if self._mode == "song":
                self.scheduler.replace_score(song_play_score(doc, self._fill, self._cache))
            elif self._plan is None:
                self.scheduler.replace_score(self._stopped_score_locked())
            else:
                self._prefetch_locked(self._plan, self.scheduler.position().tick)
                self.scheduler.rebuild_live(self._relaid_locked)

    def adopt_song(self, doc: Score) -> Score:
        """Take ``doc`` as the document and return what song mode plays of it, for a caller
        that hands it to the scheduler itself (a shared session's timed take-over)."""
        with self._lock:
            self._doc = doc
            return song_play_score(doc, self._fill, self._cache)

    def set_mode(self, mode: str, pattern_id: str | None, track: int) -> None:
        """Song or pattern mode; while playing, the new mode starts from its beginning."""
        with self._lock:
            position = self.scheduler.position()
            resume = None
            if position.playing and self._mode == "song":
                self._song_tick = position.tick  # pattern mode takes its tempo from here
            elif self._mode == "pattern" and mode == "song":
                resume = self._song_tick  # song mode goes on where it was left
            if mode != self._mode or (pattern_id is not None and pattern_id != self._pattern_id):
                self._pattern_tick = 0  # another pattern starts from its beginning
            self._mode, self._track = mode, track
            if pattern_id is not None:
                self._pattern_id = pattern_id
            if position.playing:
                self._pattern_tick = 0
                self._play_locked(resume)
            else:
                self.scheduler.replace_score(self._stopped_score_locked())
                if resume is not None:
                    self.scheduler.locate(resume)

    def play(
        self, from_tick: int | None = None, count_in: tuple[int, int] = (0, 100), run_on=False
    ) -> None:
        """Play; in song mode after ``count_in`` = (bars, click volume) of clicks, and
        with ``run_on`` on past the song's end until stopped (recording)."""
        with self._lock:
            self._play_locked(from_tick, count_in, run_on)

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._mode == "pattern" and self._plan is not None:
            tick = self.scheduler.position().tick
            slot = self._plan.pass_at(tick)
            self._pattern_id = slot.pattern_id
            self._pattern_tick = max(0, tick - slot.start_tick)  # play goes on from here
        self.scheduler.stop()
        self._plan = None

    def locate(self, tick: int) -> None:
        """Song mode: move the cursor.  Pattern mode: move to the same place in the
        pattern (``tick`` modulo its length), heard from there at once while playing;
        the song's cursor moves to ``tick`` too, for when song mode goes on."""
        tick = max(0, int(tick))
        with self._lock:
            if self._mode == "song":
                self.scheduler.locate(tick)
                return
            self._song_tick = tick
            plan = self._plan
            if plan is None:
                pattern_id = self._pattern_id
                if pattern_id is not None:
                    self._pattern_tick = tick % pass_ticks_of(self._doc, pattern_id)
                return
            # the pass sounding now goes on from that place (its number kept)
            slot = plan.pass_at(self.scheduler.position().tick)
            within = tick % pass_ticks_of(self._doc, slot.pattern_id)
            target = min(slot.start_tick + within, slot.end_tick - 1)
            self._prefetch_locked(plan, target)
            s = self.scheduler
            s.replace_score(self._window_score_locked(target))
            s.play(target)  # releases whatever sounds, then plays on from ``target``

    def queue_pattern(self, pattern_id: str) -> None:
        """Pattern mode: ``pattern_id`` from the next pass boundary not yet heard."""
        with self._lock:
            if not self._doc.has_pattern(pattern_id):
                raise ValueError(f"the song has no pattern {pattern_id!r}")
            if self._mode != "pattern" or self._plan is None:
                if pattern_id != self._pattern_id:
                    self._pattern_tick = 0
                self._pattern_id = pattern_id
                return

            def switch(tick):
                if tick is None:  # stopped meanwhile
                    self._pattern_id = pattern_id
                    return None
                plan = self._plan
                slot = plan.pass_at(tick)
                boundary = tick if slot.start_tick == tick and tick > 0 else slot.end_tick
                self._plan = plan.switched(
                    pattern_id, boundary, pass_ticks_of(self._doc, pattern_id)
                )
                self._pattern_id = pattern_id
                return self._window_score_locked(tick)

            self.scheduler.rebuild_live(switch)

    def set_fill(self, on: bool) -> None:
        with self._lock:
            if on == self._fill:
                return
            self._fill = on
            if self._mode == "song":
                self.scheduler.replace_score(song_play_score(self._doc, on, self._cache))
            elif self._plan is not None:
                self._prefetch_locked(self._plan, self.scheduler.position().tick)
                self.scheduler.rebuild_live(self._window_score_locked)

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
                    at = next_bar_line(self._meter, self._doc.ppq, now - 1) if at_next_bar else 0
                    if not at_next_bar:
                        self._tempo = self._tempo.with_change(0, us)
                    else:
                        kept = tuple(c for c in self._tempo.changes if c.tick < at)
                        self._tempo = replace(self._tempo, changes=kept).with_change(at, us)
                    return self._window_score_locked(tick if tick is not None else 0)
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

    def set_loop(self, enabled: bool, start_tick: int | None, end_tick: int | None) -> None:
        with self._lock:
            loop = self._doc.loop
            if start_tick is not None and end_tick is not None:
                loop = LoopRegion(start_tick, end_tick)
            self._doc = replace(
                self._doc, loop=loop, loop_enabled=bool(enabled) and loop is not None
            )
            if self._mode == "song":
                self.scheduler.set_loop(enabled, start_tick, end_tick)

    def set_track_mix(self, track_index: int, **fields) -> None:
        with self._lock:
            self.scheduler.set_track_mix(track_index, **fields)
            tracks = list(self._doc.tracks)
            tracks[track_index] = replace(tracks[track_index], **fields)
            self._doc = replace(self._doc, tracks=tuple(tracks))

    # --- the scheduler thread ------------------------------------------------------
    def maintain(self, tick: int, playing: bool) -> None:
        """Move pattern mode's window of passes on when playback nears its end."""
        if tick < self._refill_tick or not playing or self._plan is None:
            return  # (read without the lock: a stale value only brings the refill forward)
        with self._lock:
            plan = self._plan
            if plan is None:
                return
            self._prefetch_locked(plan, tick)
            # the window from what sounds now on: the same notes as far as they were sent
            self.scheduler.extend_score(self._window_score_locked(tick))

    def published(self, state: Position) -> Position:
        """``state`` (the scheduler's position) as the position counter shows it: in
        pattern mode the place in the pattern (see module doc), and in both modes the
        pattern, pass and step the step grid lights."""
        return self._cursor.published(
            state, self._mode, self._doc, self._plan, self._track, self._pattern_tick
        )

    def pattern_position(self, tick: int, playing: bool) -> tuple[int, int, int]:
        """(pattern index, pass, step) for the position counter; (-1, 0, -1) when none."""
        return self._cursor.pattern_position(
            tick, playing, self._mode, self._doc, self._plan, self._track
        )

    # --- internals (with _lock held) -----------------------------------------------
    def _prefetch_locked(self, plan: LoopPlan, tick: int) -> None:
        """Expand the passes around ``tick`` now, outside the scheduler's lock (a pass of a
        big pattern takes milliseconds): the build under the lock then finds them made."""
        doc, per_s = self._doc, self._ticks_per_s(tick)
        until = tick + int(per_s * (WINDOW_AHEAD_S + REFILL_MARGIN_S))
        for slot in plan.passes(max(0, tick - int(per_s * WINDOW_BEHIND_S)), until):
            if doc.has_pattern(slot.pattern_id):
                self._loop_cache.pass_notes(
                    doc.pattern(slot.pattern_id),
                    slot.pass_index,
                    slot.start_tick,
                    doc.ppq,
                    doc.seed,
                    self._fill,
                )

    def _ticks_per_s(self, tick: int) -> float:
        us = self._tempo.change_at(tick).us_per_quarter
        return self._doc.ppq * 1_000_000 / us

    def _stopped_score_locked(self) -> Score:
        if self._mode == "song":
            return song_play_score(self._doc, self._fill, self._cache)
        # pattern mode, stopped: the song's tracks and mix, nothing to play yet
        return silent_score(self._doc, constant_tempo(self._doc.tempo_map, self._song_tick))

    def _play_locked(
        self, from_tick: int | None, count_in: tuple[int, int] = (0, 100), run_on=False
    ) -> None:
        s = self.scheduler
        if self._mode == "song":
            s.stop_at_end = not run_on
            s.replace_score(song_play_score(self._doc, self._fill, self._cache))
            s.play(from_tick, count_in=count_in)
            self._plan = None
            return
        pattern_id = self._pattern_id
        if pattern_id is None or not self._doc.has_pattern(pattern_id):
            if not self._doc.patterns:
                raise ValueError("pattern mode needs a pattern, and the song has none")
            pattern_id = self._pattern_id = self._doc.patterns[0].id
        s.stop()
        s.stop_at_end = False  # the window is moved on for ever; stop comes from the musician
        self._tempo = constant_tempo(self._doc.tempo_map, self._song_tick)
        self._meter = constant_meter(self._doc.time_signatures, self._song_tick)
        self._plan = LoopPlan.start(self._doc, pattern_id, self._track)
        # the first pass from where the pattern stands (its start, or a locate's place)
        start = min(self._pattern_tick, pass_ticks_of(self._doc, pattern_id) - 1)
        self._pattern_tick = 0  # used: a play while playing starts the pattern again
        s.replace_score(self._window_score_locked(start))
        s.play(start)

    def _relaid_locked(self, tick: int | None) -> Score:
        if tick is not None and self._plan is not None:
            self._plan = self._plan.relaid(self._doc, tick)
        return self._window_score_locked(tick or 0)

    def _window_score_locked(self, tick: int) -> Score:
        """The played score of pattern mode around ``tick`` (the first unheard tick): the
        notes sounding from WINDOW_BEHIND_S before it to WINDOW_AHEAD_S after it."""
        per_s = self._ticks_per_s(tick)
        lo = max(0, tick - int(per_s * WINDOW_BEHIND_S))
        hi = tick + max(1, int(per_s * WINDOW_AHEAD_S))
        self._refill_tick = hi - int(per_s * REFILL_MARGIN_S)
        plan = self._plan
        if plan is None:
            raise RuntimeError("pattern mode is not playing")
        self._loop_cache.forget_before(plan.pass_at(lo).start_tick)
        return loop_play_score(
            self._doc, plan, lo, hi, self._tempo, self._fill, self._loop_cache, self._meter
        )
