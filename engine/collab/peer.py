"""A musician in a live session: the shared song, the shared transport and what this
peer's engine must be told so it plays what every other peer plays (runs on the
session's owner thread: the GUI thread, or the main thread of ``pianola play --join``).

``pump()`` handles what arrived and returns engine commands to send; local edits go
through ``edit``/``undo``/``redo``, the transport through ``play``/``stop``/``locate``.
While the session plays, an edit is stamped with the first step at least one
schedule-ahead from now, so it reaches every peer before playback gets there; the
schedule-ahead follows the slowest peer's round trip and jitter, as the peers publish
them.  An edit that reaches the engine too late for its stamp takes over at the next
pass and is counted in ``incoherent``: never hidden.
"""

from __future__ import annotations

import time
from collections import deque

from engine.collab.clock import ClockEstimate, schedule_ahead_ms
from engine.collab.coherence import Coherence
from engine.collab.connection import Connection, SessionLink
from engine.collab.event_log import event_lines, mix_lines
from engine.collab.join_pending import hold_pending
from engine.collab.link_share import LinkShare
from engine.collab.peer_song import SongFollowing
from engine.collab.session import Session
from engine.collab.song_doc import LOCAL, SongDoc
from engine.collab.song_schema import TIMING_KEYS, song_settings
from engine.collab.timeline_anchor import (
    anchor_after_undo,
    anchor_before_edit,
    clear_anchors,
    session_timeline,
)
from engine.collab.transport import SessionTimeline, TransportState
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.score import Score

PRESENCE_PERIOD_S = 1.0
LOGGED_KEPT = 4096  # event lines remembered: far more than one look-ahead holds
START_MARGIN_US = 100_000  # the engine needs a start this far ahead to be on it


class Peer(SongFollowing):
    """See module doc.  ``score``: the song this peer brings (the one that shares it)."""

    def __init__(
        self,
        link: SessionLink,
        name: str,
        *,
        score: Score | None = None,
        forced_ahead_ms: float | None = None,
        event_log=None,
        wake=None,
    ):
        self.song = SongDoc()
        if score is not None:
            self.song.load_score(score)
        self.song.take_changes()
        self.connection = Connection(link, wake)
        self.session = Session(self.song, self.connection, name)
        self.coherence = Coherence()
        self.forced_ahead_ms = forced_ahead_ms
        self.transport = TransportState()
        self.timeline: SessionTimeline | None = None
        self.pass_offset = 0  # session pass = engine pass + this (a peer that joined late)
        self.incoherent = 0
        self.in_time = 0
        # each time the engine was re-timed back onto the shared clock: (frames, block)
        self.realigned_shifts: list[tuple[int, int]] = []
        self.event_log = event_log  # a text file: one JSON line per scheduled event
        self._logged: set[str] = set()  # the last LOGGED_KEPT lines written, to write once
        self._logged_order: deque[str] = deque()
        self._version = 0
        self._asked: dict[int, int] = {}  # version -> the session tick it was stamped for
        self.notices: list[str] = []  # one sentence each, for the musician
        # the first session command also has the engine read its clock ahead of a start
        self._commands: list = [
            cmd.ReportScheduledCommand(event_log is not None),
            cmd.LoadScoreCommand(self.song.score()),
        ]
        self._last_presence = 0.0
        self.last_stamp: tuple[int, int] | None = None  # where this peer's last edit sounds
        self._stop_due: tuple[int, int] | None = None  # (monotonic ns, tick) of a shared stop
        self._song_now = song_settings(self.song.score())  # tempo, meter, loop as last seen
        self._timeline_stamps: set[int] = set()  # stamps where the tempo or loop changes
        self.link_share = LinkShare()  # Link, when the engine follows it, leads the beat
        self.connection.start()

    # --- the shared clock ------------------------------------------------------------
    @property
    def clock(self) -> ClockEstimate | None:
        return self.connection.clock.estimate

    def _offset_ns(self) -> int:
        estimate = self.clock
        # before the first ping: this host's own wall clock is the best guess
        return estimate.offset_ns if estimate else time.time_ns() - time.monotonic_ns()

    def server_now_ns(self) -> int:
        return time.monotonic_ns() + self._offset_ns()

    def ahead_ms(self) -> float:
        """The schedule-ahead: forced, or what the slowest peer needs."""
        if self.forced_ahead_ms is not None:
            return self.forced_ahead_ms
        rtts, jitters = [], []
        if self.clock is not None:
            rtts.append(self.clock.rtt_p95_ms)
            jitters.append(self.clock.jitter_ms)
        for peer in self.session.peers():
            rtt, jitter = peer.state.get("rtt_p95_ms"), peer.state.get("jitter_ms")
            if isinstance(rtt, (int, float)) and isinstance(jitter, (int, float)):
                rtts.append(float(rtt))
                jitters.append(float(jitter))
        return schedule_ahead_ms(rtts, jitters)

    # --- the owner thread's work -------------------------------------------------------
    def pump(self) -> list:
        """Handle what arrived; the engine commands to send, in order."""
        self.session.pump()
        self._publish_presence()
        changes = self.song.take_changes()
        # the song first: edits that came with a transport change were made before it
        song_changed = changes.note_ids or changes.track_ids or changes.pattern_ids
        if song_changed or changes.placement_ids or changes.song:
            self._on_song(changes)
        if changes.transport:
            self._on_transport()
        if self.timeline is not None:
            self.coherence.forget_before(self.session_tick_now() - _forget_ticks(self.timeline))
        if self._stop_due is not None and time.monotonic_ns() >= self._stop_due[0]:
            tick = self._stop_due[1]
            self._stop_due = None
            self._commands += [cmd.StopCommand(), cmd.LocateCommand(tick)]
        self._commands += self.link_share.follow(self)
        commands, self._commands = self._commands, []
        return commands

    def _ppq(self) -> int:
        return self.timeline.score.ppq if self.timeline is not None else 480

    def _publish_presence(self) -> None:
        now = time.monotonic()
        if now - self._last_presence < PRESENCE_PERIOD_S or self.clock is None:
            return
        self._last_presence = now
        c = self.clock
        self.session.set_presence(
            rtt_ms=round(c.rtt_ms, 2),
            rtt_p95_ms=round(c.rtt_p95_ms, 2),
            jitter_ms=round(c.jitter_ms, 2),
            spread_ms=round(c.spread_ns / 1e6, 3),
            incoherent=self.incoherent,
        )

    def session_tick_now(self) -> int:
        if self.timeline is None:
            return 0
        return self.timeline.session_tick_at((self.server_now_ns() - self.transport.at_ns) // 1000)

    # --- the song -----------------------------------------------------------------------
    def _stamp(self) -> tuple[int, int] | None:
        if not self.transport.playing or self.timeline is None:
            return None
        ahead_us = int(self.ahead_ms() * 1000)
        now_us = (self.server_now_ns() - self.transport.at_ns) // 1000
        step = max(1, self.timeline.score.ppq // 4)
        return self.transport.epoch, self.timeline.step_after(now_us + ahead_us, step)

    def edit(self, score: Score, base: Score | None = None) -> None:
        """A local edit: a Score made with the pure edit functions from ``base`` (default:
        ``song.score()``; an older one keeps what others changed since)."""
        at = self.last_stamp = self._stamp()
        # first, as it must reach every peer before writes it lets go
        anchor_before_edit(self.song, self.timeline, at)
        self.song.apply_score(score, at, base=base)
        self.session.flush()

    def undo(self) -> bool:
        self.last_stamp = self._stamp()
        anchor_before_edit(self.song, self.timeline, self.last_stamp)
        done = self.song.undo(at=self.last_stamp)
        anchor_after_undo(self.song, self.timeline, self.last_stamp)
        self.session.flush()
        return done

    def redo(self) -> bool:
        self.last_stamp = self._stamp()
        anchor_before_edit(self.song, self.timeline, self.last_stamp)
        done = self.song.redo(at=self.last_stamp)
        anchor_after_undo(self.song, self.timeline, self.last_stamp)
        self.session.flush()
        return done

    # --- the transport ----------------------------------------------------------------
    def play(self, from_tick: int | None = None) -> None:
        tick = self.transport.tick if from_tick is None else int(from_tick)
        # every engine (this one too) must get the start a start margin ahead, or it joins
        # at the next step and the music's first notes go unplayed
        at = self.server_now_ns() + int(self.ahead_ms() * 1e6) + START_MARGIN_US * 1000
        self._set_transport(TransportState(self.transport.epoch + 1, True, tick, at))

    def stop(self) -> None:
        """Stop the session one schedule-ahead from now, so every peer stops on one tick."""
        at_ns = self.server_now_ns()
        tick = self.transport.tick
        if self.timeline is not None and self.transport.playing:
            at_ns += int(self.ahead_ms() * 1e6)
            u = self.timeline.session_tick_at((at_ns - self.transport.at_ns) // 1000)
            tick = self.timeline.position(u)[1]
        self._set_transport(TransportState(self.transport.epoch + 1, False, tick, at_ns))

    def locate(self, tick: int) -> None:
        if self.transport.playing:
            self.play(tick)
        else:
            self._set_transport(
                TransportState(self.transport.epoch + 1, False, int(tick), self.server_now_ns())
            )

    def _set_transport(self, state: TransportState) -> None:
        with self.song.doc.transaction(origin=LOCAL):
            self.song.transport["state"] = state.to_doc()
            clear_anchors(self.song.transport)
        self.session.flush()

    def _on_transport(self, force: bool = False) -> None:
        state = TransportState.from_doc(self.song.transport.get("state"))
        if state is None or (state == self.transport and not force):
            return
        was_playing = self.transport.playing
        self.transport = state
        self.coherence.clear()
        score = self.song.score()
        self._commands.append(cmd.ReplaceScoreCommand(score))
        if not state.playing:
            self.timeline = None
            stop_local_ns = state.at_ns - self._offset_ns()
            if was_playing and stop_local_ns > time.monotonic_ns():
                self._stop_due = (stop_local_ns, state.tick)  # the shared stop, on its time
            else:
                self._stop_due = None
                self._commands += [cmd.StopCommand(), cmd.LocateCommand(state.tick)]
            return
        self._stop_due = None
        self._timeline_stamps.clear()
        self._song_now = song_settings(score)
        # the tempo or loop may have changed since the start: as the song's writes say
        self.timeline = session_timeline(
            score, self.song.song.to_py() or {}, self.song.transport.to_py() or {}, state
        )
        start_local_ns = state.at_ns - self._offset_ns()
        late_us = (time.monotonic_ns() - start_local_ns) // 1000
        self.pass_offset = 0
        # where the engine starts: the start, or (begun already) a step far enough ahead
        # for the engine (its look-ahead, the trip)
        step = max(1, self.timeline.score.ppq // 4)
        first = 0 if late_us < 0 else self.timeline.step_after(late_us + START_MARGIN_US, step)
        # edits stamped after it (made before it): as before them there, each from its stamp
        pending = hold_pending(self.song, self.coherence, state.epoch, first)
        if pending:
            overrides = self.coherence.overrides_at(first, self.song.entry)
            self._commands.append(cmd.ReplaceScoreCommand(self.song.score_with(overrides)))
            self._timeline_stamps.update(u for key in TIMING_KEYS for u in pending.get(key, ()))
        if late_us < 0:  # not begun: the engine skips only what is past when it gets there
            self._commands.append(cmd.PlayAtCommand(state.tick, start_local_ns))
        else:
            self._join_at_next_step(self.timeline, late_us + START_MARGIN_US)
        if pending:
            self._send_versions_from(self.timeline, first + 1)

    def _join_at_next_step(self, timeline: SessionTimeline, late_us: int) -> None:
        """Start the engine in phase with the running transport (on ``timeline``), a step
        ahead."""
        u = timeline.step_after(late_us, max(1, timeline.score.ppq // 4))
        pass_index, tick = timeline.position(u)
        self.pass_offset = pass_index  # the engine counts its passes from this start
        at_ns = self.transport.at_ns - self._offset_ns() + timeline.us_of(u) * 1000
        self._commands.append(cmd.PlayAtCommand(tick, at_ns))

    def _rejoin(self) -> None:
        """A tempo or loop change came too late for its place on this peer's engine:
        start the engine again in phase with the session (counted as incoherent)."""
        if self.timeline is None:
            return
        late_us = (self.server_now_ns() - self.transport.at_ns) // 1000 + START_MARGIN_US
        now = self.timeline.step_after(late_us, max(1, self._ppq() // 4))
        self._commands.append(
            cmd.ReplaceScoreCommand(
                self.song.score_with(self.coherence.overrides_at(now, self.song.entry))
            )
        )
        self._join_at_next_step(self.timeline, late_us)
        self._send_versions_from(self.timeline, now + 1)

    # --- what the engine reports --------------------------------------------------------
    def on_engine_event(self, event) -> None:
        if self.link_share.on_engine_event(event):
            if self.link_share.stopped_leading and self.transport.playing:
                # Link left the music in its own phase and tempo: start again on the
                # session's, where the engine's re-aligner keeps it from then on
                self.notices.append("Link is off: this peer plays on the session's beat again")
                self._rejoin()
            return
        if isinstance(event, evt.TakeOverEvent):
            if event.in_time:
                self.in_time += 1
            else:
                self.incoherent += 1
                asked = self._asked.get(event.version)
                if asked in self._timeline_stamps:
                    self._timeline_stamps.discard(asked)
                    self.notices.append(
                        "a tempo or loop change came too late: this peer starts again in phase"
                    )
                    self._asked.pop(event.version, None)
                    self._rejoin()
                    return
                self.notices.append(
                    f"an edit for session beat {asked / self._ppq():g} came too late and plays "
                    f"from pass {event.pass_index + self.pass_offset + 1} on (incoherent)"
                    if asked is not None
                    else "an edit came too late and plays from the next pass on (incoherent)"
                )
            self._asked.pop(event.version, None)
        elif isinstance(event, evt.RealignedEvent):
            self.realigned_shifts.append((event.shift_frames, event.block_frames))
            self.notices.append(
                "this peer's audio fell off the shared beat and was put back on it "
                f"(moved {1000 * event.shift_frames / event.sample_rate:+.1f} ms, "
                f"{event.shift_frames // event.block_frames:+d} blocks)"
            )
        elif isinstance(event, evt.NotesScheduledEvent) and self.event_log is not None:
            self._log(event_lines, event.notes)
        elif isinstance(event, evt.MixScheduledEvent) and self.event_log is not None:
            self._log(mix_lines, event.mixes)

    def _log(self, lines_of, reported) -> None:
        if self.timeline is None:
            return
        lines = lines_of(reported, self.timeline, self.pass_offset, self.transport.epoch)
        # an engine re-timed onto the shared clock schedules what it had again: once each
        fresh = [line for line in lines if line not in self._logged]
        self._logged.update(fresh)
        self._logged_order.extend(fresh)
        while len(self._logged_order) > LOGGED_KEPT:
            self._logged.discard(self._logged_order.popleft())
        self.event_log.write("".join(line + "\n" for line in fresh))
        self.event_log.flush()

    # --- coherence, for the status bar ----------------------------------------------------
    def coherence_status(self) -> dict:
        """How coherent this peer is, for the window's session line and the command line.

        ``offset_ms`` is the server's clock against this host's own wall clock: the
        measured offset is from the monotonic clock, so it also holds the date this host
        started, which says nothing about how far apart the two clocks are.
        """
        c = self.clock
        wall_ns = time.time_ns() - time.monotonic_ns()
        return {
            "incoherent": self.incoherent,
            "in_time": self.in_time,
            "offset_ms": None if c is None else (c.offset_ns - wall_ns) / 1e6,
            "spread_ms": None if c is None else c.spread_ns / 1e6,
            "rtt_ms": None if c is None else c.rtt_ms,
            "ahead_ms": self.ahead_ms(),
            "connected": self.session.status.connected,
            "link_leads": self.link_share.leads,
            "link_bpm": self.link_share.link_bpm,
            "realigned": self.link_share.realigned,
        }

    def leave(self) -> Score:
        """Leave the session; the song as it stands stays with this peer."""
        score = self.song.score()
        self.session.close()
        return score


def _forget_ticks(timeline: SessionTimeline) -> int:
    return timeline.score.ppq * 4 * 4  # four bars of 4/4: far behind the engine
