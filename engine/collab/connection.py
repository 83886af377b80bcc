"""A peer's websocket to the session server (its own network thread with an asyncio loop;
``send`` and ``close`` may be called from any thread).

It moves bytes only: y-websocket messages go to ``inbox`` untouched for the thread that
owns the document, outgoing ones are queued by that thread.  Clock pings are sent and
answered here so their timing is not delayed by the owner thread.  A lost connection is
retried with backoff for as long as the session lasts; a refused secret is not.
"""

from __future__ import annotations

import asyncio
import queue
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from engine.collab.clock import ClockEstimator
from engine.core.errors import PianolaError

CLOCK_PING = 100  # the same number as the server's (engine.collab.server)
PING_PERIOD_S = 0.25
BURST_PINGS = 24  # pings sent BURST_PERIOD_S apart on (re)connecting
BURST_PERIOD_S = 0.02
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class SessionLinkError(PianolaError):
    """A session link that cannot be used."""


@dataclass(frozen=True, slots=True)
class SessionLink:
    """ws[s]://HOST:PORT/r/ROOM?s=SECRET: where the room is and the secret that opens it."""

    url: str
    room: str
    secret: str

    @classmethod
    def parse(cls, text: str) -> SessionLink:
        parts = urlsplit(text.strip())
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise SessionLinkError(
                f"{text!r} is not a session link (ws://HOST:PORT/r/ROOM?s=SECRET)"
            )
        if not parts.path.startswith("/r/") or len(parts.path) < 4:
            raise SessionLinkError(f"the session link {text!r} names no room")
        secret = (parse_qs(parts.query).get("s") or [""])[0]
        if not secret:
            raise SessionLinkError(f"the session link {text!r} carries no secret")
        return cls(text.strip(), parts.path[3:], secret)

    @classmethod
    def for_room(cls, server_url: str, room: str, secret: str) -> SessionLink:
        parts = urlsplit(server_url)
        scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
        return cls.parse(urlunsplit((scheme, parts.netloc, f"/r/{room}", f"s={secret}", "")))


def create_room(server_url: str, timeout_s: float = 10.0) -> SessionLink:
    """Ask a session server (http[s]://HOST:PORT) for a new room; its link."""
    import json
    import urllib.error
    import urllib.request

    url = server_url.rstrip("/") + "/rooms"
    try:
        request = urllib.request.Request(url, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            body = json.loads(reply.read(4096))
        return SessionLink.for_room(server_url, str(body["room"]), str(body["secret"]))
    except (OSError, ValueError, KeyError, urllib.error.URLError) as exc:
        raise SessionLinkError(
            f"the session server at {server_url} did not open a room: {exc}"
        ) from None


class Connection:
    """The network thread of one peer (module doc).

    ``inbox`` receives ``("message", bytes)``, ``("connected", None)``,
    ``("disconnected", reason)`` and ``("refused", reason)``; ``wake`` (if given) is
    called after each put so a Tk loop can be poked."""

    def __init__(self, link: SessionLink, wake=None):
        self.link = link
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.clock = ClockEstimator()
        self.wake = wake
        self.connected = False
        self.bytes_in = 0
        self.bytes_out = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox: asyncio.Queue | None = None
        self._closing = False
        self._ws: Any = None  # the websocket while connected (a ClientConnection)
        self._thread = threading.Thread(target=self._run, name="pianola-session", daemon=True)
        self._started = threading.Event()

    def start(self) -> Connection:
        self._thread.start()
        self._started.wait(5.0)
        return self

    def _put(self, kind: str, payload) -> None:
        self.inbox.put((kind, payload))
        if self.wake is not None:
            self.wake()

    def send(self, message: bytes) -> None:
        """Queue a message (dropped while disconnected: the sync on reconnect catches up)."""
        loop, outbox = self._loop, self._outbox
        if loop is not None and outbox is not None and not self._closing:
            loop.call_soon_threadsafe(outbox.put_nowait, message)

    def close(self, timeout_s: float = 3.0) -> None:
        self._closing = True
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            try:
                loop.call_soon_threadsafe(self._shutdown)
            except RuntimeError:  # the loop ended meanwhile (a refused link)
                pass
        self._thread.join(timeout_s)

    def _shutdown(self) -> None:
        for task in asyncio.all_tasks(self._loop):
            task.cancel()

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main())
        except asyncio.CancelledError:
            pass
        finally:
            self._loop.close()
            self._loop = None

    async def _main(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus

        self._outbox = asyncio.Queue()
        self._started.set()
        backoff = 0.2
        while not self._closing:
            try:
                async with connect(
                    self.link.url, max_size=MAX_MESSAGE_BYTES, open_timeout=5, ping_interval=10
                ) as ws:
                    self._ws = ws
                    backoff = 0.2
                    while not self._outbox.empty():  # what was queued offline is stale
                        self._outbox.get_nowait()
                    self.connected = True
                    self._put("connected", None)
                    reason = await self._serve(ws)
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status == 403:
                    self._put("refused", "the session server refused the link's secret")
                    return
                reason = f"the session server answered {status}"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # refused, reset, timed out, closed
                reason = str(exc) or type(exc).__name__
            if self.connected:
                self.connected = False
            self._put("disconnected", reason)
            if self._closing:
                return
            await asyncio.sleep(backoff)
            backoff = min(5.0, backoff * 2)

    async def _serve(self, ws) -> str:
        tasks = [
            asyncio.create_task(self._reader(ws)),
            asyncio.create_task(self._writer(ws)),
            asyncio.create_task(self._pinger(ws)),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                exc = task.exception()
                if exc is not None:
                    return str(exc) or type(exc).__name__
            return "the session server closed the connection"
        finally:
            for task in tasks:
                task.cancel()

    async def _reader(self, ws) -> None:
        async for message in ws:
            now = time.monotonic_ns()
            if isinstance(message, str):
                continue
            self.bytes_in += len(message)
            if len(message) == 17 and message[0] == CLOCK_PING:
                sent, server = struct.unpack(">qq", message[1:])
                self.clock.add(sent, server, now)
                continue
            self._put("message", message)

    async def _writer(self, ws) -> None:
        outbox = self._outbox
        if outbox is None:  # made by _main before it connects
            return
        while True:
            message = await outbox.get()
            self.bytes_out += len(message)
            await ws.send(message)

    async def _pinger(self, ws) -> None:
        sent = 0
        while True:
            await ws.send(bytes([CLOCK_PING]) + struct.pack(">q", time.monotonic_ns()))
            sent += 1
            # a burst on connecting, so the offset is known well before a shared start
            await asyncio.sleep(BURST_PERIOD_S if sent < BURST_PINGS else PING_PERIOD_S)
