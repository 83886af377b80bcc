"""The session server: y-websocket rooms, one per song, persisted on disk (runs in the
``pianola serve`` process, on its asyncio loop under uvicorn).

A room is created by ``POST /rooms``, which answers its name and a fresh secret; the
secret's SHA-256 is kept in the room's directory, the document's updates next to it
(``engine.collab.room_store``: pycrdt's file store, squashed into a snapshot now and
then), so a server restart or every peer leaving loses nothing.
Peers connect to ``ws://HOST:PORT/r/ROOM?s=SECRET`` and speak the standard y-websocket
protocol (sync and awareness, handled by ``pycrdt.websocket.YRoom``); a connection with a
wrong or missing secret is refused before the websocket is accepted, so it receives
neither the song nor the peer list.  Each peer is held to a message-size and a message-
rate limit, and may also send clock pings (``CLOCK_PING``) that are answered at once with
the server's wall clock (see ``engine.collab.clock``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
from pycrdt import Doc, create_sync_message
from pycrdt.websocket import WebsocketServer, YRoom

from engine.collab.room_store import RoomStore

log = logging.getLogger("pianola.serve")

CLOCK_PING = 100  # y-websocket leaves message types above 3 free: ours start here
# "send me your state vector": the server answers with its sync step 1, the peer with
# what the server lacks (a lost update is pushed again, not only pulled)
SYNC_REQUEST = 101
ROOM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CLOCK = struct.Struct(">qq")  # the peer's send time, the server's wall clock (ns)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one peer may send: bigger or faster gets the connection closed."""

    max_message_bytes: int = 4 * 1024 * 1024
    messages_per_s: float = 200.0
    burst_messages: int = 400
    max_rejected_messages: int = 20  # malformed messages tolerated before closing

    def __post_init__(self):
        if self.max_message_bytes < 1024:
            raise ValueError(
                f"max_message_bytes must be at least 1024, not {self.max_message_bytes}"
            )
        if self.messages_per_s <= 0 or self.burst_messages < 1:
            raise ValueError("the message rate and burst must be positive")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class RoomDirectory:
    """Rooms on disk: ``ROOT/ROOM/secret.sha256`` and ``ROOT/ROOM/song.ystore``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def create(self) -> tuple[str, str]:
        room = secrets.token_hex(6)
        secret = secrets.token_urlsafe(18)
        path = self.root / room
        path.mkdir()
        tmp = path / "secret.tmp"
        tmp.write_text(hash_secret(secret) + "\n", encoding="ascii")
        os.replace(tmp, path / "secret.sha256")
        return room, secret

    def admits(self, room: str, secret: str | None) -> bool:
        if not ROOM_NAME.match(room) or not secret:
            return False
        try:
            stored = (self.root / room / "secret.sha256").read_text(encoding="ascii").strip()
        except OSError:
            return False
        return hmac.compare_digest(stored, hash_secret(secret))

    def store_path(self, room: str) -> str:
        return str(self.root / room / "song.ystore")


class _RateLimited(Exception):
    pass


class PeerChannel:
    """One peer's websocket as a pycrdt ``Channel``, with the limits and clock pings."""

    def __init__(self, receive, send, room: str, peer: str, limits: Limits, doc_of=None):
        self._doc_of = doc_of  # () -> the room's Doc, once the room is open
        self._receive = receive
        self._send = send
        self.room = room
        self.peer = peer
        self.limits = limits
        self._tokens = float(limits.burst_messages)
        self._refilled = time.monotonic()
        self.rejected = 0
        self.closed_because = ""

    @property
    def path(self) -> str:
        return self.room

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        return await self.recv()

    async def send(self, message: bytes) -> None:
        try:
            await self._send({"type": "websocket.send", "bytes": message})
        except Exception:  # the peer went away while a broadcast was under way
            pass

    async def close(self, code: int, reason: str) -> None:
        self.closed_because = reason
        try:
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except Exception:
            pass

    def _take_token(self) -> bool:
        now = time.monotonic()
        self._tokens = min(
            self.limits.burst_messages,
            self._tokens + (now - self._refilled) * self.limits.messages_per_s,
        )
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def recv(self) -> bytes:
        while True:
            message = await self._receive()
            kind = message["type"]
            if kind == "websocket.disconnect":
                raise StopAsyncIteration()
            if kind != "websocket.receive":
                continue
            data = message.get("bytes")
            if data is None:  # a text frame: not part of the protocol
                await self.reject("a text message")
                continue
            if len(data) > self.limits.max_message_bytes:
                await self.close(1009, "message too big")
                raise StopAsyncIteration()
            if not self._take_token():
                await self.close(1008, "too many messages")
                raise StopAsyncIteration()
            if not data:
                await self.reject("an empty message")
                continue
            if data[0] == CLOCK_PING:
                if len(data) != 9:
                    await self.reject("a malformed clock ping")
                    continue
                sent_ns = struct.unpack(">q", data[1:9])[0]
                await self.send(bytes([CLOCK_PING]) + _CLOCK.pack(sent_ns, time.time_ns()))
                continue
            if data[0] == SYNC_REQUEST:
                doc = self._doc_of() if self._doc_of is not None else None
                if doc is not None:
                    await self.send(create_sync_message(doc))
                continue
            return data

    async def reject(self, what: str) -> None:
        self.rejected += 1
        log.warning("room %s: peer %s sent %s; ignored", self.room, self.peer, what)
        if self.rejected > self.limits.max_rejected_messages:
            await self.close(1008, "too many malformed messages")
            raise StopAsyncIteration()


class _Rooms(WebsocketServer):
    """pycrdt's websocket server with each room's document loaded from and saved to disk."""

    def __init__(self, directory: RoomDirectory):
        super().__init__(rooms_ready=False, auto_clean_rooms=True, log=log)
        self.exception_handler = _log_exception
        self.directory = directory
        self._opening = anyio.Lock()

    async def get_room(self, name: str) -> YRoom:
        # Loading a room from disk awaits: two peers joining at once must get one room.
        async with self._opening:
            return await self._get_room(name)

    async def _get_room(self, name: str) -> YRoom:
        if name not in self.rooms:
            doc: Doc[Any] = Doc()
            store = RoomStore(self.directory.store_path(name), doc, log=log)
            if await anyio.Path(store.path).exists():
                await store.load()  # squashed into one snapshot when it holds many updates
            room = YRoom(ready=False, ystore=store, ydoc=doc, log=log)
            room.exception_handler = _log_exception
            room.on_message_error = _on_message_error
            self.rooms[name] = room
            await self.start_room(room)
            room.ready = True
        else:
            room = self.rooms[name]
            await self.start_room(room)
        return room


def _log_exception(exception: Exception, _log) -> bool:
    log.error("session server: %s", exception, exc_info=exception)
    return True


async def _on_message_error(exc: Exception, message: bytes, channel) -> bool:
    if isinstance(channel, PeerChannel):
        await channel.reject(f"a message the protocol cannot read ({exc})")
    return True


class SessionServer:
    """The ASGI application of ``pianola serve`` (see module doc)."""

    def __init__(self, root: Path, limits: Limits = Limits()):
        self.directory = RoomDirectory(root)
        self.limits = limits
        self.rooms = _Rooms(self.directory)
        self._task_group = None

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.rooms.__aenter__()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.rooms.__aexit__(None, None, None)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        if scope["method"] == "POST" and scope["path"] == "/rooms":
            room, secret = self.directory.create()
            log.info("room %s: created", room)
            await _respond(send, 201, {"room": room, "secret": secret})
        elif scope["method"] == "GET" and scope["path"] == "/":
            await _respond(send, 200, {"server": "pianola", "protocol": "y-websocket"})
        else:
            await _respond(send, 404, {"error": "not found"})

    async def _websocket(self, scope, receive, send):
        if (await receive())["type"] != "websocket.connect":
            return
        client = scope.get("client") or ("?", 0)
        peer = f"{client[0]}:{client[1]}"
        path = scope["path"]
        room = path[3:] if path.startswith("/r/") else ""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        secret = (query.get("s") or [None])[0]
        if not self.directory.admits(room, secret):
            log.warning("refused %s: wrong or missing secret for room %r", peer, room[:64])
            await send({"type": "websocket.close", "code": 4003})
            return
        await send({"type": "websocket.accept"})

        def doc_of():
            opened = self.rooms.rooms.get(room)
            return opened.ydoc if opened is not None else None

        channel = PeerChannel(receive, send, room, peer, self.limits, doc_of)
        count = len(self.rooms.rooms[room].clients) + 1 if room in self.rooms.rooms else 1
        log.info("room %s: join %s (%d peers)", room, peer, count)
        try:
            await self.rooms.serve(channel)
        finally:
            left = len(self.rooms.rooms[room].clients) if room in self.rooms.rooms else 0
            why = f": {channel.closed_because}" if channel.closed_because else ""
            log.info("room %s: leave %s%s (%d peers)", room, peer, why, left)


async def _respond(send, status: int, body: dict) -> None:
    data = json.dumps(body).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": data})
