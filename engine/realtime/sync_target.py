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


class SyncTarget:
    """The scheduler as a sync source sees it, with pattern mode's transport in the
    player's hands (see module doc)."""

    def __init__(self, scheduler, player):
        self._scheduler = scheduler
        self._player = player

    def __getattr__(self, name):
        return getattr(self._scheduler, name)

    def play(
        self, from_tick: int | None = None, at_frame: int | None = None, in_phase: bool = False
    ) -> int:
        if self._player.mode == "pattern":
            frame = self._player.play_synced(from_tick, at_frame, in_phase)
            if frame is not None:
                return frame
        return self._scheduler.play(from_tick, at_frame=at_frame, in_phase=in_phase)

    def stop(self) -> None:
        if self._player.mode == "pattern":
            self._player.stop()
        else:
            self._scheduler.stop()

    def locate(self, tick: int) -> None:
        if self._player.mode == "pattern":
            self._player.locate(tick)
        else:
            self._scheduler.locate(tick)
