"""What the scheduler has sent and how it sends the next window (engine scheduler
thread; every method runs under the scheduler's lock).

``_sent_until`` remembers how far the windows got; every note sent is remembered until it
ends, per channel and key, so stop, locate, edits and panic can always send the note-off
a withdrawal might have taken: no note is left sounding.  Taking back what was sent is
``engine.realtime.withdrawal``'s.

Notes beyond ``_sent_until`` are picked up by the next window, so an edit there needs no
work.  Scores queued to take over at a frame (a shared session's edits) are switched to
as the windows reach that frame.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from dataclasses import replace
from operator import attrgetter

from engine.core.playback_timeline import PlaybackTimeline
from engine.core.score import LoopRegion, Score
from engine.realtime.channel_events import (
    apply_mix,
    mix_changes,
    send_clicks,
    send_controllers,
    track_channel,
)
from engine.realtime.position import Position
from engine.realtime.sent_notes import NoteStarts, SentNote

# Controller events go out with tag 0; notes never take a tag in its slot (a multiple of
# the backend's 256 tag slots), so withdrawing a note's slot never takes a pedal with it.
CONTROL_SLOT_PERIOD = 256

_ON_FRAME = attrgetter("on_frame")  # _sent is kept sorted by it


class WindowSender:
    """The state the scheduler guards with its lock, and the work done under it: the
    windows sent, the notes that may sound, the scores queued to take over."""

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
        # the frame the music of the last play() begins at, after any count-in or wait
        # for a sync source's bar (moved by a re-timing before it): played input before
        # it is not the music's
        self.music_from_frame = 0
        # (tick, bars, click volume, frames of its clicks) of the last play()'s count-in
        # until its music has begun: a withdrawal (a sync source's re-timing) sends the
        # clicks not yet struck again
        self._count_in: tuple[int, int, int, tuple[int, ...]] | None = None
        self._timeline: PlaybackTimeline | None = None
        self._end_frame: int | None = None
        self._sent_until = 0
        # No note starts before this frame from _sent_until on, so windows ending by it
        # need no work (most of them: a 4 ms window rarely holds a note start).  Reset to
        # 0 whenever the score or the timeline changes.
        self._quiet_until: int | float = 0
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
        self.on_scheduled: Callable[[list[tuple[int, int, int, int, int, int]]], None] | None = None
        self._scheduled: list[tuple[int, int, int, int, int, int]] = []
        # When set, every mix a take-over changes is reported: (pass, tick, track, drum,
        # bank, program, volume, pan) tuples, handed over like the notes.
        self.on_mixed: Callable[[list[tuple]], None] | None = None
        self._mixed: list[tuple] = []
        # how far every ``retime`` has moved the music, summed (positive: later), so a
        # session can tell its own start's frames from where the music is now
        self.retimed_frames = 0
        # the tempo a sync source imposes (microseconds per quarter; lock-free), or None:
        # a take-over queued before that tempo changed plays the tempo in force, not the
        # one it was adapted to (under Link, a session's edit queued before Link's tempo
        # moved would otherwise bring the old tempo back)
        self.imposed_tempo: Callable[[], int | None] | None = None

    def _first_unplayed_tick_locked(self) -> int:
        frame = self.backend.applied_horizon() + 1
        tl = self._running()
        index = tl.pass_at(frame)
        tick = tl.first_tick_from(index, frame)
        end = tl.pass_end_tick(index)
        return tick if end is None else min(tick, end)

    def _running(self) -> PlaybackTimeline:
        """The timeline playing now: only called while playing, when there is one."""
        tl = self._timeline
        if tl is None:
            raise RuntimeError("the scheduler is not playing")
        return tl

    def _loop_region(self) -> LoopRegion | None:
        return self._score.loop if self._score.loop_enabled else None

    def _start_locked(self, timeline: PlaybackTimeline) -> None:
        self._versions.clear()  # they were placed on the timeline this one replaces
        self._count_in = None
        self._timeline = timeline
        self._playing = True
        self._sent_until = timeline.anchor_frame
        self._quiet_until = 0
        self._end_frame = self._compute_end_frame()

    def _compute_end_frame(self) -> int | None:
        tl = self._running()
        if tl.looping or not self.stop_at_end:  # no end to stop at: not worth a scan
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
        tl = self._running()
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
        tl, score = self._running(), self._score
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
            tl = self._running()
            for s in notes:
                clip = tl.pass_end_tick(s.pass_index) if tl.looping else None
                end = s.note.end_tick if clip is None else min(s.note.end_tick, clip)
                self._scheduled.append(
                    (
                        tl.first_pass + s.pass_index,  # passes since the start
                        s.note.start_tick,
                        end,
                        s.track_index,
                        s.note.pitch,
                        s.note.velocity,
                    )
                )

    def _send_upto_locked(self, horizon: int) -> None:
        while self._versions and self._versions[0][0] < horizon:
            frame, pass_index, tick, score, starts = self._versions.pop(0)
            self._send_window_locked(frame)
            old = self._score
            imposed = None if self.imposed_tempo is None else self.imposed_tempo()
            if imposed is not None and score.tempo_map != old.tempo_map:
                score = replace(score, tempo_map=old.tempo_map)  # the source's, in force
            self._set_score_locked(score, starts)
            apply_mix(self.backend, self._score.tracks, self._mix)
            if self.on_mixed is not None:
                first = self._running().first_pass
                for index, mix in mix_changes(old.tracks, score.tracks):
                    self._mixed.append((first + pass_index, tick, index, *mix[:5]))
            self._quiet_until = 0
            timeline_changed = score.tempo_map != old.tempo_map or score.ppq != old.ppq
            if timeline_changed or self._loop_region() != (old.loop if old.loop_enabled else None):
                self._reanchor_at_locked(frame, pass_index, tick)
            self._end_frame = self._compute_end_frame()
        self._send_window_locked(horizon)

    def _reanchor_at_locked(self, frame: int, pass_index: int, tick: int) -> None:
        """A timed take-over with another tempo or loop: the new timeline starts at the
        take-over's own place, where every peer of a session changes too (nothing after it
        was sent), and counts its passes on from there; a place past the new loop's end
        wraps to its start at once."""
        tl = self._running()
        loop = self._loop_region()
        if loop is not None and tick >= loop.end_tick:
            pass_index, tick = pass_index + 1, loop.start_tick  # past the new loop: wrap now
        new = PlaybackTimeline(
            self._score.tempo_map,
            self._score.ppq,
            tl.sample_rate,
            frame,
            tick,
            loop,
            tl.first_pass + pass_index,
        )
        self._timeline = new
        # what was sent belongs to the old timeline's passes, none of the new one's
        self._sent = [replace(s, pass_index=-1) for s in self._sent]
        self._place_versions_again_locked(tl, new, frame)

    def _place_versions_again_locked(
        self, old: PlaybackTimeline, new: PlaybackTimeline, frame: int
    ) -> None:
        """Take-overs queued were placed on the ``old`` timeline: place them on ``new`` by
        their pass (counted from the start) and tick, none before ``frame``."""
        placed = []
        for at, index, at_tick, score, starts in self._versions:
            index += old.first_pass - new.first_pass
            at = new.frame_of(index, at_tick) if index >= 0 else frame
            placed.append((max(at, frame), index, at_tick, score, starts))
        self._versions = sorted(placed, key=lambda v: v[0])

    def _send_window_locked(self, horizon: int) -> None:
        if horizon <= self._sent_until:
            return
        if self._metronome:
            send_clicks(
                self.backend,
                self._running(),
                self._score,
                self._metronome[0],
                self._sent_until,
                horizon,
            )
        if horizon > self._quiet_until:
            notes = self._wanted(self._sent_until, horizon)
            # first: a pedal at a note's tick
            send_controllers(
                self.backend,
                self._running(),
                self._score.tracks,
                self._starts,
                self._audible_order,
                self._sent_until,
                horizon,
            )
            self._send(notes)
            self._sent.extend(notes)  # windows are contiguous: _sent stays in frame order
            self._quiet_until = self._next_start_frame(horizon)
        self._sent_until = horizon

    def _next_start_frame(self, frame: int) -> int | float:
        """A frame no later than the first note-on at or after ``frame`` (any track)."""
        tl, ticks = self._running(), self._starts.ticks
        index = tl.pass_at(frame)
        tick = tl.first_tick_from(index, frame)  # earlier ticks sound before ``frame``
        clip = tl.pass_end_tick(index)
        i = bisect.bisect_left(ticks, tick)
        if i < len(ticks) and (clip is None or ticks[i] < clip):
            return tl.frame_of(index, ticks[i])
        # none left in this pass: the next pass (if looping) may start with one
        end = None if clip is None else tl.pass_end_frame(index)
        return float("inf") if end is None else end

    def _collect_started_locked(self, now: int) -> list[SentNote]:
        key = _ON_FRAME
        first = bisect.bisect_right(self._sent, self._reported_frame, key=key)
        started = self._sent[first : bisect.bisect_right(self._sent, now, key=key)]
        self._reported_frame = max(self._reported_frame, now)
        if len(self._sent) > 256:  # forget notes that have started and ended
            self._sent = [s for s in self._sent if s.on_frame > now or s.off_frame > now]
        return started

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
