"""Waiting for a lost JACK server to come back, without ever blocking Tk (GUI thread; the
probe runs in a worker thread).

After the engine reports ``AudioLostEvent`` the window goes on being edited in silence.
``ServerReturnWatch`` asks every ``RETRY_S`` whether the server accepts a client again;
the question is a child process (``engine.audio.jack_probe``) that can take seconds when
the server is wedged or the machine busy, so it is asked from a worker thread, and the answer is picked up by an
``after()`` tick in Tk's thread, which alone calls ``on_back``.  The worker touches no Tk
object: it only sets an ``Event``.
"""

from __future__ import annotations

import threading

RETRY_S = 1.0
CHECK_MS = 100  # how often Tk's thread looks at the worker's answer


class ServerReturnWatch:
    """Calls ``on_back()`` in Tk's thread once the JACK server ``server`` answers."""

    def __init__(self, root, server: str | None, on_back, probe=None, retry_s: float = RETRY_S):
        if probe is None:
            from engine.audio.drivers import server_answers

            probe = server_answers
        self.root = root
        self.server = server
        self.on_back = on_back
        self._probe = probe
        self._retry_s = retry_s
        self._back = threading.Event()
        self._stop = threading.Event()
        self._after_id = None
        self._thread = threading.Thread(target=self._ask, name="pianola-server-watch", daemon=True)

    def start(self) -> ServerReturnWatch:
        self._thread.start()
        self._after_id = self.root.after(CHECK_MS, self._check)
        return self

    def _ask(self) -> None:
        # the worker thread: asks, waits, asks again; never touches Tk
        while not self._stop.is_set():
            if self._probe(self.server):
                self._back.set()
                return
            self._stop.wait(self._retry_s)

    def _check(self) -> None:
        self._after_id = None
        if self._stop.is_set():
            return
        if self._back.is_set():
            self._stop.set()
            self.on_back()
            return
        self._after_id = self.root.after(CHECK_MS, self._check)

    def cancel(self) -> None:
        self._stop.set()
        if self._after_id is not None:
            self.root.after_cancel(self._after_id)
            self._after_id = None

    @property
    def waiting(self) -> bool:
        return not self._stop.is_set()
