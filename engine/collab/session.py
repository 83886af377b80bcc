"""One peer's side of a live session: the y-websocket sync and awareness protocol over a
``Connection`` (runs on the thread that owns the document: the GUI thread or the main
thread of ``pianola play --join``; call ``pump`` whenever the connection's inbox has
something, and ``flush`` after local edits).

Local transactions are collected as they commit and sent as one merged update per
``flush``, so an undo and the stamps written right after it travel (and are applied
remotely) as one transaction.  Remote updates are applied as they come; a message that
cannot be read is dropped and counted, the session goes on.  Every few seconds the peer
sends its state vector again (sync step 1): the server answers with whatever this peer
missed, so a lost message costs a little time, never an edit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pycrdt import (
    Awareness,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    merge_updates,
    read_message,
)

from engine.collab.connection import Connection
from engine.collab.song_doc import SongDoc

RESYNC_PERIOD_S = 2.0
SYNC_REQUEST = 101  # the same number as the server's (engine.collab.server)
AWARENESS_PERIOD_S = 1.0
PEER_TIMEOUT_S = 10.0
PEER_COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6")


@dataclass(frozen=True, slots=True)
class Peer:
    """Another musician in the session, as its awareness state says."""

    client_id: int
    name: str
    colour: str
    rtt_ms: float | None
    state: dict = field(compare=False)


@dataclass(slots=True)
class SessionStatus:
    connected: bool = False
    synced: bool = False
    refused: str = ""
    last_problem: str = ""
    malformed_messages: int = 0
    drops: int = 0  # times the connection went away (back again or not)


class Session:
    """See module doc.  ``name`` and ``colour`` are shown to the other peers."""

    def __init__(self, song: SongDoc, connection: Connection, name: str, colour: str = ""):
        self.song = song
        self.connection = connection
        self.status = SessionStatus()
        self.awareness = Awareness(song.doc)
        self.client_id = song.doc.client_id
        self.name = name
        self.colour = colour or PEER_COLOURS[self.client_id % len(PEER_COLOURS)]
        self._outgoing: list[bytes] = []
        self._applying_remote = False
        self._last_resync = 0.0
        self._last_awareness = 0.0
        self._local_state: dict = {"name": name, "colour": self.colour}
        self.awareness.set_local_state(dict(self._local_state))
        self._subscription = song.doc.observe(self._on_transaction)

    def _on_transaction(self, event) -> None:
        if not self._applying_remote:
            self._outgoing.append(event.update)

    # --- the owner thread's work ------------------------------------------------------
    def pump(self) -> bool:
        """Handle what the connection received; True if the document changed remotely."""
        changed = False
        while True:
            try:
                kind, payload = self.connection.inbox.get_nowait()
            except Exception:
                break
            if kind == "message":
                changed |= self._handle(payload)
            elif kind == "connected":
                self.status.connected = True
                self.status.last_problem = ""
                self.connection.send(create_sync_message(self.song.doc))
                self._send_awareness()
            elif kind == "disconnected":
                if self.status.connected:
                    self.status.drops += 1
                self.status.connected = False
                self.status.synced = False
                self.status.last_problem = payload
            elif kind == "refused":
                self.status.connected = False
                self.status.refused = payload
        self.tick()
        return changed

    def tick(self) -> None:
        """Periodic duties: resync, awareness keep-alive, sending local updates."""
        now = time.monotonic()
        if self.status.connected and now - self._last_resync >= RESYNC_PERIOD_S:
            self._last_resync = now
            self.connection.send(create_sync_message(self.song.doc))  # pull what we missed
            self.connection.send(bytes([SYNC_REQUEST]))  # and push what the server missed
        if self.status.connected and now - self._last_awareness >= AWARENESS_PERIOD_S:
            self._send_awareness()
        self.flush()

    def flush(self) -> None:
        """Send the local transactions since the last flush as one update."""
        if not self._outgoing:
            return
        updates, self._outgoing = self._outgoing, []
        update = updates[0] if len(updates) == 1 else merge_updates(*updates)
        self.connection.send(create_update_message(update))

    def _handle(self, message: bytes) -> bool:
        try:
            if message[0] == YMessageType.SYNC:
                self._applying_remote = True
                try:
                    reply = handle_sync_message(message[1:], self.song.doc)
                finally:
                    self._applying_remote = False
                if message[1] == YSyncMessageType.SYNC_STEP2:
                    self.status.synced = True
                if reply is not None:
                    self.connection.send(reply)
                return message[1] != YSyncMessageType.SYNC_STEP1
            if message[0] == YMessageType.AWARENESS:
                self.awareness.apply_awareness_update(read_message(message[1:]), "remote")
            return False
        except Exception as exc:  # a message the protocol cannot read: drop it, go on
            self.status.malformed_messages += 1
            self.status.last_problem = f"a message from the session could not be read ({exc})"
            return False

    # --- awareness: who is here, where they are ---------------------------------------
    def set_presence(self, **fields) -> None:
        """Fields of this peer's awareness state (selection, cursor, rtt_ms, ...)."""
        self._local_state.update(fields)
        self.awareness.set_local_state(dict(self._local_state))
        if self.status.connected:
            self._send_awareness()

    def _send_awareness(self) -> None:
        self._last_awareness = time.monotonic()
        update = self.awareness.encode_awareness_update([self.client_id])
        self.connection.send(create_awareness_message(update))

    def peers(self) -> list[Peer]:
        """The other peers heard from recently, by client id."""
        now_ms = time.time() * 1000
        peers = []
        for client_id, state in sorted(self.awareness.states.items()):
            if client_id == self.client_id or not isinstance(state, dict):
                continue
            meta = self.awareness.meta.get(client_id, {})
            if now_ms - meta.get("lastUpdated", 0) > PEER_TIMEOUT_S * 1000:
                continue
            rtt = state.get("rtt_ms")
            peers.append(
                Peer(
                    client_id,
                    str(state.get("name", "?"))[:40],
                    str(state.get("colour", "#888888"))[:16],
                    float(rtt) if isinstance(rtt, (int, float)) else None,
                    state,
                )
            )
        return peers

    def close(self) -> None:
        """Leave: tell the others, stop the network thread; the document stays local."""
        self.flush()
        if self.status.connected:
            self.awareness.set_local_state(None)
            update = self.awareness.encode_awareness_update([self.client_id])
            self.connection.send(create_awareness_message(update))
            time.sleep(0.05)
        self.song.doc.unobserve(self._subscription)
        self.connection.close()
