"""Autosave: a copy of the open document a few seconds after changes (GUI thread; the
file writes run on one worker thread).

While a document has unsaved changes, a copy of it is written a few seconds after the
first change since the last copy (so steady editing is still saved every few seconds)
to this session's recovery slot (``sequencer_gui.files.recovery``).  A recovery file is
removed only after its document has been saved, after an explicit Discard, or when the
window closes on a document with nothing unsaved -- never silently before.

The project text is made in the GUI thread and only the writing (with its fsync, the slow
part) runs on the worker: the worker allocates almost nothing, so Python's garbage collector
does not run there and never frees a Tk object outside Tk's thread.  Every file operation
of one session goes through the same single worker, so a removal never overtakes a write.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from engine.core.errors import FileWriteError
from sequencer_gui.files.recovery import RecoverySlot, encode_score


class Autosaver:
    """Writes the open document to its recovery slot a few seconds after changes.

    Parameters
    ----------
    widget : any Tk widget, for ``after()``
    slot : RecoverySlot of this session
    get_document : callable returning ``(score, is_modified, document_path)``
    interval_s : seconds from the first unsaved change to the copy on disk
    on_error : called with one sentence when a copy cannot be written (once per streak)

    Changes are noticed by the identity of the current score (every edit makes a new
    Score), so this works across a document being replaced by New or Open.
    """

    POLL_MS = 250  # how often the document is looked at (an identity test: cheap)

    def __init__(
        self, widget, slot: RecoverySlot, get_document, interval_s: float = 3, on_error=None
    ):
        self.widget = widget
        self.slot = slot
        self.get_document = get_document
        self.interval_s = interval_s
        self.on_error = on_error
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._written = None  # the score the slot holds (or that is on disk: nothing to do)
        self._due: float | None = None
        self._in_flight: Future | None = None
        self._in_flight_score = None
        self._failing = False
        self._after_id = None
        self.writes = 0  # how many copies were written (status bar, tests)

    def start(self) -> None:
        score, _modified, _path = self.get_document()
        self._written = score
        self._tick()

    def stop(self) -> None:
        """Stop watching; waits for a copy being written (so it is complete on disk)."""
        if self._after_id is not None:
            self.widget.after_cancel(self._after_id)
            self._after_id = None
        self._executor.shutdown(wait=True)

    def _tick(self) -> None:
        self._after_id = self.widget.after(self.POLL_MS, self._tick)
        self._collect()
        score, modified, path = self.get_document()
        if not modified or score is self._written or score is self._in_flight_score:
            self._due = None
            return
        now = time.monotonic()
        if self._due is None:
            self._due = now + self.interval_s  # not moved by later changes: bounded loss
        if now >= self._due and self._in_flight is None:
            self._due = None
            self._in_flight_score = score
            # encoded here, in Tk's thread (~25 ms for 10 000 notes): the worker then only
            # writes bytes and allocates next to nothing, so the garbage collector never
            # runs on it -- a Tk object freed outside Tk's thread would abort the program
            self._in_flight = self._executor.submit(self.slot.write_data, encode_score(score), path)

    def _collect(self) -> None:
        """Take in the result of a finished write (GUI thread)."""
        future = self._in_flight
        if future is None or not future.done():
            return
        self._in_flight = None
        score, self._in_flight_score = self._in_flight_score, None
        try:
            future.result()
        except (FileWriteError, OSError) as exc:
            if not self._failing and self.on_error is not None:
                self.on_error(f"Autosave failed: {exc}")
            self._failing = True
            return
        self._failing = False
        self._written = score
        self.writes += 1

    def flush(self) -> None:
        """Write the current document now if it has changes not yet copied (blocks)."""
        if self._in_flight is not None:
            try:
                self._in_flight.result()
            except (FileWriteError, OSError):
                pass  # reported by _collect just below
            self._collect()
        score, modified, path = self.get_document()
        if modified and score is not self._written:
            self._executor.submit(self.slot.write_data, encode_score(score), path).result()
            self._written = score
            self.writes += 1
        self._due = None

    def document_saved(self) -> None:
        """The document is safely on disk: its recovery copy is no longer needed."""
        self._due = None
        # queued behind any write in flight, so the copy cannot reappear after this
        self._executor.submit(self.slot.remove).result()
        self._in_flight = self._in_flight_score = None
        self._written = self.get_document()[0]

    def adopt(self, slot: RecoverySlot) -> None:
        """Continue in a restored session's files (they hold the current score)."""
        self._executor.submit(self.slot.remove).result()
        self.slot = slot
        self._written = self.get_document()[0]
        self._due = None
