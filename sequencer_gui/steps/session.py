"""Which pattern the step views show, and how the transport plays patterns (GUI thread; no Tk).

The selected pattern is what the step grid edits and what pattern mode loops.  Pattern
mode and song mode, the queued pattern and the fill switch are transport state, not part
of the song (like play/stop): they live here and reach the engine as commands.  While a
pattern plays in pattern mode, picking another queues it: the engine switches at the end
of the pass, and the view shows it as queued until the position counter says a new pass
began.
"""

from __future__ import annotations

from engine.core import protocol as p
from engine.core.pattern import Pattern
from sequencer_gui.steps.playhead import pattern_pass_and_slot

MODES = ("pattern", "song")


class PatternSession:
    """The selected pattern, the play mode, the queued pattern and the fill switch."""

    def __init__(self, document, link):
        self.document = document
        self.link = link
        self.pattern_id: str | None = None
        self.mode = "song"
        self.playing = False  # the transport, as the window's Playback reports it
        self.playing_id: str | None = None  # what pattern mode loops now
        self.queued_id: str | None = None  # what it switches to at the end of the pass
        self._queued_pass: int | None = None  # the pass that was playing when it queued
        self.fill = False
        self.fill_latched = False
        self.listeners: list = []  # called with (session) when any of this changes
        document.add_listener(self._on_document)
        self._fix_selection()

    # ------------------------------------------------------------------ reading
    @property
    def pattern(self) -> Pattern | None:
        score = self.document.score
        if self.pattern_id is None or not score.has_pattern(self.pattern_id):
            return None
        return score.pattern(self.pattern_id)

    @property
    def track(self) -> int:
        """The track pattern mode plays on: the one being edited."""
        return self.document.track_index

    def _tell(self) -> None:
        for listener in list(self.listeners):
            listener(self)

    # ------------------------------------------------------------------ choosing
    def select(self, pattern_id: str | None) -> None:
        """Show ``pattern_id`` in the step views; in pattern mode, play it (queued while
        another pattern is playing, so the switch lands on the pass boundary)."""
        self.pattern_id = pattern_id
        if self.mode == "pattern" and pattern_id is not None:
            if self.playing and self.playing_id is not None and pattern_id != self.playing_id:
                self.queued_id = pattern_id
                self._queued_pass = None
                self.link.send(p.QueuePatternCommand(pattern_id))
            else:
                self.queued_id = None
                self.playing_id = pattern_id
                self._send_mode()
        self._tell()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"play mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode
        self.queued_id = None
        self.playing_id = self.pattern_id if mode == "pattern" else None
        self._send_mode()
        self._tell()

    def _send_mode(self) -> None:
        pattern_id = self.pattern_id if self.mode == "pattern" else None
        if self.mode == "pattern" and pattern_id is None:
            return  # nothing to loop yet
        self.link.send(p.SetPlayModeCommand(self.mode, pattern_id, self.track))

    def set_fill(self, on: bool) -> None:
        if on != self.fill:
            self.fill = on
            self.link.send(p.SetFillCommand(on))
            self._tell()

    def track_changed(self) -> None:
        """The edited track changed: pattern mode follows it."""
        if self.mode == "pattern":
            self._send_mode()

    # ------------------------------------------------------------------ transport
    def pass_and_slot(self, pattern: Pattern, tick: int, position=None) -> tuple[int, int]:
        """(pass, slot) of the pattern looping in pattern mode at the transport's tick."""
        pass_index, slot = pattern_pass_and_slot(pattern, tick, 0, self.document.score.ppq)
        self.pass_seen(pass_index)
        return pass_index, slot

    def set_playing(self, playing: bool) -> None:
        self.playing = playing
        if not playing and self.queued_id is not None:
            # stopped before the boundary: the next play starts with the queued pattern
            self.playing_id, self.queued_id = self.queued_id, None
            self._send_mode()
            self._tell()

    def pass_seen(self, pass_index: int) -> None:
        """The position counter's pattern pass: a new pass means a queued switch happened."""
        if self.queued_id is None:
            return
        if self._queued_pass is None:
            self._queued_pass = pass_index
        elif pass_index != self._queued_pass:
            self.playing_id, self.queued_id, self._queued_pass = self.queued_id, None, None
            self._tell()

    # ------------------------------------------------------------------ the song changed
    def _fix_selection(self) -> None:
        score = self.document.score
        if self.pattern_id is None or not score.has_pattern(self.pattern_id):
            self.pattern_id = score.patterns[0].id if score.patterns else None
        if self.queued_id is not None and not score.has_pattern(self.queued_id):
            self.queued_id = None

    def _on_document(self, document, reason: str) -> None:
        if reason in ("load", "edit"):
            before = self.pattern_id
            if reason == "load":
                self.pattern_id = None
                self.mode, self.playing_id, self.queued_id = "song", None, None
            self._fix_selection()
            if self.pattern_id != before or reason == "load":
                self._tell()
        elif reason == "track":
            self.track_changed()
