"""A room's song on disk, kept small (runs on the session server's event loop).

pycrdt's ``FileYStore`` appends every update a peer sends, so a room's file grows with
every edit ever made and is read back whole when the room opens.  A Yjs document's state
is itself one update that holds everything the appended ones did, so the file is
rewritten now and then as that single update (a snapshot): when the room opens with many
updates on file, and after every ``COMPACT_EVERY`` updates written.  The snapshot goes to
a new file that then replaces the old one (fsynced first), so a crash at any moment
leaves either the old file or the new one, never half of one.  Writing is held off
meanwhile (the store's own lock), and an update that arrives during a compaction is
appended after the snapshot: applying an update twice changes nothing.  A write is
never cancelled half-way or while it waits its turn, so every update a peer sent reaches
the file even when the room closes meanwhile.
"""

from __future__ import annotations

import os
import struct
import time

import anyio
from pycrdt import Doc, write_var_uint
from pycrdt.store import FileYStore, YDocNotFound

COMPACT_EVERY = 200  # updates appended before the file is squashed again


class RoomStore(FileYStore):
    """``FileYStore`` for ``doc`` that squashes itself (module doc)."""

    def __init__(self, path: str, doc: Doc, log=None, compact_every: int = COMPACT_EVERY):
        super().__init__(path, log=log)
        self.doc = doc
        self.compact_every = compact_every
        self.appended = 0  # updates written since the last snapshot
        self.compactions = 0

    async def load(self) -> int:
        """Apply what is on file to the document; squash it if it holds many updates.
        Returns how many updates were on file."""
        count = 0
        try:
            async for update, _metadata, _timestamp in self.read():
                self.doc.apply_update(update)
                count += 1
        except YDocNotFound:  # a file with no update in it yet
            return 0
        if count > 1:
            self.appended = count
            if count >= self.compact_every:
                await self.compact()
        return count

    async def write(self, data: bytes) -> None:
        # Shielded: the room starts a task per update, and when its last peer leaves the
        # room is stopped, which cancels every write still queued on the store's lock (a
        # busy server can be hundreds behind): those edits would never reach the file.
        with anyio.CancelScope(shield=True):
            await super().write(data)
            self.appended += 1
            if self.appended >= self.compact_every:
                await self.compact(only_if_due=True)

    async def compact(self, only_if_due: bool = False) -> None:
        """Rewrite the file as one snapshot of the document.  ``only_if_due``: unless a
        compaction since the caller looked made it needless (a burst of updates queues
        its writes on the lock ahead of the compaction the 200th asked for, and every one
        of them asks again)."""
        async with self.lock:
            if only_if_due and self.appended < self.compact_every:
                return
            snapshot = self.doc.get_update()
            record = b"".join(
                write_var_uint(len(part)) + part
                for part in (snapshot, b"", struct.pack("<d", time.time()))
            )
            temporary = self.path + ".compacting"
            with open(temporary, "wb") as f:
                f.write(f"VERSION:{self.version}\n".encode() + record)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.path)
            self.appended = 1
            self.compactions += 1
