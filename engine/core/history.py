"""Undo/redo history of a document (pure: used by the GUI thread, imports no I/O).

Scores are immutable, so the history keeps old scores themselves, not inverse
operations: undo is putting the previous score back.  Unchanged tracks are shared
between neighbouring scores, so 500 steps of a 10 000-note song cost little memory.

A gesture (a mouse drag) is ``begin(label)``, any number of ``update(score)`` calls that
show the live result, then ``commit()`` (one undo step from the score before the drag to
the last update) or ``cancel()`` (back to the score before the drag, no step).  Undo,
redo, ``apply`` or ``begin`` during a gesture first commit it, so nothing is lost.
"""

from __future__ import annotations

from engine.core.errors import ScoreError
from engine.core.score import Score


class History:
    """The current score plus the steps to undo and redo."""

    def __init__(self, score: Score, limit: int = 500):
        if not isinstance(score, Score):
            raise ScoreError("a history starts from a score")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ScoreError(f"the undo limit must be a whole number of at least 1, not {limit!r}")
        self._score = score
        self._limit = limit
        self._undo: list[tuple[str, Score]] = []  # (label, score before the step)
        self._redo: list[tuple[str, Score]] = []  # (label, score after the step)
        self._saved: Score | None = score  # identity of the score last saved or loaded
        self._gesture: tuple[str, Score] | None = None  # (label, score before the drag)
        self.generation = 0

    @property
    def score(self) -> Score:
        return self._score

    def _set(self, score: Score) -> None:
        if score is not self._score:
            self._score = score
            self.generation += 1

    def _push(self, label: str, before: Score) -> None:
        self._undo.append((label, before))
        del self._undo[: -self._limit]
        self._redo.clear()

    # --- single steps ---------------------------------------------------------------

    def apply(self, new_score: Score, label: str) -> None:
        """Make ``new_score`` current as one undo step called ``label``."""
        if not isinstance(new_score, Score):
            raise ScoreError("an edit must produce a score")
        self.commit()
        if new_score is self._score:
            return  # an edit that changed nothing is not worth an undo step
        self._push(label, self._score)
        self._set(new_score)

    def show(self, score: Score) -> None:
        """Make ``score`` current without an undo step: a change made elsewhere (another
        musician in a live session), which this history's undo must not take back."""
        if not isinstance(score, Score):
            raise ScoreError("a change must be a score")
        self._set(score)

    # --- gestures -------------------------------------------------------------------

    @property
    def in_gesture(self) -> bool:
        return self._gesture is not None

    def begin(self, label: str) -> None:
        """Start a gesture: the updates until ``commit()`` become one undo step."""
        self.commit()
        self._gesture = (label, self._score)

    def update(self, new_score: Score) -> None:
        """Show the live result of the gesture under way (no undo step yet)."""
        if self._gesture is None:
            raise ScoreError("update() needs a gesture started with begin()")
        if not isinstance(new_score, Score):
            raise ScoreError("an edit must produce a score")
        self._set(new_score)

    def commit(self) -> None:
        """End the gesture under way (if any) as one undo step, if it changed anything."""
        if self._gesture is None:
            return
        label, before = self._gesture
        self._gesture = None
        if self._score is not before:
            self._push(label, before)

    def cancel(self) -> None:
        """Abandon the gesture under way: the score before it comes back."""
        if self._gesture is None:
            return
        _, before = self._gesture
        self._gesture = None
        self._set(before)

    # --- undo / redo ----------------------------------------------------------------

    def undo(self) -> bool:
        self.commit()
        if not self._undo:
            return False
        label, before = self._undo.pop()
        self._redo.append((label, self._score))
        self._set(before)
        return True

    def redo(self) -> bool:
        self.commit()
        if not self._redo:
            return False
        label, after = self._redo.pop()
        self._undo.append((label, self._score))
        self._set(after)
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo) or (
            self._gesture is not None and self._score is not self._gesture[1]
        )

    @property
    def can_redo(self) -> bool:
        return bool(self._redo) and self._gesture is None

    @property
    def undo_label(self) -> str | None:
        if self._gesture is not None and self._score is not self._gesture[1]:
            return self._gesture[0]
        return self._undo[-1][0] if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1][0] if self.can_redo else None

    # --- saved state ----------------------------------------------------------------

    def mark_saved(self) -> None:
        """Remember the current score as the one on disk."""
        self._saved = self._score

    @property
    def is_modified(self) -> bool:
        """True unless the current score is the one last saved (undoing back to it counts)."""
        return self._score is not self._saved
