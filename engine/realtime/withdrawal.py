"""Taking back what the scheduler sent when a stop, an edit or a tempo change makes it
wrong (engine scheduler thread; every method runs under the scheduler's lock).

Notes beyond the sent windows are picked up by the next window anyway.  For the window
already sent, added notes are just sent; a sent note that was deleted, changed or muted
has its events withdrawn by tag (``backend.cancel_tag``: only the notes sharing its slot
are sent again), and a tempo or loop change withdraws everything pending
(``backend.cancel_pending``), re-anchors the timeline and sends again what is wanted.
A stop withdraws everything and releases every note that may sound: the notes sent are
remembered until they end, so the note-off a withdrawal may have taken is always sent.
"""

from __future__ import annotations

from dataclasses import replace

from engine.core.playback_timeline import PlaybackTimeline
from engine.core.score import Score
from engine.realtime.channel_events import apply_mix, reset_controllers, send_count_in
from engine.realtime.sent_notes import NoteStarts
from engine.realtime.window_sender import WindowSender


class WithdrawingSender(WindowSender):
    """A ``WindowSender`` that can also take back what it sent (see module doc)."""

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

    def _count_in_again_locked(self, horizon: int) -> None:
        """Send the count-in's clicks not struck by ``horizon`` (again, after a
        withdrawal), ending where the timeline now has the music's first tick; once that
        tick has been reached the count-in is over."""
        if self._count_in is None:
            return
        tl = self._running()
        tick, bars, volume, sent = self._count_in
        if tl.first_pass != 0 or tl.anchor_tick != tick or tl.anchor_frame <= horizon:
            self._count_in = None
            return
        self.music_from_frame = tl.anchor_frame
        struck = tuple(frame for frame in sent if frame <= horizon)
        frames = send_count_in(
            self.backend, self._score, tick, bars, volume, tl.anchor_frame, horizon, struck
        )
        self._count_in = (tick, bars, volume, frames)

    def _stop_locked(self) -> None:
        self._versions.clear()
        if not self._playing:
            return
        self._position_tick = self._running().tick_at(self.backend.now_frame())
        self._release_locked()
        self.backend.all_notes_off()
        reset_controllers(self.backend, self._score.tracks)
        self._playing = False
        self._timeline = None

    def _replace_locked(self, score: Score, starts: NoteStarts | None = None) -> None:
        old = self._score
        self._set_score_locked(score, starts)
        self._quiet_until = 0  # the notes or the timeline may be new
        apply_mix(self.backend, self._score.tracks, self._mix)
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

    def _withdraw_and_resend_locked(
        self, place=None, late_frames: int | None = None
    ) -> tuple[int, int, int]:
        """A tempo or loop change: withdraw everything, re-anchor, send again."""
        b = self.backend
        settled, horizon = self._cancel_locked()
        tracks = self._score.tracks
        before = self._running()
        tl = before.reanchored(
            horizon + 1, self._score.tempo_map, self._score.ppq, self._loop_region()
        )
        old_frame = tl.anchor_frame
        if place is not None:
            placed = int(place(old_frame))
            tl = PlaybackTimeline(
                tl.tempo_map,
                tl.ppq,
                tl.sample_rate,
                placed if late_frames is not None else max(horizon + 1, placed),
                tl.anchor_tick,
                self._loop_region(),
                tl.first_pass,
            )
        self._timeline = tl
        self._count_in_again_locked(horizon)
        # a session's take-overs keep their ticks (a re-timing onto the shared clock)
        self._place_versions_again_locked(before, tl, horizon + 1)
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
        if tl.anchor_frame <= horizon and late_frames is not None:
            # withdrawn notes (after the horizon on the old timeline) now before it
            block = getattr(b, "block_frames", 1)
            late = [
                replace(s, on_frame=horizon + 1, off_frame=max(s.off_frame, horizon + 1 + block))
                for s in self._wanted(max(tl.anchor_frame, horizon + 1 - late_frames), horizon + 1)
            ]
            self._send(late)
            kept.extend(late)
        self._sent = kept
        self._end_frame = self._compute_end_frame()
        until = self._sent_until
        self._sent_until = max(horizon + 1, tl.anchor_frame)
        self._send_upto_locked(until)
        return old_frame, tl.anchor_frame, tl.anchor_tick
