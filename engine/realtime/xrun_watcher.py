"""Hearing about the JACK server's xruns (engine process; JACK's notification thread).

FluidSynth does not pass xruns on, so the engine opens a second, portless JACK client
of its own just to be told.  JACK calls the callback in its non-realtime notification
thread (never the audio thread); all it does is queue an event.  With any other driver
there is no server to ask, and no XrunEvent is ever sent.
"""

from __future__ import annotations

from engine.core import protocol as p
from engine.realtime.event_sender import EventSender


class XrunWatcher:
    """Reports the JACK server's xruns as ``XrunEvent``s."""

    def __init__(self, sender: EventSender):
        self._sender = sender
        self._client = None

    def open(self, server: str | None) -> str:
        """Start watching; returns a phrase for the ready event's driver reason."""
        try:
            import jack

            client = jack.Client("pianola-xruns", no_start_server=True, servername=server)
            client.set_xrun_callback(self._on_xrun)
            client.activate()
        except (ImportError, OSError, jack.JackError) as exc:
            return f"xruns not observed ({exc})"
        self._client = client
        return "xruns observed"

    def _on_xrun(self, _delayed_usecs: float) -> None:
        self._sender.put(p.XrunEvent(1))

    def close(self) -> None:
        if self._client is not None:
            self._client.deactivate()
            self._client.close()
            self._client = None
