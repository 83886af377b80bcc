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
    pass_ticks_of,
    silent_score,
    song_play_score,
)
from engine.core.score import LoopRegion, Score
from engine.core.timing import TempoChange, TempoMap
from engine.realtime.adapting_scheduler import AdaptingScheduler
from engine.realtime.pattern_cursor import PatternCursor
from engine.realtime.pattern_timing import TimingChanges
from engine.realtime.position import Position
from engine.realtime.sync_target import SyncedTransport

WINDOW_AHEAD_S = 3.0  # pattern mode's played score reaches this far past the first unheard tick
REFILL_MARGIN_S = 1.0  # and is moved on when less than this is left
# ...and keeps every note still sounding this long before it: a note dropped from the
# played score while it may sound would be withdrawn and cut short
WINDOW_BEHIND_S = 0.1


class PatternPlayer(TimingChanges, SyncedTransport):
    """Plays the document in song or pattern mode through ``scheduler`` (see module doc)."""

    def __init__(self, scheduler, adapt=None, imposed_tempo=None, quantum_ticks=None):
        self.scheduler = AdaptingScheduler(scheduler, adapt) if adapt is not None else scheduler
        # pattern mode's scores go straight to the scheduler: under a sync source they
        # take the tempo it imposes (``imposed_tempo()``: microseconds per quarter, or
        # None), read without its lock, which a source starting pattern mode holds
        self._raw = scheduler
        self._imposed = imposed_tempo or (lambda: None)
        # a Link session's bar in ticks (``quantum_ticks(ppq)``, None without Link): the
        # loop's ticks count beats from one of its bars, so switches land on its bars
        self._quantum_ticks = quantum_ticks or (lambda ppq: None)
        self._lock = threading.Lock()
        self._run_on = False  # playing to record: on past the song's end until stopped
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
        self._window_lo = 0  # and built again when playback jumps back before this tick
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
            self._target().load_score(self._stopped_score_locked())

    def replace_score(self, doc: Score) -> None:
        """A live edit of the document (notes, steps, patterns, placements, mix...)."""
        with self._lock:
            self._doc = doc
            if self._mode == "song":
                self.scheduler.replace_score(song_play_score(doc, self._fill, self._cache))
            elif self._plan is None:
                self._raw.replace_score(self._stopped_score_locked())
            else:
                self._prefetch_locked(self._plan, self.scheduler.position().tick)
                self.scheduler.rebuild_live(self._relaid_locked)

    def adopt_song(self, doc: Score) -> Score:
        """Take ``doc`` as the document and return what song mode plays of it, for a caller
        that hands it to the scheduler itself (a shared session's timed take-over)."""
        with self._lock:
            self._doc = doc
            return song_play_score(doc, self._fill, self._cache)

    def set_mode(
        self, mode: str, pattern_id: str | None, track: int, at_frame: int | None = None
    ) -> None:
        """Song or pattern mode; while playing, the new mode starts from its beginning
        (at ``at_frame``: a sync source's bar, its first beat there even if reached late;
        song mode then goes on from the start of its bar, to keep the bars in phase)."""
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
                quantum = self._quantum_ticks(self._doc.ppq)
                if resume is not None and at_frame is not None and quantum is not None:
                    resume -= resume % quantum
                self._play_locked(resume, at_frame=at_frame)
            else:
                self._target().replace_score(self._stopped_score_locked())
                if mode == "song":  # pattern mode's window left it playing on for ever
                    self.scheduler.stop_at_end = not self._run_on
                if resume is not None:
                    self.scheduler.locate(resume)

    def play(
        self, from_tick: int | None = None, count_in: tuple[int, int] = (0, 100), run_on=False
    ) -> None:
        """Play; in song mode after ``count_in`` = (bars, click volume) of clicks, and
        with ``run_on`` on past the song's end until stopped (recording)."""
        with self._lock:
            self._play_locked(from_tick, count_in, run_on)

    def set_run_on(self, on: bool) -> None:
        """Play on past the song's end (recording) or not, for the next start whoever
        makes it: a sync source starts the scheduler without passing through ``play``."""
        with self._lock:
            self._run_on = on
            if self._mode == "song":
                self.scheduler.stop_at_end = not on

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        self._run_on = False
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
            else:
                self._locate_locked(tick)

    def _locate_locked(self, tick: int) -> None:
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
        self._raw.replace_score(self._window_score_locked(target))
        self._raw.play(target)  # releases whatever sounds, then plays on from ``target``

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
                quantum = self._quantum_ticks(self._doc.ppq)
                if quantum is not None:  # under Link: on the session's first bar from there
                    boundary = -(-boundary // quantum) * quantum
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
        if not playing or self._plan is None or self._window_lo <= tick < self._refill_tick:
            return  # (read without the lock: a stale value only brings the refill forward)
        with self._lock:
            plan = self._plan
            if plan is None:
                return
            self._prefetch_locked(plan, tick)
            # the window from what sounds now on: the same notes as far as they were sent
            self._raw.extend_score(self._window_score_locked(tick))

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
        return silent_score(self._doc, self._pattern_tempo())

    def _play_locked(
        self,
        from_tick: int | None,
        count_in: tuple[int, int] = (0, 100),
        run_on: bool | None = None,
        synced: tuple | None = None,
        at_frame: int | None = None,
    ) -> int:
        """Play; returns the frame the first tick sounds at.  ``synced`` = (tick or None,
        at_frame, in_phase): a sync source starts pattern mode at its own frame, from its
        own position (a tick, laid on the loop's passes counted from tick 0) or else from
        the pattern's start.  ``at_frame``: a mode change on a sync source's bar."""
        s = self.scheduler
        if run_on is None:  # played again (a mode change): as the musician last asked
            run_on = self._run_on
        self._run_on = run_on
        if self._mode == "song":
            s.stop_at_end = not run_on
            s.replace_score(song_play_score(self._doc, self._fill, self._cache))
            self._plan = None
            return s.play(from_tick, at_frame, at_frame is not None, count_in=count_in)
        pattern_id = self._pattern_id
        if pattern_id is None or not self._doc.has_pattern(pattern_id):
            if not self._doc.patterns:
                raise ValueError("pattern mode needs a pattern, and the song has none")
            pattern_id = self._pattern_id = self._doc.patterns[0].id
        raw = self._raw
        raw.stop()
        raw.stop_at_end = False  # the window is moved on for ever; stop comes from the musician
        self._tempo = self._pattern_tempo()
        self._meter = constant_meter(self._doc.time_signatures, self._song_tick)
        self._plan = LoopPlan.start(self._doc, pattern_id, self._track)
        if synced is None:  # from where the pattern stands (its start, or a locate's place)
            start, in_phase = self._pattern_tick, at_frame is not None
            start = min(start, pass_ticks_of(self._doc, pattern_id) - 1)
        else:
            start, at_frame, in_phase = synced
            start = max(0, start or 0)
        self._pattern_tick = 0  # used: a play while playing starts the pattern again
        raw.replace_score(self._window_score_locked(start, keep_tempo=True))
        return raw.play(start, at_frame=at_frame, in_phase=in_phase)

    def _target(self):
        """Where the player's scores go: pattern mode's straight to the scheduler."""
        return self._raw if self._mode == "pattern" else self.scheduler

    def _pattern_tempo(self):
        """Pattern mode's tempo: a sync source's, else the song's where song mode stood."""
        us = self._imposed()
        if us is not None:
            return TempoMap((TempoChange(0, int(us)),))
        return constant_tempo(self._doc.tempo_map, self._song_tick)

    def _relaid_locked(self, tick: int | None) -> Score:
        if tick is not None and self._plan is not None:
            self._plan = self._plan.relaid(self._doc, tick)
        return self._window_score_locked(tick or 0)

    def _window_score_locked(self, tick: int, keep_tempo: bool = False) -> Score:
        """The played score of pattern mode around ``tick`` (the first unheard tick): the
        notes sounding from WINDOW_BEHIND_S before it to WINDOW_AHEAD_S after it, at the
        tempo playing now (a sync source may have re-timed it) unless ``keep_tempo``."""
        if not keep_tempo and self._plan is not None:  # (no lock: builds run under it)
            self._tempo = self._raw.score.tempo_map
        per_s = self._ticks_per_s(tick)
        lo = max(0, tick - int(per_s * WINDOW_BEHIND_S))
        self._window_lo = lo
        hi = tick + max(1, int(per_s * WINDOW_AHEAD_S))
        self._refill_tick = hi - int(per_s * REFILL_MARGIN_S)
        plan = self._plan
        if plan is None:
            raise RuntimeError("pattern mode is not playing")
        self._loop_cache.forget_before(plan.pass_at(lo).start_tick)
        return loop_play_score(
            self._doc, plan, lo, hi, self._tempo, self._fill, self._loop_cache, self._meter
        )
