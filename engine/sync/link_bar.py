"""What waits for a Link session's next bar (engine command thread holds it, the engine
scheduler thread makes it, both under the sync hub's lock).

Under Link the session's bars (its quantum) are the peers' bars, so a change that starts
the music afresh waits for the next one rather than moving the music out of phase:

- a switch between song and pattern mode (or to another pattern by picking it) starts
  what it plays on the session's next bar.  It is made one look-ahead and a margin
  before that bar, so everything it sends goes out before the bar is heard; what played
  before it is released that much early (a few tens of milliseconds).
- pattern mode's tempo goes to the session (and so to every peer), at once or, asked for
  at the next bar, committed once the session reaches that bar, anchored on it.  It
  comes back from the session as the tempo pattern mode plays, like any peer's.
"""

from __future__ import annotations

from collections.abc import Callable

# a change held for the session's bar is made this long (past the look-ahead) before it:
# a few scheduler periods, so a wake-up a little late still sends the bar's first notes
BAR_CHANGE_MARGIN_S = 0.01


class BarChanges:
    """See module doc.  ``scheduler``: the sync target (its clock and look-ahead);
    ``link``: the hub's ``LinkFollower`` (its session and the music's beat line)."""

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self._tempo: tuple[float, float] | None = None  # (BPM, the bar's beat)
        self._change: tuple[int, Callable[[int], None]] | None = None  # (bar's frame, change)

    def clear(self) -> None:
        self._tempo = None
        self._change = None

    def request_tempo(self, link, bpm: float, at_next_bar: bool) -> bool:
        session = link.session
        if at_next_bar:
            self._tempo = (float(bpm), session.next_quantum_beat(session.now_us()))
        else:
            self._tempo = None
            session.set_tempo(float(bpm))
        return True

    def hold(self, link, change: Callable[[int], None]) -> bool:
        """Hold ``change`` for the first session bar that can still be reached; False
        while the music is not followed (stopped, or its start not yet placed)."""
        frame = link.quantum_frame_after(self._reach())
        if frame is None:
            return False
        self._change = (frame, change)  # a later change replaces one still waiting
        return True

    def _reach(self) -> int:
        s = self.scheduler
        margin = round(BAR_CHANGE_MARGIN_S * s.backend.sample_rate)
        return s.backend.now_frame() + s.lookahead_frames + margin

    def service(self, link) -> Callable[[], None] | None:
        """Once per scheduler period: commits a tempo whose bar has come, and returns the
        held change once its bar is within reach (the caller makes it, outside the
        hub's lock: it passes through the hub's ``adapt``)."""
        if self._tempo is not None:
            bpm, beat = self._tempo
            session = link.session
            at_us = session.time_at_beat(beat)
            if session.now_us() >= at_us:
                self._tempo = None
                session.set_tempo(bpm, round(at_us))
        held = self._change
        if held is None or held[0] > self._reach():
            return None
        self._change = None
        frame, change = held
        return lambda: change(frame)
