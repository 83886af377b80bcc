"""Audition: play/stop, the cursor animation and lighting notes as they sound (GUI thread).

While playing, an ``after()`` loop runs at display rate reading the engine's position
counter (a lock-free read of shared memory) and moving one canvas line.  It runs only
while playing, so an idle window costs nothing.  Notes light up on ``NoteStartedEvent``
and dim once the cursor has passed their end.
"""

from __future__ import annotations

import time

from engine.core.protocol import events as evt

FRAME_MS = 15  # ~60 frames/s once Tk's own latency is added
START_GRACE_S = 2.0  # the engine may take a moment (more on a busy machine) to report "playing"


class Playback:
    """Transport control for the window, drawing the cursor from the position counter."""

    def __init__(self, roll, link):
        self.roll = roll
        self.link = link
        self.playing = False
        self.frame_times: list[float] = []  # perf_counter of each drawn frame (benchmark)
        self.frame_lag_ticks: list[int] = []  # position read vs cursor drawn, in ticks
        self._after_id = None
        self._started_at = 0.0
        self.listeners: list = []  # called with (playing) when the transport starts/stops
        self.frame_listeners: list = []  # called with (tick) on every drawn frame
        link.listeners.append(self.on_event)

    # ------------------------------------------------------------------ transport
    def toggle(self) -> None:
        if self.playing:
            self.stop()
        else:
            self.play()

    def play(self, count_in_bars: int = 0, record: bool = False) -> None:
        """Play from ``start_tick()``, after ``count_in_bars`` of clicks; ``record``: on
        past the song's end until stopped."""
        if not self.link.usable:
            return
        self.link.play(self.start_tick(), count_in_bars, record)
        self._follow()

    def start_tick(self) -> int:
        """The cursor; with the loop on and the cursor outside it, the loop's start."""
        score = self.roll.score
        tick = self.roll.cursor_tick
        if (
            score.loop_enabled
            and score.loop is not None
            and not (score.loop.start_tick <= tick < score.loop.end_tick)
        ):
            tick = score.loop.start_tick
        return tick

    def follow_engine(self) -> None:
        """The engine plays on by itself (a restarted engine resumes where the old one
        was): draw the cursor again without telling the engine anything."""
        if not self.playing and self.link.usable:
            self._follow()

    def _follow(self) -> None:
        self.playing = True
        self._started_at = time.monotonic()
        self._tell()
        self._schedule()

    def stop(self) -> None:
        self.link.stop()
        self._stopped()

    def to_start(self) -> None:
        self.locate(0)

    def locate(self, tick: int) -> None:
        """Move the cursor (and the engine's position) to ``tick`` and bring it into view."""
        self.roll.set_cursor(tick)
        self.link.locate(tick)
        self.roll.follow_cursor()

    def song_replaced(self) -> None:
        """A new song was loaded (the engine stops on LoadScoreCommand): stop drawing."""
        self._stopped()

    def panic(self) -> None:
        self.link.panic()
        self._stopped()

    def _stopped(self) -> None:
        if self._after_id is not None:
            self.roll.after_cancel(self._after_id)
            self._after_id = None
        was = self.playing
        self.playing = False
        self.roll.clear_lights()
        if was:
            self._tell()

    def _tell(self) -> None:
        for listener in list(self.listeners):
            listener(self.playing)

    # ------------------------------------------------------------------ animation
    def _schedule(self) -> None:
        self._after_id = self.roll.after(FRAME_MS, self._frame)

    def _frame(self) -> None:
        self._after_id = None
        position = self.link.read_position()
        if position is None:
            self._stopped()
            return
        roll = self.roll
        if position.playing or time.monotonic() - self._started_at < START_GRACE_S:
            if position.playing:
                roll.set_cursor(position.tick)
                roll.follow_cursor()
                roll.update_lights()
                for listener in self.frame_listeners:
                    listener(position.tick)
                self.frame_times.append(time.perf_counter())
                # how far the drawn cursor trails the counter once the frame is out
                roll.update_idletasks()
                self.frame_lag_ticks.append(self.link.read_position().tick - position.tick)
            self._schedule()
        else:
            roll.set_cursor(position.tick)
            self._stopped()

    # ------------------------------------------------------------------ engine events
    def on_event(self, event) -> None:
        if isinstance(event, evt.NoteStartedEvent):
            # Events already on the pipe when Stop was pressed arrive after it: a note
            # lit then would stay lit, since no frame runs any more to dim it.
            if self.playing:
                self.roll.light(
                    event.track_index, event.start_tick, event.pitch, event.length_ticks
                )
        elif isinstance(event, evt.StoppedEvent) and self.playing:
            # The song ended by itself.  After a stop of ours (or a new song) the event
            # arrives late and must not move the cursor the user has since placed.
            self.roll.set_cursor(event.tick)
            self._stopped()
        elif isinstance(event, (evt.EngineDiedEvent,)) or (
            isinstance(event, evt.ErrorEvent) and event.fatal
        ):
            self._stopped()
