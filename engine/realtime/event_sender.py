"""The engine's road to the GUI's event pipe (engine process: any engine thread puts,
one sender thread writes).

``EventSender`` takes events from a ``queue.SimpleQueue`` and writes them to the event
pipe on a thread of its own.  Putting into the queue never blocks, so the scheduler
thread never waits for the GUI, however slowly the GUI reads.
"""

from __future__ import annotations

import queue
import threading

from engine.realtime import priority as prio

MAX_QUEUED_EVENTS = 10_000  # beyond this the GUI is not reading: drop cursor events
_STOP_SENDING = object()


class EventSender:
    """The non-blocking road from the engine's threads to the GUI's event pipe."""

    def __init__(self, conn):
        self._conn = conn
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="pianola-events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, event) -> None:
        """Never blocks (SimpleQueue.put is lock-free with respect to the reader)."""
        self._queue.put(event)

    def put_cursor(self, event) -> None:
        """Notes started and beats are for the display only: drop them, not memory, when
        the GUI has stopped reading."""
        if self._queue.qsize() > MAX_QUEUED_EVENTS:
            self.dropped += 1
        else:
            self._queue.put(event)

    def _run(self) -> None:
        prio.name_os_thread("pianola-events")
        # This thread keeps the realtime priority it inherited, on purpose: it holds the
        # GIL while it pickles, and a normal-priority thread preempted while holding the
        # GIL would keep the scheduler thread waiting (priority inversion).  It costs
        # nothing while it waits: blocked in the queue or in the pipe, it holds no GIL.
        while True:
            event = self._queue.get()
            if event is _STOP_SENDING:
                return
            try:
                self._conn.send(event)
            except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
                return  # the GUI is gone; the main thread sees the end of its pipe

    def close(self, timeout_s: float = 2.0) -> None:
        """Send what is queued, then stop."""
        self._queue.put(_STOP_SENDING)
        self._thread.join(timeout_s)
