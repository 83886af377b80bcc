"""Which pattern the step views show, and how the transport plays patterns (GUI thread; no Tk).

The selected pattern is what the step grid edits and what pattern mode loops.  Pattern
mode and song mode, the queued pattern and the fill switch are transport state, not part
of the song (like play/stop): they live here and reach the engine as commands.  While a
pattern plays in pattern mode, picking another queues it: the engine switches at the end
of the pass, and the view shows it as queued until the position counter says a new pass
began.
"""

from __future__ import annotations

from engine.core.pattern import Pattern

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
        self.fill = False
        self.fill_latched = False
        # what the engine was last told: (mode, pattern id, track)
        self._sent_mode: tuple[str, str | None, int] = ("song", None, 0)
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
                self.link.queue_pattern(pattern_id)
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
        """Tell the engine the mode; in song mode too, so the position counter reports the
        patterns of the track the step grid shows.  Only a change is sent (the engine starts
        in song mode on track 0, and its client replays the last mode after a restart)."""
        if self.mode == "pattern":
            if self.playing_id is None:
                return  # nothing to loop yet
            wanted: tuple[str, str | None, int] = ("pattern", self.playing_id, self.track)
        else:
            wanted = ("song", None, self.track)
        if wanted != self._sent_mode:
            self._sent_mode = wanted
            self.link.set_play_mode(*wanted)

    def set_fill(self, on: bool) -> None:
        if on != self.fill:
            self.fill = on
            self.link.set_fill(on)
            self._tell()

    def hold_fill(self, down: bool) -> None:
        """The fill key or button went down or up: fill while it is held, or, latched,
        each press switches fill on or off."""
        if self.fill_latched:
            if down:
                self.set_fill(not self.fill)
        else:
            self.set_fill(down)

    def track_changed(self) -> None:
        """The edited track changed: pattern mode plays on it, and the position counter
        reports its patterns."""
        self._send_mode()

    # ------------------------------------------------------------------ transport
    def set_playing(self, playing: bool) -> None:
        self.playing = playing
        if not playing and self.queued_id is not None:
            # stopped before the boundary: the next play starts with the queued pattern
            self.playing_id, self.queued_id = self.queued_id, None
            self._send_mode()
            self._tell()

    def position_seen(self, position) -> None:
        """The position counter's pattern: once it is the queued one, the switch happened."""
        if self.queued_id is None:
            return
        patterns = self.document.score.patterns
        index = position.pattern_index
        if 0 <= index < len(patterns) and patterns[index].id == self.queued_id:
            self.playing_id, self.queued_id = self.queued_id, None
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
                self._send_mode()
            self._fix_selection()
            if self.pattern_id != before or reason == "load":
                self._tell()
        elif reason == "track":
            self.track_changed()
