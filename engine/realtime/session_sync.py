"""Tells a live session's owner what keeps its music on the beat (the session clock's
thread, after each check of the aligner).

Under Link the Link session leads the tempo and the phase and the session's re-aligner
stands aside; the owner needs to know that (to show it, to hand the session's tempo to
Link and Link's tempo to the session) and how often the re-aligner has re-timed the
music.  A ``SessionSyncEvent`` goes out whenever any of it changes.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.core.protocol import events as evt


class SessionSyncReport:
    """``sync``: the engine's ``SyncHub``; ``realigned()`` the re-aligner's re-timings so
    far; ``send`` puts an event on the engine's queue (safe from any thread)."""

    def __init__(self, sync, realigned: Callable[[], int], send: Callable[[object], None]):
        self.sync = sync
        self.realigned = realigned
        self.send = send
        self._last: evt.SessionSyncEvent | None = None

    def check(self) -> None:
        leads = self.sync.link_leads()
        event = evt.SessionSyncEvent(
            leads, round(self.sync.link_bpm(), 6) if leads else 0.0, self.realigned()
        )
        if event != self._last:
            self._last = event
            self.send(event)
