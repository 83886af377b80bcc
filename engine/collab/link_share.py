"""Link inside a live session: the one rule that keeps Link and the session from re-timing
the music against each other (runs on the session's owner thread, with ``Peer``).

When this peer's engine follows Ableton Link (peers on one local network), Link leads the
tempo and the phase:

- the engine plays Link's tempo and keeps the music on Link's beat (the session's start
  is brought into Link's bar by the nearest shift), and the session's re-aligner, which
  would keep the music on the session's clock, stands aside;
- a tempo change made in Link (by any Link app or peer) becomes the session's tempo, one
  edit of the song's tempo, so peers without Link follow it too;
- a tempo change made in the session (by any musician) goes to Link, so every Link peer
  changes together; the session taking one of Link's own latest tempos is Link's change
  coming back (another Link peer's edit) and goes nowhere, so an older Link tempo never
  undoes a newer one;
- Link turned off while the session plays leaves the music in Link's phase and tempo:
  the peer starts its engine again on the session's (as after a tempo change that came
  too late), and from that start the re-aligner keeps it on the shared clock.

The engine says whether Link leads, Link's tempo and the re-aligner's re-timings in a
``SessionSyncEvent`` whenever they change; this class keeps the last one and says what
follows from it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.score import Score
from engine.core.timing import (
    MAX_BPM,
    MIN_BPM,
    TempoChange,
    TempoMap,
    bpm_to_us_per_quarter,
    us_per_quarter_to_bpm,
)

RECENT_LINK_TEMPOS = 8


class LinkShare:
    """See module doc.  ``on_engine_event`` takes the engine's reports; ``follow(peer)``
    (each pump, after the song's changes are handled) edits the session's tempo or
    returns the engine commands that hand it to Link."""

    def __init__(self):
        self.leads = False  # Link keeps this peer's beat
        # the last report said Link no longer leads (it was turned off): the music is
        # where Link had it, off the session's beat, until the peer puts it back
        self.stopped_leading = False
        self.link_bpm = 0.0
        self.realigned = 0  # the session's re-aligner's re-timings so far (engine's count)
        self.from_link = 0  # session tempo edits made from Link's tempo
        self.to_link = 0  # session tempos handed to Link
        self._link_us: int | None = None  # Link's tempo as last followed
        self._session_us: int | None = None  # the session's tempo as last followed
        # Link's latest tempos: the session taking one of them is an echo of Link (a
        # Link peer's edit, maybe overtaken by a newer Link change), not a musician's
        self._link_recent: deque[int] = deque(maxlen=RECENT_LINK_TEMPOS)

    def on_engine_event(self, event) -> bool:
        """Take a ``SessionSyncEvent``; False for any other event."""
        if not isinstance(event, evt.SessionSyncEvent):
            return False
        self.realigned = event.realigned
        self.stopped_leading = self.leads and not event.link_leads
        self.leads = event.link_leads
        self.link_bpm = event.link_bpm
        if not self.leads:  # from scratch when Link comes back
            self._link_us = self._session_us = None
            self._link_recent.clear()
        return True

    def follow(self, peer) -> list:
        # before the session's song has arrived, its tempo is nobody's: the song arriving
        # would look like a musician's tempo change and overrule Link's
        if not self.leads or self.link_bpm <= 0 or not peer.session.status.synced:
            return []
        score = peer.song.score()
        session_us = score.tempo_map.changes[0].us_per_quarter
        link_us = bpm_to_us_per_quarter(min(MAX_BPM, max(MIN_BPM, self.link_bpm)))
        if link_us != self._link_us:
            # Link's tempo changed (or Link began to lead): Link leads, so it is the
            # session's tempo from now on
            self._link_us = link_us
            self._link_recent.append(link_us)
            if link_us != session_us:
                peer.edit(with_first_tempo(score, link_us))
                self.from_link += 1
            self._session_us = link_us
            return []
        if session_us != self._session_us:
            # a musician changed the session's tempo: every Link peer changes with it
            self._session_us = session_us
            if session_us not in self._link_recent:
                self.to_link += 1
                return [cmd.SetLinkTempoCommand(us_per_quarter_to_bpm(session_us))]
        return []


def with_first_tempo(score: Score, us_per_quarter: int) -> Score:
    """``score`` with its first tempo set (what Link plays; later changes kept)."""
    first, *rest = score.tempo_map.changes
    changes = (TempoChange(first.tick, us_per_quarter), *rest)
    return replace(score, tempo_map=TempoMap(changes))
