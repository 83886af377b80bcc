"""The scheduler: turns the score into timestamped synth events ahead of the audio clock
(engine scheduler thread; command methods from the engine's command thread).

Every few milliseconds ``service()`` reads the backend's sample clock and sends every
note whose frame falls before ``now + lookahead`` and was not sent yet (``_sent_until``
remembers how far it got).  Frames come from a ``PlaybackTimeline`` anchored when
playback starts, never from relative sleeps, so there is no drift and the loop point is
seamless: the window simply runs on into the next pass.

Thread safety: one short lock (``_lock``) guards all state; it is held only around
non-blocking backend calls (FluidSynth queues them) and never while calling the
note-start callback.

Live edits: notes beyond ``_sent_until`` are picked up by the next window anyway.  For
the window already sent, added notes are just sent; a sent note that was deleted,
changed or muted has its events withdrawn by tag (``backend.cancel_tag``: only the notes
sharing its slot are sent again), and a tempo or loop change withdraws everything
pending (``backend.cancel_pending``), re-anchors the timeline and sends again what is
wanted.  Every note sent is remembered until it ends, per channel and key, so stop,
locate, edits and panic can always send the note-off a withdrawal might have taken: no
note is left sounding.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import replace
from operator import attrgetter

from engine.core import metronome
from engine.core.controllers import resets
from engine.core.note import SYNTH_CHANNELS
from engine.core.playback_timeline import PlaybackTimeline
from engine.core.score import DRUM_BANK, LoopRegion, Score
from engine.realtime.position import Position
from engine.realtime.sent_notes import NoteStarts, SentNote

# Controller events go out with tag 0; notes never take a tag in its slot (a multiple of
# the backend's 256 tag slots), so withdrawing a note's slot never takes a pedal with it.
CONTROL_SLOT_PERIOD = 256
METRONOME_CHANNEL = SYNTH_CHANNELS - 1  # the synth's last channel: the click never shares a track's
CC_VOLUME, CC_PAN = 7, 10
MIX_FIELDS = ("bank", "program", "is_drum", "volume", "pan", "mute", "solo")


_ON_FRAME = attrgetter("on_frame")  # _sent is kept sorted by it
_TICK = attrgetter("tick")


def _bank_of(track) -> int:
    return DRUM_BANK if track.is_drum and track.bank < DRUM_BANK else track.bank


def track_channel(track_index: int) -> int:
    """The synth channel of a track: its own, so tracks never share a program."""
    return track_index % SYNTH_CHANNELS


class Scheduler:
    """Sends a score to a synth backend ahead of its sample clock (see module doc).

    ``backend`` is an ``engine.audio.synth.SynthBackend`` or anything with its scheduling
    surface: now_frame(), settled_frame() (events up to it surely applied),
    applied_horizon() (events after it surely not), cancel_pending(), cancel_tag(tag),
    schedule_note_on/off(..., tag=), note_on_now/off, program_now, control_now,
    set_channel_type, all_notes_off, all_sounds_off, sample_rate, block_frames,
    tag_slots and optionally min_lookahead_frames.

    ``stop_at_end``: playback stops by itself when the last note has ended (not looping).
    """

    def __init__(
        self, backend, *, lookahead_frames: int, on_note_started=None, stop_at_end: bool = True
    ):
        if lookahead_frames < 1:
            raise ValueError(f"lookahead_frames must be at least 1, not {lookahead_frames}")
        self.backend = backend
        # never shorter than the backend needs to queue events before it renders them
        self.lookahead_frames = max(lookahead_frames, getattr(backend, "min_lookahead_frames", 0))
        self.on_note_started = on_note_started
        self.stop_at_end = stop_at_end
        self._lock = threading.Lock()
        self._score = Score()
        self._audible: frozenset[int] = frozenset()
        self._audible_order: tuple[int, ...] = ()  # the same, sorted (the send order)
        self._starts = NoteStarts.of(())
        self._playing = False
        self._position_tick = 0  # where play() starts when stopped
        self._timeline: PlaybackTimeline | None = None
        self._end_frame: int | None = None
        self._sent_until = 0
        # No note starts before this frame from _sent_until on, so windows ending by it
        # need no work (most of them: a 4 ms window rarely holds a note start).  Reset to
        # 0 whenever the score or the timeline changes.
        self._quiet_until = 0
        self._sent: list[SentNote] = []  # in on_frame order, pruned once ended
        self._reported_frame = -1  # notes with on_frame up to here were reported started
        self._mix: dict[int, tuple] = {}  # channel -> mix last applied to the synth
        self._previews: set[tuple[int, int]] = set()
        self._next_tag = 0
        self._metronome: tuple[int] | None = None  # (volume,) while the click is on
        # Scores that take over at a given frame of the running timeline (a shared
        # session's edits, stamped ahead so every peer switches on the same tick):
        # (frame, pass index, tick, score, starts), in frame order.
        self._versions: list[tuple[int, int, int, Score, NoteStarts]] = []
        # When set, every note sent is reported: (pass, on tick, off tick, track, key,
        # velocity) tuples, handed over outside the lock by service().
        self.on_scheduled = None
        self._scheduled: list[tuple[int, int, int, int, int, int]] = []

    # --- score and mix ---------------------------------------------------------------
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
            self._apply_mix_locked()

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

    def _first_unplayed_tick_locked(self) -> int:
        frame = self.backend.applied_horizon() + 1
        tl = self._timeline
        index = tl.pass_at(frame)
        tick = tl.first_tick_from(index, frame)
        end = tl.pass_end_tick(index)
        return tick if end is None else min(tick, end)

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

    def _apply_mix_locked(self) -> None:
        """Send each track's channel type, program, volume and pan if they changed."""
        b = self.backend
        for index, track in enumerate(self._score.tracks):
            channel = track_channel(index)
            bank = DRUM_BANK if track.is_drum and track.bank < DRUM_BANK else track.bank
            mix = (track.is_drum, bank, track.program, track.volume, track.pan, track.output)
            if self._mix.get(channel) == mix:
                continue
            b.set_channel_type(channel, track.is_drum)
            if not b.program_now(channel, bank, track.program) and track.is_drum:
                b.program_now(channel, DRUM_BANK, 0)  # a kit the font lacks: its standard kit
            b.control_now(channel, CC_VOLUME, track.volume)
            b.control_now(channel, CC_PAN, track.pan)
            self._mix[channel] = mix

    def replace_score_at(self, score: Score, pass_index: int, tick: int) -> tuple[int, int, bool]:
        """Play ``score`` from ``tick`` of pass ``pass_index`` of the running timeline on:
        notes starting before it come from the score before, notes from there on from
        this one, and nothing already sent changes.  When that place is already sent
        (the edit came too late) the score takes over at the start of the first pass not
        yet sent instead (at once when not looping).  Returns (pass, tick, in_time) of
        where it takes over; when stopped it replaces the score at once."""
        starts = NoteStarts.of(score.tracks)
        with self._lock:
            if not self._playing:
                self._replace_locked(score, starts)
                return pass_index, tick, True
            tl = self._timeline
            in_time = pass_index >= 0 and tl.frame_of(pass_index, tick) >= self._sent_until
            if not in_time:
                pass_index = tl.pass_at(self._sent_until)
                if tl.looping:
                    pass_index += 1
                    tick = tl.loop.start_tick
                else:
                    tick = tl.first_tick_from(pass_index, self._sent_until)
            frame = max(tl.frame_of(pass_index, tick), self._sent_until)
            # a newer score for the same place replaces the one queued there
            self._versions = [v for v in self._versions if v[0] != frame]
            self._versions.append((frame, pass_index, tick, score, starts))
            self._versions.sort(key=lambda v: v[0])  # stable: equal frames keep arrival order
            self._quiet_until = 0
            return pass_index, tick, in_time

    # --- transport -------------------------------------------------------------------
    def play(
        self, from_tick: int | None = None, at_frame: int | None = None, in_phase: bool = False
    ) -> int:
        """Start at ``from_tick`` (default: where it stopped) one look-ahead from now, or
        at ``at_frame`` if that is later (a start on a sync source's bar).  Returns the
        frame the first tick sounds at."""
        with self._lock:
            if self._playing:
                self._release_locked()
            tick = self._position_tick if from_tick is None else max(0, int(from_tick))
            self._mix.clear()  # send the whole mix again: the synth may have been reset
            self._apply_mix_locked()
            now = self.backend.now_frame()
            start = now + self.lookahead_frames
            if at_frame is not None:
                # in_phase: a start already past plays on from where it would be by now
                # (a session's shared start reached late), skipping what is past
                start = int(at_frame) if in_phase else max(start, int(at_frame))
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
            if start < now + self.lookahead_frames:
                self._sent_until = now + self.lookahead_frames
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
            self._reset_controllers_locked()

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

    def retime(self, score: Score, place) -> tuple[int, int, int] | None:
        """Play on with ``score`` (a new tempo map), its first tick not yet applied moved to
        ``place(frame)``, ``frame`` being where the old timeline had it: how a sync source
        pulls the music onto its beats.  Returns (old frame, new frame, tick) of that
        anchor, or None when stopped.  Nothing already applied moves; a tick placed before
        what is already applied is placed right after it (a few frames late, not lost)."""
        starts = NoteStarts.of(score.tracks) if not self._starts.matches(score.tracks) else None
        with self._lock:
            self._set_score_locked(score, starts)
            self._quiet_until = 0
            if not self._playing:
                return None
            return self._withdraw_and_resend_locked(place)

    # --- the periodic work -----------------------------------------------------------
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
            tl = self._timeline
            index = tl.pass_at(frame)
            tick = tl.first_tick_from(index, frame)
            return tick, tl.frame_of(index, tick)

    def position(self) -> Position:
        with self._lock:
            return self._position_locked(self.backend.now_frame())

    # --- internals (all called with _lock held) --------------------------------------
    def _loop_region(self) -> LoopRegion | None:
        return self._score.loop if self._score.loop_enabled else None

    def _start_locked(self, timeline: PlaybackTimeline) -> None:
        self._versions.clear()  # they were placed on the timeline this one replaces
        self._timeline = timeline
        self._playing = True
        self._sent_until = timeline.anchor_frame
        self._quiet_until = 0
        self._end_frame = self._compute_end_frame()

    def _compute_end_frame(self) -> int | None:
        tl = self._timeline
        if tl.looping:
            return None
        return tl.frame_of(0, max(tl.anchor_tick, self._score.end_tick))

    def _position_locked(self, now: int) -> Position:
        if not self._playing:
            tick = self._position_tick
            return Position(
                frame=now,
                tick=tick,
                us_per_quarter=self._score.tempo_map.change_at(tick).us_per_quarter,
            )
        tl = self._timeline
        tick = tl.tick_at(now)
        return Position(
            frame=now,
            tick=tick,
            us_per_quarter=self._score.tempo_map.change_at(tick).us_per_quarter,
            playing=True,
            loop_count=tl.loop_count_at(now),
        )

    def _wanted(self, start_frame: int, end_frame: int) -> list[SentNote]:
        """The notes (audible tracks) whose note-on falls in [start_frame, end_frame)."""
        tl, score = self._timeline, self._score
        block = getattr(self.backend, "block_frames", 1)
        wanted = []
        for seg in tl.segments(start_frame, end_frame):
            # most windows of a few ms hold no note start at all: one bisect says so
            if not self._starts.any_in(seg.start_tick, seg.end_tick):
                continue
            for index in self._audible_order:
                channel = track_channel(index)
                for note in score.tracks[index].notes_starting_in(seg.start_tick, seg.end_tick):
                    on = tl.frame_of(seg.index, note.start_tick)
                    end_tick = (
                        note.end_tick
                        if seg.clip_tick is None
                        else min(note.end_tick, seg.clip_tick)
                    )
                    # a note-off in the same synth block as its note-on would run first
                    off = max(tl.frame_of(seg.index, end_tick), on + block)
                    self._next_tag += 1
                    if self._next_tag % CONTROL_SLOT_PERIOD == 0:  # slot 0: controller events
                        self._next_tag += 1
                    wanted.append(
                        SentNote(on, off, channel, index, note, seg.index, self._next_tag)
                    )
        wanted.sort(key=lambda s: (s.on_frame, s.track_index))
        return wanted

    def _send(self, notes: list[SentNote]) -> None:
        b = self.backend
        for s in notes:
            b.schedule_note_on(s.on_frame, s.channel, s.note.pitch, s.note.velocity, tag=s.tag)
            b.schedule_note_off(s.off_frame, s.channel, s.note.pitch, tag=s.tag)
        if self.on_scheduled is not None and notes:
            tl = self._timeline
            for s in notes:
                clip = tl.pass_end_tick(s.pass_index) if tl.looping else None
                end = s.note.end_tick if clip is None else min(s.note.end_tick, clip)
                self._scheduled.append(
                    (
                        s.pass_index,
                        s.note.start_tick,
                        end,
                        s.track_index,
                        s.note.pitch,
                        s.note.velocity,
                    )
                )

    def _send_upto_locked(self, horizon: int) -> None:
        while self._versions and self._versions[0][0] < horizon:
            frame, _, _, score, starts = self._versions.pop(0)
            self._send_window_locked(frame)
            old = self._score
            self._set_score_locked(score, starts)
            self._apply_mix_locked()
            self._quiet_until = 0
            timeline_changed = score.tempo_map != old.tempo_map or score.ppq != old.ppq
            if timeline_changed or self._loop_region() != (old.loop if old.loop_enabled else None):
                self._withdraw_and_resend_locked()
            else:
                self._end_frame = self._compute_end_frame()
        self._send_window_locked(horizon)

    def _send_window_locked(self, horizon: int) -> None:
        if horizon <= self._sent_until:
            return
        if self._metronome:
            self._send_clicks(self._sent_until, horizon)
        if horizon > self._quiet_until:
            notes = self._wanted(self._sent_until, horizon)
            self._send_controllers(self._sent_until, horizon)  # first: a pedal at a note's tick
            self._send(notes)
            self._sent.extend(notes)  # windows are contiguous: _sent stays in frame order
            self._quiet_until = self._next_start_frame(horizon)
        self._sent_until = horizon

    def set_metronome(self, enabled: bool, volume: int = 100) -> None:
        """Click every beat (the bar's first accented) on the synth's last channel, which
        no track of fewer than 256 uses."""
        with self._lock:
            self._metronome = (volume,) if enabled else None
            b = self.backend
            b.set_channel_type(METRONOME_CHANNEL, True)
            b.program_now(METRONOME_CHANNEL, DRUM_BANK, 0)

    def _send_clicks(self, start_frame: int, end_frame: int) -> None:
        (volume,) = self._metronome
        tl, b = self._timeline, self.backend
        length = self.backend.sample_rate * metronome.CLICK_MS // 1000
        for seg in tl.segments(start_frame, end_frame):
            for tick, accented in metronome.clicks(
                self._score.time_signatures, self._score.ppq, seg.start_tick, seg.end_tick
            ):
                frame = tl.frame_of(seg.index, tick)
                key, vel = metronome.CLICK_KEY, metronome.velocity(accented, volume)
                b.schedule_note_on(frame, METRONOME_CHANNEL, key, vel, tag=0)
                b.schedule_note_off(frame + length, METRONOME_CHANNEL, key, tag=0)

    def _send_controllers(self, start_frame: int, end_frame: int) -> None:
        """The controller events (audible tracks) in [start_frame, end_frame)."""
        schedule = getattr(self.backend, "schedule_event", None)
        if schedule is None or not any(self._starts.controllers):
            return
        tl, tracks = self._timeline, self._score.tracks
        for seg in tl.segments(start_frame, end_frame):
            if not self._starts.any_in(seg.start_tick, seg.end_tick):
                continue
            for index in self._audible_order:
                events = tracks[index].controllers
                lo = bisect.bisect_left(events, seg.start_tick, key=_TICK)
                hi = bisect.bisect_left(events, seg.end_tick, key=_TICK)
                for event in events[lo:hi]:
                    frame = tl.frame_of(seg.index, event.tick)
                    schedule(frame, track_channel(index), event, _bank_of(tracks[index]), 0)

    def _reset_controllers_locked(self) -> None:
        """Lift the sustain pedal and centre the pitch wheel where the song used them."""
        b = self.backend
        for index, track in enumerate(self._score.tracks):
            for event in resets(track.controllers):
                if event.kind == "control":
                    b.control_now(track_channel(index), event.number, event.value)
                elif hasattr(b, "pitch_bend_now"):
                    b.pitch_bend_now(track_channel(index), event.value)

    def _next_start_frame(self, frame: int) -> int | float:
        """A frame no later than the first note-on at or after ``frame`` (any track)."""
        tl, ticks = self._timeline, self._starts.ticks
        index = tl.pass_at(frame)
        tick = tl.first_tick_from(index, frame)  # earlier ticks sound before ``frame``
        clip = tl.pass_end_tick(index)
        i = bisect.bisect_left(ticks, tick)
        if i < len(ticks) and (clip is None or ticks[i] < clip):
            return tl.frame_of(index, ticks[i])
        # none left in this pass: the next pass (if looping) may start with one
        return float("inf") if clip is None else tl.pass_end_frame(index)

    def _collect_started_locked(self, now: int) -> list[SentNote]:
        key = _ON_FRAME
        first = bisect.bisect_right(self._sent, self._reported_frame, key=key)
        started = self._sent[first : bisect.bisect_right(self._sent, now, key=key)]
        self._reported_frame = max(self._reported_frame, now)
        if len(self._sent) > 256:  # forget notes that have started and ended
            self._sent = [s for s in self._sent if s.on_frame > now or s.off_frame > now]
        return started

    def _cancel_locked(self) -> tuple[int, int]:
        """Withdraw every pending event: returns (settled, horizon) frames.

        Events at frames up to ``settled`` had surely been applied before the withdrawal;
        events after ``horizon`` surely had not (they are gone now).  In between, either:
        so a note-off there may have been withdrawn and must be sent again.
        """
        settled = self.backend.settled_frame()  # read before: it only grows
        return settled, self.backend.cancel_pending()

    def _release_locked(self) -> int:
        """Withdraw pending events and release every note that may sound; returns the horizon."""
        settled, horizon = self._cancel_locked()
        released = set()
        for s in self._sent:
            key = (s.channel, s.note.pitch)
            if s.on_frame <= horizon and s.off_frame > settled and key not in released:
                self.backend.note_off_now(*key)
                released.add(key)
        self._sent.clear()
        return horizon

    def _stop_locked(self) -> None:
        self._versions.clear()
        if not self._playing:
            return
        self._position_tick = self._timeline.tick_at(self.backend.now_frame())
        self._release_locked()
        self.backend.all_notes_off()
        self._reset_controllers_locked()
        self._playing = False
        self._timeline = None

    def _set_score_locked(self, score: Score, starts: NoteStarts | None = None) -> None:
        self._score = score
        route = getattr(self.backend, "set_routes", None)  # a MIDI router: where tracks go
        if route is not None:
            route(score)
        audible = score.audible_tracks()
        self._audible = frozenset(audible)
        self._audible_order = tuple(sorted(audible))
        if starts is None:  # a mix or loop change: the notes are usually the same
            starts = (
                self._starts if self._starts.matches(score.tracks) else NoteStarts.of(score.tracks)
            )
        self._starts = starts

    def _replace_locked(self, score: Score, starts: NoteStarts | None = None) -> None:
        old = self._score
        self._set_score_locked(score, starts)
        self._quiet_until = 0  # the notes or the timeline may be new
        self._apply_mix_locked()
        if not self._playing:
            return
        timeline_changed = (
            score.tempo_map != old.tempo_map
            or score.ppq != old.ppq
            or self._loop_region() != (old.loop if old.loop_enabled else None)
        )
        if timeline_changed:
            self._withdraw_and_resend_locked()
        else:
            self._end_frame = self._compute_end_frame()
            self._patch_window_locked()

    def _patch_window_locked(self) -> None:
        """An edit that keeps tempo and loop: withdraw only the sent notes that are gone
        (deleted, changed or muted) by their tag's slot, send only the notes that are new."""
        b = self.backend
        tracks = self._score.tracks
        settled = b.settled_frame()  # before any withdrawal
        gone = [
            s
            for s in self._sent
            if s.off_frame > settled
            and not (s.track_index in self._audible and tracks[s.track_index].contains(s.note))
        ]
        if gone:
            slots = b.tag_slots
            hit = {s.tag % slots for s in gone}
            for slot in hit:
                b.cancel_tag(slot)
            horizon = b.applied_horizon()
            gone_ids = {id(s) for s in gone}
            kept = []
            for s in self._sent:
                if id(s) in gone_ids:
                    if s.on_frame <= horizon:  # it may sound, and its note-off is withdrawn
                        b.note_off_now(s.channel, s.note.pitch)
                    continue
                if s.tag % slots in hit:  # shares a withdrawn slot: send again what may be gone
                    if s.on_frame > horizon:
                        self._send([s])
                    elif s.off_frame > settled:
                        b.schedule_note_off(s.off_frame, s.channel, s.note.pitch, tag=s.tag)
                kept.append(s)
            self._sent = kept
        horizon = b.applied_horizon()
        wanted = self._wanted(horizon + 1, self._sent_until)
        sent_keys = {(s.track_index, s.note, s.pass_index) for s in self._sent}
        added = [w for w in wanted if (w.track_index, w.note, w.pass_index) not in sent_keys]
        if added:
            self._send(added)
            self._sent = sorted(self._sent + added, key=lambda s: s.on_frame)

    def _withdraw_and_resend_locked(self, place=None) -> tuple[int, int, int]:
        """A tempo or loop change: withdraw everything, re-anchor, send again."""
        b = self.backend
        settled, horizon = self._cancel_locked()
        tracks = self._score.tracks
        tl = self._timeline.reanchored(
            horizon + 1, self._score.tempo_map, self._score.ppq, self._loop_region()
        )
        old_frame = tl.anchor_frame
        if place is not None:
            tl = PlaybackTimeline(
                tl.tempo_map,
                tl.ppq,
                tl.sample_rate,
                max(horizon + 1, int(place(old_frame))),
                tl.anchor_tick,
                self._loop_region(),
                tl.first_pass,
            )
        self._timeline = tl
        kept = []
        for s in self._sent:
            if s.on_frame > horizon or s.off_frame <= settled:
                continue  # not yet sounding (sent again below) or surely over
            if not (s.track_index in self._audible and tracks[s.track_index].contains(s.note)):
                b.note_off_now(s.channel, s.note.pitch)
                continue
            off = s.off_frame
            if off > horizon:  # it ends where the new timeline puts its end
                clip = tl.pass_end_tick(0)
                end = s.note.end_tick if clip is None else min(s.note.end_tick, clip)
                off = max(horizon + 1, tl.frame_of(0, max(end, tl.anchor_tick)))
                s = replace(s, off_frame=off, pass_index=-1)  # belongs to no new pass
            b.schedule_note_off(off, s.channel, s.note.pitch, tag=s.tag)
            kept.append(s)
        self._sent = kept
        self._end_frame = self._compute_end_frame()
        until = self._sent_until
        self._sent_until = max(horizon + 1, tl.anchor_frame)
        self._send_upto_locked(until)
        return old_frame, tl.anchor_frame, tl.anchor_tick
