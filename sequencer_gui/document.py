"""The open document: its undo history, its file, the edited track (GUI thread; no Tk).

One small object the whole window shares.  Everything that changes the score goes
through it, and every change is announced to its listeners with a reason, so the roll
redraws, the engine link sends the new score and autosave and the title bar follow
without knowing about one another.

Reasons passed to listeners:
  "load"    a different song replaced the document (New, Open, Import): send it whole
  "edit"    the score changed by an edit, an undo or a redo (one step, or a drag so far)
  "saved"   the document was written to ``path``
  "track"   the edited track changed (no score change)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.core.history import History
from engine.core.score import Score, Track

Listener = Callable[["Document", str], None]


def empty_score() -> Score:
    """What New gives: one piano track, 120 BPM, 4/4."""
    return Score(tracks=(Track(name="Piano", channel=0, program=0),))


class Document:
    """The score being edited, with undo, its file path and change listeners."""

    def __init__(self, score: Score | None = None, path: Path | None = None):
        self.history = History(score if score is not None else empty_score())
        self.path: Path | None = Path(path) if path is not None else None
        self.track_index = 0
        self._listeners: list[Listener] = []

    # --- listeners ------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _notify(self, reason: str) -> None:
        for listener in list(self._listeners):
            listener(self, reason)

    # --- state ----------------------------------------------------------------------
    @property
    def score(self) -> Score:
        return self.history.score

    @property
    def track(self) -> Track:
        return self.score.tracks[self.track_index]

    @property
    def is_modified(self) -> bool:
        return self.history.is_modified

    @property
    def display_name(self) -> str:
        return self.path.name if self.path is not None else "Untitled"

    def set_track_index(self, index: int) -> None:
        index = max(0, min(index, len(self.score.tracks) - 1))
        if index != self.track_index:
            self.track_index = index
            self._notify("track")

    # --- changes --------------------------------------------------------------------
    def replace(self, score: Score, path: Path | None = None) -> None:
        """Load a different song (New/Open/Import): a fresh history, nothing to undo.

        ``path`` None (New, Import MIDI) means Save will ask where to write.
        """
        self.history = History(score)
        self.path = Path(path) if path is not None else None
        self.track_index = 0
        self._notify("load")

    def show_remote(self, score: Score) -> None:
        """A change made by someone else (a live session): current at once, no undo step."""
        if score is not self.history.score:
            self.history.show(score)
            self._fix_track_index()
            self._notify("edit")

    def apply(self, new_score: Score, label: str) -> None:
        """One edit, one undo step."""
        before = self.history.generation
        self.history.apply(new_score, label)
        if self.history.generation != before:
            self._fix_track_index()
            self._notify("edit")

    def begin(self, label: str) -> None:
        self.history.begin(label)

    def update(self, new_score: Score) -> None:
        """Show a drag's live result (the undo step comes with ``commit``)."""
        before = self.history.generation
        self.history.update(new_score)
        if self.history.generation != before:
            self._notify("edit")

    def commit(self) -> None:
        self.history.commit()

    def cancel(self) -> None:
        before = self.history.generation
        self.history.cancel()
        if self.history.generation != before:
            self._notify("edit")

    def undo(self) -> bool:
        done = self.history.undo()
        if done:
            self._fix_track_index()
            self._notify("edit")
        return done

    def redo(self) -> bool:
        done = self.history.redo()
        if done:
            self._fix_track_index()
            self._notify("edit")
        return done

    def mark_saved(self, path: Path | None = None) -> None:
        if path is not None:
            self.path = Path(path)
        self.history.mark_saved()
        self._notify("saved")

    def _fix_track_index(self) -> None:
        self.track_index = max(0, min(self.track_index, len(self.score.tracks) - 1))
