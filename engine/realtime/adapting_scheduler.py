"""The scheduler as the pattern player sees it when a sync source owns the tempo (engine
command thread)."""

from __future__ import annotations

from engine.core.score import Score


class AdaptingScheduler:
    """The scheduler with every score loaded or replaced passed through ``adapt`` first
    (the sync source's tempo); everything else goes straight through."""

    def __init__(self, scheduler, adapt):
        self._scheduler = scheduler
        self._adapt = adapt

    def __getattr__(self, name):
        return getattr(self._scheduler, name)

    def __setattr__(self, name, value):
        if name in ("_scheduler", "_adapt"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._scheduler, name, value)

    def load_score(self, score: Score) -> None:
        self._scheduler.load_score(self._adapt(score))

    def replace_score(self, score: Score) -> None:
        self._scheduler.replace_score(self._adapt(score))

    # rebuild_live goes straight through (via __getattr__): its build runs under the
    # scheduler's lock, and the sync source takes its own lock before the scheduler's when
    # it starts playback, so adapting there could deadlock.  What it builds (pattern mode's
    # window, a switch, the fill, a tempo change) keeps the tempo the player chose.
