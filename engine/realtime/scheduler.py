"""The scheduler: turns the score into timestamped synth events ahead of the audio clock
(engine scheduler thread; command methods from the engine's command thread).

Every few milliseconds ``service()`` reads the backend's sample clock and sends every
note whose frame falls before ``now + lookahead`` and was not sent yet.  Frames come
from a ``PlaybackTimeline`` anchored when playback starts, never from relative sleeps, so
there is no drift and the loop point is seamless: the window simply runs on into the next
pass.

This module holds the commands (transport, live edits, mix, metronome) and the periodic
``service()``; each takes the scheduler's one short lock and leaves the work under it to
``engine.realtime.window_sender`` (what was sent, sending the next window) and
``engine.realtime.withdrawal`` (withdrawing what a stop or an edit made wrong).  The lock is held only around non-blocking backend calls
(FluidSynth queues them) and never while calling the note-start callback.
"""

from __future__ import annotations

from dataclasses import replace

from engine.core.playback_timeline import PlaybackTimeline
from engine.core.score import LoopRegion, Score
from engine.realtime.channel_events import (
    apply_mix,
    count_in_frames,
    prepare_metronome,
    reset_controllers,
    track_channel,
)
from engine.realtime.position import Position
from engine.realtime.sent_notes import NoteStarts
from engine.realtime.withdrawal import WithdrawingSender

MIX_FIELDS = ("bank", "program", "is_drum", "volume", "pan", "mute", "solo")


class Scheduler(WithdrawingSender):
    """Sends a score to a synth backend ahead of its sample clock (see module doc).

    ``backend`` is an ``engine.audio.synth.SynthBackend`` or anything with its scheduling
    surface: now_frame(), settled_frame() (events up to it surely applied),
    applied_horizon() (events after it surely not), cancel_pending(), cancel_tag(tag),
    schedule_note_on/off(..., tag=), note_on_now/off, program_now, control_now,
    set_channel_type, all_notes_off, all_sounds_off, sample_rate, block_frames,
    tag_slots and optionally min_lookahead_frames.

    ``stop_at_end``: playback stops by itself when the last note has ended (not looping).
    """

    @property
    def score(self) -> Score:
        return self._score

    def load_score(self, score: Score) -> None:
        """A new song: stops playback, releases everything, applies the tracks' mix."""
        starts = NoteStarts.of(score.tracks)  # outside the lock: a long song takes a while
        with self._lock:
            self._stop_locked()
            self._set_score_locked(score, starts)
            self._position_tick = 0
            apply_mix(self.backend, self._score.tracks, self._mix)

    def replace_score(self, score: Score) -> None:
        """A live edit: what changed is heard from at most one look-ahead from now."""
        starts = NoteStarts.of(score.tracks)  # outside the lock, as in load_score
        with self._lock:
            self._replace_locked(score, starts)

    def rebuild_live(self, build) -> None:
        """Replace the score with ``build(tick)``, called under the lock, where ``tick`` is
        the first tick whose events the synth has surely not applied yet (None when
        stopped); ``build`` may return None to keep the score.

        For changes that must land exactly where nothing has been heard yet (a pattern
        switch on a pass boundary): the horizon cannot move on between choosing the place
        and withdrawing what was sent for it.
        """
        with self._lock:
            score = build(self._first_unplayed_tick_locked() if self._playing else None)
            if score is not None:
                self._replace_locked(score)

    def extend_score(self, score: Score) -> None:
        """Take ``score``, which plays the same notes as the score now wherever notes were
        sent or still sound, at the same tempo: only notes not yet sent differ (a window
        of notes moved on).  Nothing is withdrawn or compared; the new notes go out as
        their windows come.  Any other change goes through ``replace_score``."""
        starts = NoteStarts.of(score.tracks)  # outside the lock, as in load_score
        with self._lock:
            old = self._score
            if score.tempo_map != old.tempo_map or score.ppq != old.ppq or score.loop_enabled:
                self._replace_locked(score, starts)
                return
            self._set_score_locked(score, starts)
            self._quiet_until = 0  # new notes may start anywhere not yet sent
            if self._playing:
                self._end_frame = self._compute_end_frame()

    def set_track_mix(self, track_index: int, **fields) -> None:
        """Change program/bank/is_drum/volume/pan/mute/solo of one track, live."""
        unknown = set(fields) - set(MIX_FIELDS)
        if unknown:
            raise ValueError(f"unknown track mix field(s): {', '.join(sorted(unknown))}")
        with self._lock:
            tracks = list(self._score.tracks)
            if not 0 <= track_index < len(tracks):
                raise ValueError(f"there is no track {track_index}")
            tracks[track_index] = replace(tracks[track_index], **fields)
            self._replace_locked(replace(self._score, tracks=tuple(tracks)))

    def set_loop(
        self, enabled: bool, start_tick: int | None = None, end_tick: int | None = None
    ) -> None:
        with self._lock:
            loop = self._score.loop
            if start_tick is not None and end_tick is not None:
                loop = LoopRegion(start_tick, end_tick)
            self._replace_locked(
                replace(self._score, loop=loop, loop_enabled=bool(enabled) and loop is not None)
            )

    def replace_score_at(
        self, score: Score, pass_index: int, tick: int, withdraw_later: bool = False
    ) -> tuple[int, int, bool]:
        """Play ``score`` from ``tick`` of pass ``pass_index`` of the running timeline on:
        notes starting before it come from the score before, notes from there on from
        this one, and nothing already sent changes.  When that place is already sent
        (the edit came too late) the score takes over at the start of the first pass not
        yet sent instead (at once when not looping).  Returns (pass, tick, in_time) of
        where it takes over; when stopped it replaces the score at once.  Passes are
        counted from the start of playback (a take-over with another loop goes on counting).
        ``withdraw_later`` drops the take-overs queued after this one."""
        starts = NoteStarts.of(score.tracks)
        with self._lock:
            if not self._playing:
                self._replace_locked(score, starts)
                return pass_index, tick, True
            tl = self._running()
            pass_index -= tl.first_pass
            in_time = pass_index >= 0 and tl.frame_of(pass_index, tick) >= self._sent_until
            if not in_time:
                pass_index = tl.pass_at(self._sent_until)
                if tl.loop is not None:
                    pass_index += 1
                    tick = tl.loop.start_tick
                else:
                    tick = tl.first_tick_from(pass_index, self._sent_until)
            frame = max(tl.frame_of(pass_index, tick), self._sent_until)
            # a newer score for the same place replaces the one queued there
            self._versions = [
                v for v in self._versions if v[0] != frame and not (withdraw_later and v[0] > frame)
            ]
            self._versions.append((frame, pass_index, tick, score, starts))
            self._versions.sort(key=lambda v: v[0])  # stable: equal frames keep arrival order
            self._quiet_until = 0
            return tl.first_pass + pass_index, tick, in_time

    def play(
        self,
        from_tick: int | None = None,
        at_frame: int | None = None,
        in_phase: bool = False,
        count_in: tuple[int, int] = (0, 100),
    ) -> int:
        """Start at ``from_tick`` (default: where it stopped) one look-ahead from now, or
        at ``at_frame`` if that is later (a start on a sync source's bar), after
        ``count_in`` = (bars, click volume) of metronome clicks.  Returns the frame the
        first tick sounds at."""
        with self._lock:
            if self._playing:
                self._release_locked()
            tick = self._position_tick if from_tick is None else max(0, int(from_tick))
            self._mix.clear()  # send the whole mix again: the synth may have been reset
            apply_mix(self.backend, self._score.tracks, self._mix)
            now = self.backend.now_frame()
            bars, volume = count_in
            start = now + self.lookahead_frames
            start += count_in_frames(self.backend, self._score, tick, bars)
            if at_frame is not None:
                # in_phase: a start already past plays on from where it would be by now
                # (a session's shared start reached late), skipping what is past
                start = int(at_frame) if in_phase else max(start, int(at_frame))
            self.music_from_frame = start
            self._start_locked(
                PlaybackTimeline(
                    self._score.tempo_map,
                    self._score.ppq,
                    self.backend.sample_rate,
                    start,
                    tick,
                    self._loop_region(),
                )
            )
            if start < now:
                # only what is already past stays unplayed: a start reached inside the
                # look-ahead still plays its first notes, on their frames
                self._sent_until = now
            if bars:  # clicks already past (a start reached late) are not struck at once
                prepare_metronome(self.backend)
                self._count_in = (tick, bars, volume, ())
                self._count_in_again_locked(now)
            # the first window at once, so the first notes never wait for service()
            self._send_upto_locked(now + 2 * self.lookahead_frames)
            return start

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def locate(self, tick: int) -> None:
        """Move the cursor; playback (if any) goes on from there."""
        tick = max(0, int(tick))
        if self._playing:
            self.play(tick)
        else:
            with self._lock:
                self._position_tick = tick

    def panic(self) -> None:
        """Stop and silence everything at once: all notes off and all sounds off."""
        with self._lock:
            self._stop_locked()
            for channel, key in self._previews:
                self.backend.note_off_now(channel, key)
            self._previews.clear()
            self.backend.all_notes_off()
            self.backend.all_sounds_off()
            reset_controllers(self.backend, self._score.tracks)

    def preview_on(self, track_index: int, pitch: int, velocity: int) -> None:
        """Sound a note now, straight to the synth (not through the look-ahead)."""
        with self._lock:
            channel = track_channel(track_index)
            self.backend.note_on_now(channel, pitch, velocity)
            self._previews.add((channel, pitch))

    def preview_off(self, track_index: int, pitch: int) -> None:
        with self._lock:
            channel = track_channel(track_index)
            self.backend.note_off_now(channel, pitch)
            self._previews.discard((channel, pitch))

    def retime(
        self, score: Score, place, late_frames: int | None = None
    ) -> tuple[int, int, int] | None:
        """Play on with ``score`` (a new tempo map), its first tick not yet applied moved to
        ``place(frame)``, ``frame`` being where the old timeline had it: how a sync source
        pulls the music onto its beats.  Returns (old frame, new frame, tick) of that
        anchor, or None when stopped.  Nothing already applied moves.  A tick placed before
        what is already applied is placed right after it (a few frames late, not lost);
        with ``late_frames``, the timeline is anchored where it is placed instead (late
        music is on time again at once), and the notes it puts before what is applied
        sound right after it if at most ``late_frames`` late, else are skipped."""
        starts = NoteStarts.of(score.tracks) if not self._starts.matches(score.tracks) else None
        with self._lock:
            self._set_score_locked(score, starts)
            self._quiet_until = 0
            if not self._playing:
                return None
            moved = self._withdraw_and_resend_locked(place, late_frames)
            self.retimed_frames += moved[1] - moved[0]
            return moved

    def set_metronome(self, enabled: bool, volume: int = 100) -> None:
        """Click every beat (the bar's first accented) on the synth's last channel, which
        no track of fewer than 256 uses."""
        with self._lock:
            self._metronome = (volume,) if enabled else None
            prepare_metronome(self.backend)

    def service(self) -> Position:
        """Send the next look-ahead window, report notes that started, return the position."""
        started = []
        with self._lock:
            now = self.backend.now_frame()
            if self._playing:
                self._send_upto_locked(now + self.lookahead_frames)
                started = self._collect_started_locked(now)
                if self.stop_at_end and self._end_frame is not None and now >= self._end_frame:
                    self._position_tick = self._score.end_tick
                    self._playing = False  # every note has ended: nothing to release
                    self._sent.clear()
            state = self._position_locked(now)
        if self.on_note_started is not None:
            for sent in started:  # outside the lock: the callback may take its time
                self.on_note_started(sent.track_index, sent.note, sent.on_frame)
        if self._scheduled:
            scheduled, self._scheduled = self._scheduled, []
            if self.on_scheduled is not None:
                self.on_scheduled(scheduled)
        if self._mixed:
            mixed, self._mixed = self._mixed, []
            if self.on_mixed is not None:
                self.on_mixed(mixed)
        return state

    def timeline(self) -> PlaybackTimeline | None:
        """The timeline playing now (replaced whole on every change), None when stopped."""
        with self._lock:
            return self._timeline if self._playing else None

    def next_tick_at(self, frame: int) -> tuple[int, int] | None:
        """The first tick at or after ``frame`` on the playing timeline and its exact frame
        (None when stopped)."""
        with self._lock:
            if not self._playing:
                return None
            tl = self._running()
            index = tl.pass_at(frame)
            tick = tl.first_tick_from(index, frame)
            return tick, tl.frame_of(index, tick)

    def position(self) -> Position:
        with self._lock:
            return self._position_locked(self.backend.now_frame())
