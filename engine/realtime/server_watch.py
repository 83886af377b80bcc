"""Watching the JACK server the engine plays through: xruns, and the server going away
(engine process; the callbacks run in libjack's notification thread, never the audio
thread).

FluidSynth passes neither xruns nor the loss of its server on to its host: its JACK
driver prints a few lines and falls silent.  So the engine opens a second, portless JACK
client of its own just to be told.  JACK calls ``xrun`` and ``shutdown`` callbacks in its
notification thread; all they do is hand an event to ``put`` (which never blocks), so
the client hears of a dead server within one of JACK's socket reads, well under a second.
With any other driver there is no server to ask, and neither event is ever sent.

The shutdown callback is not the only way to hear of it: ``frames_moved`` is told the
synth's sample clock a few times a second (main thread), and a clock that stood still for
``STALL_S`` while no server answers by that name means the same loss, in case the
callback never came.
"""

from __future__ import annotations

import threading

from engine.audio.drivers import server_answers
from engine.core.protocol import events as evt

STALL_S = 2.0  # a JACK synth's clock standing still this long: is the server there?


def lost_sentence(server: str | None) -> str:
    """The one sentence a musician reads when the JACK server goes away."""
    name = f"The JACK server '{server}'" if server else "The JACK server"
    return f"{name} stopped, so nothing can be heard until it runs again."


class JackServerWatcher:
    """Sends ``XrunEvent`` per xrun and one ``AudioLostEvent`` if the server goes away."""

    def __init__(self, put):
        self._put = put
        self._client = None
        self._server: str | None = None
        self.lost = False
        self._on_jack = False  # open() was asked: the synth plays through JACK
        self._lock = threading.Lock()  # the notification thread and the main thread
        self._last_frame: int | None = None
        self._moved_at_s = 0.0

    def open(self, server: str | None) -> str:
        """Start watching; returns a phrase for the ready event's driver reason."""
        self._server, self._on_jack = server, True  # the clock is watched even so
        try:
            import jack

            client = jack.Client("pianola-watch", no_start_server=True, servername=server)
            client.set_xrun_callback(self._on_xrun)
            client.set_shutdown_callback(self._on_shutdown)
            client.activate()
        except (ImportError, OSError, jack.JackError) as exc:
            return f"xruns not observed ({exc})"
        self._client, self._server = client, server
        return "xruns observed"

    def _on_xrun(self, _delayed_usecs: float) -> None:
        self._put(evt.XrunEvent(1))

    def _on_shutdown(self, _status, _reason: str) -> None:
        self._say_lost()

    def _say_lost(self) -> None:
        with self._lock:
            if self.lost:
                return
            self.lost = True
        self._put(evt.AudioLostEvent(lost_sentence(self._server), self._server))

    def frames_moved(self, frame: int, now_s: float) -> None:
        """The synth's sample clock read at ``now_s`` (monotonic seconds; main thread)."""
        if not self._on_jack or self.lost:
            return
        if frame != self._last_frame:
            self._last_frame, self._moved_at_s = frame, now_s
            return
        if now_s - self._moved_at_s < STALL_S:
            return
        self._moved_at_s = now_s  # asked at most once per stall period
        if not server_answers(self._server, timeout_s=STALL_S):
            self._say_lost()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        if not self.lost:  # a dead server's client can only be let go
            import jack

            try:
                client.deactivate()
                client.close()
            except jack.JackError:
                pass  # the server went away meanwhile: nothing left to close
