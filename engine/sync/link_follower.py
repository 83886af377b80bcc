"""Keeps the scheduler's music on a Link session's beats (engine scheduler thread;
``start``/``stop``/``adapt`` also from the engine's command thread, under one lock).

While Link is on, the session owns the tempo and the beat:

- The score plays at the session's tempo (its own tempo map is set aside, as in any
  Link-enabled sequencer), and a tempo change from any peer re-times what is not yet
  applied, so it is followed within a few milliseconds, well inside one beat.  The
  tempo is counted in the audio clock's own time: a sound card running 50 ppm fast
  needs 50 ppm more frames per beat to keep the host clock's beat.
- Pianola's own tempo change (a new tempo in the document) is pushed to the session,
  and comes back from it like any peer's.
- Play starts on the session's next quantum boundary (a bar of ``quantum`` beats), or
  after a count-in that ends on one: its clicks begin on the first boundary that leaves
  room for them, so with a meter of ``quantum`` beats they fall on the session's bars;
  joining a session never moves its beat (only ``requestBeat``-free reads are used here),
  and with start/stop sync a peer's start starts Pianola on the quantum and its stop
  stops it.
- Link turned on while the music plays keeps it playing and brings its bars into the
  session's phase at once (``follow_playing``): the music's beat within its bar is made
  the session's beat within the quantum, by the nearest shift.  A session that meets
  another one while playing (a peer joins, or Pianola finds the peers only after its
  start) changes its beat by up to half a quantum the same way; either is one re-timing.
- The music's beat at a synth frame is ``ref_beat + (frame - ref_frame) / frames_per_beat``
  on the scheduler's own timeline; every period the beat the session has at the time that
  frame will be heard is compared with it, and more than ``max_error_frames`` apart the
  timeline is re-timed onto the session (the audio clock and the host clock never run at
  exactly the same rate, so this happens every several seconds).  Re-timing anchors the
  music where the session has it even when that is already past: late music is on time
  again at once, its notes up to ``LATE_LIMIT_S`` late sound at once and earlier ones (a
  stall, a session that jumped ahead) are skipped, as the session has passed them.

``clock`` maps synth frames to the host time they are heard at (``HeardClock``), the
output latency included, so what is heard is on the beat, not what is computed.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from engine.core.score import Score
from engine.core.timing import TempoChange, TempoMap, bpm_to_us_per_quarter, us_per_quarter_to_bpm

DEFAULT_MAX_ERROR_FRAMES = 12  # a quarter of a millisecond at 48 kHz
SETTLE_LIMIT_US = 2_000_000  # a start waits this long at most for a settled clock
RATE_CHANGE = 1e-4  # re-time for a changed audio clock rate beyond this (the fit's noise)
START_MARGIN_US = 20_000  # a start is never planned closer than this to the present
LATE_LIMIT_S = 0.1  # re-timed notes up to this late still sound (at once); later are skipped


def constant_tempo(us_per_quarter: int) -> TempoMap:
    return TempoMap((TempoChange(0, us_per_quarter),))


class LinkFollower:
    announce_peers = True  # a MIDI clock has no peers to count
    """See module doc.  ``scheduler`` is an ``engine.realtime.scheduler.Scheduler``;
    ``session`` a ``LinkSession`` (or anything with its methods); ``say(text)`` reports a
    change of state once (a peer joined, the last peer left, ...)."""

    def __init__(
        self,
        scheduler,
        session,
        clock,
        *,
        say=None,
        max_error_frames: int = DEFAULT_MAX_ERROR_FRAMES,
    ):
        self.scheduler = scheduler
        self.session = session
        self.clock = clock
        self.say = say or (lambda text: None)
        self.max_error_frames = max_error_frames
        self.sample_rate = scheduler.backend.sample_rate
        self._lock = threading.Lock()
        self._session_bpm = session.snapshot().tempo_bpm
        self._us_per_quarter = bpm_to_us_per_quarter(self._session_bpm)  # on the audio clock
        self._document_tempo: int | None = None  # the document's own tempo, last seen
        self._ref: tuple[float, float] | None = None  # (synth frame, beat) while playing
        self._pending_start: int | None = None  # tick to start from once the clock is ready
        self._pending_count_in = (0, 100)  # and the count-in it asked for
        self._pending_since_us = session.now_us()  # since when (or since we began)
        self._adopt_playing = False  # Link came on while playing: place it once settled
        self._peers = 0
        self._session_playing = False
        self.retimes = 0
        self.catch_ups = 0
        # False in a live session: its timed versions of the song carry tempos of several
        # moments, so the session's tempo comes by ``session.set_tempo`` instead
        self.pushes_document_tempo = True

    # --- the document ----------------------------------------------------------------
    @property
    def tempo_bpm(self) -> float:
        """The session's tempo."""
        return self._session_bpm

    @property
    def shown_us_per_quarter(self) -> int:
        return bpm_to_us_per_quarter(self._session_bpm)

    def _audio_us_per_quarter(self, bpm: float) -> int:
        return round(bpm_to_us_per_quarter(bpm) * self.clock.rate_ratio)

    def adapt(self, score: Score) -> Score:
        """The score as the engine plays it under Link: at the session's tempo.

        A document whose own tempo changed since the last one is a tempo change by the
        musician: it goes to the session (and so to every peer)."""
        with self._lock:
            own = score.tempo_map.changes[0].us_per_quarter
            pushed = self.pushes_document_tempo and self._document_tempo is not None
            if pushed and own != self._document_tempo:
                self.session.set_tempo(us_per_quarter_to_bpm(own))
            self._document_tempo = own
            return replace(score, tempo_map=constant_tempo(self._us_per_quarter))

    # --- transport -------------------------------------------------------------------
    def start(self, from_tick: int | None = None, count_in: tuple[int, int] = (0, 100)) -> None:
        """Play from ``from_tick`` on the session's next quantum boundary, after
        ``count_in`` = (bars, click volume) of clicks ending there."""
        with self._lock:
            if not self.clock.ready:
                self._pending_start = 0 if from_tick is None else from_tick
                self._pending_count_in = count_in
                self._pending_since_us = self.session.now_us()
                return
            self._start_locked(from_tick, None, announce=True, count_in=count_in)

    def follow_playing(self) -> None:
        """Link came on while the music plays: keep playing, in the session's phase."""
        with self._lock:
            self._adopt_playing = self.scheduler.timeline() is not None
            self._pending_since_us = self.session.now_us()

    def _adopt_locked(self) -> None:
        """Give the music playing a beat on the session's line: its own beat within the
        bar (ticks from the song's start, ``quantum`` beats a bar) in the session's phase,
        the nearest such beat to where the session is; re-timing then moves it there."""
        self._adopt_playing = False
        found = self.scheduler.next_tick_at(
            self.scheduler.backend.now_frame() + self.scheduler.lookahead_frames
        )
        if found is None:
            return
        tick, frame = found
        own = tick / self.scheduler.score.ppq
        session = self.session.beat_at(self.clock.host_us_heard_at(frame))
        quantum = self.session.quantum
        self._ref = (float(frame), own + quantum * round((session - own) / quantum))
        self._session_playing = self.session.snapshot().playing

    def quantum_frame_after(self, frame: int) -> int | None:
        """The synth frame of the session's first quantum boundary after ``frame`` on the
        music's own line (what the scheduler plays, kept on the session's), for a change
        that must start on the session's bar; None while nothing is followed."""
        with self._lock:
            if self._ref is None:
                return None
            beat = self.session.next_quantum_beat(self.clock.host_us_heard_at(frame))
            ref_frame, ref_beat = self._ref
            return round(ref_frame + (beat - ref_beat) * self._frames_per_beat())

    def _settled(self) -> bool:
        """The clock is settled enough to place a start (or has been waited for long
        enough: a busy machine's clock may never look settled, and silence is worse)."""
        if self.clock.ready:
            return True
        return self.session.now_us() - self._pending_since_us > SETTLE_LIMIT_US

    def stop(self) -> None:
        with self._lock:
            self._pending_start = None
            self._ref = None
            self.scheduler.stop()
            if self.session.start_stop_sync:
                self._session_playing = False
                self.session.set_playing(False, self.session.now_us())

    def _start_locked(
        self, from_tick, not_before_us: int | None, announce: bool, anchor=None, count_in=(0, 100)
    ) -> None:
        """Play on the first quantum boundary from ``not_before_us`` on that can still be
        reached, after ``count_in`` (bars, click volume) of clicks that fit before it.
        ``anchor`` (tick, beat): the source says at which of its beats a tick sounds (a
        MIDI clock's Start: tick 0 at its first pulse); the start is then that beat's tick
        at the boundary, not ``from_tick``."""
        now_frame = self.scheduler.backend.now_frame()
        earliest_frame = now_frame + self.scheduler.lookahead_frames
        earliest_us = max(
            self.clock.host_us_heard_at(earliest_frame), self.session.now_us() + START_MARGIN_US
        )
        if not_before_us is not None:
            earliest_us = max(earliest_us, not_before_us)
        earliest_us += self._count_in_us(from_tick, count_in[0])
        beat = self.session.next_quantum_beat(earliest_us)
        if anchor is not None:
            tick, at_beat = anchor
            from_tick = max(0, round(tick + (beat - at_beat) * self.scheduler.score.ppq))
        start_us = self.session.time_at_beat(beat)
        frame = round(self.clock.synth_frame_heard_at(start_us))
        frame = self.scheduler.play(from_tick, at_frame=frame, count_in=count_in)
        self._ref = (float(frame), beat)
        if announce and self.session.start_stop_sync:
            self._session_playing = True
            self.session.set_playing(True, int(start_us))

    def _count_in_us(self, from_tick: int | None, bars: int) -> int:
        """How long ``bars`` bars of count-in before ``from_tick`` last, at the session's
        tempo (the meter is the song's there)."""
        if not bars:
            return 0
        score = self.scheduler.score
        tick = self.scheduler.position().tick if from_tick is None else from_tick
        sig = score.time_signatures.at(tick)
        quarters = sig.bar_ticks(score.ppq) * bars / score.ppq
        return round(quarters * bpm_to_us_per_quarter(self._session_bpm))

    # --- the periodic work (scheduler thread) ----------------------------------------
    def service(self) -> None:
        """Once per scheduler period, before ``Scheduler.service()``."""
        with self._lock:
            self.clock.update(self.scheduler.backend.now_frame())
            if not self.clock.usable:
                return
            if self._pending_start is not None and self._settled():
                tick, self._pending_start = self._pending_start, None
                self._start_locked(tick, None, announce=True, count_in=self._pending_count_in)
            if self._adopt_playing and self._settled():
                self._adopt_locked()
            # read after a start of ours: an older reading would see it as a peer's stop
            snap = self.session.snapshot()
            self._follow_peers(snap.peers)
            self._follow_transport(snap)
            tempo = self._audio_us_per_quarter(snap.tempo_bpm)
            if snap.tempo_bpm != self._session_bpm:
                self._session_bpm = snap.tempo_bpm
                self._us_per_quarter = tempo
                if self.announce_peers:
                    self.say(f"Link tempo {snap.tempo_bpm:.2f} BPM.")
                self._retime_locked()
            elif abs(tempo - self._us_per_quarter) > RATE_CHANGE * self._us_per_quarter:
                self._us_per_quarter = tempo  # the audio clock's rate is known better now
                self._retime_locked()
            elif self._ref is not None:
                error = self._error_frames()
                if abs(error) > self.max_error_frames:
                    if error < -self._late_limit_frames:
                        self.catch_ups += 1  # so late that notes are skipped
                    self._retime_locked()

    @property
    def peers(self) -> int:
        return self._peers

    def _follow_peers(self, peers: int) -> None:
        if peers != self._peers and self.announce_peers:
            self._peers = peers
            if peers == 0:
                self.say(f"The last Link peer left: playing on at {self.tempo_bpm:.2f} BPM.")
            else:
                self.say(f"Link: {peers} peer{'s' if peers != 1 else ''}.")

    def _follow_transport(self, snap) -> None:
        if not self.session.start_stop_sync or snap.playing == self._session_playing:
            return
        if snap.playing and not self._settled():
            return  # a start is placed on a settled clock only: next period
        self._session_playing = snap.playing
        if snap.playing and self._ref is None:
            # a peer started: start with it, on the quantum at or after its start
            self._start_locked(None, snap.playing_changed_us, announce=False)
        elif not snap.playing and self._ref is not None:
            self._ref = None
            self.scheduler.stop()

    def _frames_per_beat(self) -> float:
        return self._timeline_us_per_quarter * self.sample_rate / 1_000_000

    @property
    def _timeline_us_per_quarter(self) -> int:
        return self.scheduler.score.tempo_map.changes[0].us_per_quarter

    def _beat_of(self, frame: float, frames_per_beat: float | None = None) -> float:
        """The session beat at ``frame`` (only while following: there is a reference)."""
        if self._ref is None:
            raise RuntimeError("no Link reference: not following")
        ref_frame, ref_beat = self._ref
        return ref_beat + (frame - ref_frame) / (frames_per_beat or self._frames_per_beat())

    def _session_frame_of(self, beat: float) -> float:
        return self.clock.synth_frame_heard_at(self.session.time_at_beat(beat))

    def _error_frames(self) -> float:
        """Where the session has the beat our music has one look-ahead from now, minus
        that frame: negative when the music is late."""
        frame = self.scheduler.backend.now_frame() + self.scheduler.lookahead_frames
        return self._session_frame_of(self._beat_of(frame)) - frame

    @property
    def _late_limit_frames(self) -> int:
        return max(self.scheduler.lookahead_frames, round(LATE_LIMIT_S * self.sample_rate))

    def _retime_locked(self) -> None:
        score = replace(self.scheduler.score, tempo_map=constant_tempo(self._us_per_quarter))
        if self._ref is None:
            self.scheduler.retime(score, None)
            return
        placed = {}
        old_frames_per_beat = self._frames_per_beat()  # before the score changes tempo

        def place(old_frame: int) -> float:
            # the old timeline's beat of that tick is the music's identity: keep it
            beat = self._beat_of(old_frame, old_frames_per_beat)
            placed["beat"] = beat
            return round(self._session_frame_of(beat))

        moved = self.scheduler.retime(score, place, late_frames=self._late_limit_frames)
        if moved is None:
            self._ref = None
            return
        _old_frame, new_frame, _tick = moved
        self._ref = (float(new_frame), placed["beat"])
        self.retimes += 1
