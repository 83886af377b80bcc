"""What a sync source moves: the scheduler in song mode, the pattern player in pattern
mode (engine scheduler thread, inside the sync source's service; engine command thread
when a source is chosen).

Link, JACK's transport and a MIDI clock start, stop and locate "the music" and re-time
what plays.  In song mode that is the scheduler and its score, as it always was.  In
pattern mode a start must first lay out the loop of passes the scheduler plays (the
pattern player's window), so ``play``, ``stop`` and ``locate`` go to the player there;
re-timing and everything else still go to the scheduler, which plays the player's
window like any score.
"""

from __future__ import annotations

import threading
from typing import Any


class SyncTarget:
    """The scheduler as a sync source sees it, with pattern mode's transport in the
    player's hands (see module doc)."""

    def __init__(self, scheduler, player):
        self._scheduler = scheduler
        self._player = player

    def __getattr__(self, name):
        return getattr(self._scheduler, name)

    def play(
        self,
        from_tick: int | None = None,
        at_frame: int | None = None,
        in_phase: bool = False,
        count_in: tuple[int, int] = (0, 100),
    ) -> int:
        """``count_in`` (bars, click volume): song mode's, ending at ``at_frame``; a
        pattern loops from the session's bar on, with no count-in."""
        if self._player.mode == "pattern":
            frame = self._player.play_synced(from_tick, at_frame, in_phase)
            if frame is not None:
                return frame
        return self._scheduler.play(
            from_tick, at_frame=at_frame, in_phase=in_phase, count_in=count_in
        )

    def stop(self) -> None:
        if self._player.mode != "pattern" or not self._player.stop_synced():
            self._scheduler.stop()

    def locate(self, tick: int) -> None:
        if self._player.mode != "pattern" or not self._player.locate_synced(tick):
            self._scheduler.locate(tick)


class SyncedTransport:
    """The pattern player's side of the sync target (a mixin of ``PatternPlayer``).

    A source calls these with its own lock held, so they wait a bounded time for the
    player's lock: a command holding the player's lock may be waiting for the source's
    (a song-mode score passes through the source's ``adapt``).  Busy, or no longer in
    pattern mode, they return None or False and the target moves the scheduler itself.
    """

    # the player's own state and internals
    _lock: threading.Lock
    _mode: str
    _plan: Any
    _raw: Any

    def _play_locked(self, from_tick, count_in=(0, 100), run_on=False, synced=None) -> int:
        raise NotImplementedError

    def _stop_locked(self) -> None:
        raise NotImplementedError

    def _locate_locked(self, tick: int) -> None:
        raise NotImplementedError

    def _prefetch_locked(self, plan, tick: int) -> None:
        raise NotImplementedError

    def _window_score_locked(self, tick: int, keep_tempo: bool = False):
        raise NotImplementedError

    def play_synced(
        self, from_tick: int | None, at_frame: int | None = None, in_phase: bool = False
    ) -> int | None:
        """A sync source plays pattern mode (its start, a catch-up, a jump of its
        transport) at ``at_frame``: from ``from_tick`` laid on the loop's passes, the
        pattern's start when None.  While playing, the loop goes on (its switches kept)
        from that tick.  Returns the start frame; None when the player is busy or no
        longer in pattern mode (the caller then plays the scheduler itself)."""
        if not self._lock.acquire(timeout=1.0):
            return None  # a command waits for the source's lock: never wait for each other
        try:
            if self._mode != "pattern":
                return None
            plan = self._plan
            if plan is None or not self._raw.position().playing:
                return self._play_locked(None, synced=(from_tick, at_frame, in_phase))
            tick = self._raw.position().tick if from_tick is None else max(0, from_tick)
            self._prefetch_locked(plan, tick)
            self._raw.replace_score(self._window_score_locked(tick))
            return self._raw.play(tick, at_frame=at_frame, in_phase=in_phase)
        finally:
            self._lock.release()

    def stop_synced(self) -> bool:
        """A sync source stops pattern mode; False when the player is busy or no longer in
        pattern mode (the caller then stops the scheduler itself)."""
        if not self._lock.acquire(timeout=1.0):
            return False  # as in play_synced: never wait for each other's lock
        try:
            if self._mode != "pattern":
                return False
            self._stop_locked()
            return True
        finally:
            self._lock.release()

    def locate_synced(self, tick: int) -> bool:
        """A sync source moves pattern mode (see ``locate``); False as for ``stop_synced``."""
        if not self._lock.acquire(timeout=1.0):
            return False
        try:
            if self._mode != "pattern":
                return False
            self._locate_locked(max(0, int(tick)))
            return True
        finally:
            self._lock.release()
