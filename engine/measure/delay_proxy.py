"""A websocket proxy that delays, reorders and drops messages (its own thread
with an asyncio loop).  Each message is held for ``delay_s`` +- ``jitter_s`` (uniform,
seeded) on its own, so messages overtake each other whenever the jitter exceeds their
spacing; with ``drop`` > 0 that fraction of messages is never delivered.

Stopping ends every send under way and drops what is still held before the loop closes:
a send the loop had begun but never ran would be a coroutine never awaited."""

from __future__ import annotations

import asyncio
import random
import threading

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve


class DelayProxy:
    def __init__(self, upstream_port: int, delay_s: float, jitter_s: float, drop=0.0, seed=0):
        self.upstream_port = upstream_port
        self.delay_s = delay_s
        self.jitter_s = jitter_s
        self.drop = drop
        self.rng = random.Random(seed)
        self.port = 0
        self.forwarded = 0
        self.dropped = 0
        self.reordered = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._stopping = False
        self._sending: set[asyncio.Task] = set()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> DelayProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self._handle, "127.0.0.1", 0, max_size=None) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()
        # every connection is closed now: what is held is dropped, what is sending ends
        self._stopping = True
        for task in self._sending:
            task.cancel()
        await asyncio.gather(*self._sending, return_exceptions=True)

    async def _handle(self, incoming) -> None:
        path = incoming.request.path
        url = f"ws://127.0.0.1:{self.upstream_port}{path}"
        try:
            async with connect(url, max_size=None) as outgoing:
                pipes = [
                    asyncio.ensure_future(self._pipe(incoming, outgoing)),
                    asyncio.ensure_future(self._pipe(outgoing, incoming)),
                ]
                try:
                    await asyncio.gather(*pipes)
                finally:
                    # one way lost ends the other way too: no pipe outlives its connection
                    for pipe in pipes:
                        pipe.cancel()
                    await asyncio.gather(*pipes, return_exceptions=True)
        except Exception:
            pass
        finally:
            await incoming.close()

    async def _pipe(self, source, sink) -> None:
        last_due = 0.0
        try:
            async for message in source:
                if self.drop and self.rng.random() < self.drop:
                    self.dropped += 1
                    continue
                delay = self.delay_s + self.rng.uniform(-self.jitter_s, self.jitter_s)
                due = asyncio.get_running_loop().time() + delay
                if due < last_due:
                    self.reordered += 1
                last_due = max(last_due, due)
                asyncio.get_running_loop().call_later(
                    max(0.0, delay), self._send_later, sink, message
                )
                self.forwarded += 1
        finally:
            await asyncio.sleep(self.delay_s + self.jitter_s)  # deliver what is in flight
            await sink.close()

    def _send_later(self, sink, message) -> None:
        """Called by the loop when a message's delay is over: send it."""
        if self._stopping:
            return
        task = asyncio.ensure_future(self._send(sink, message))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    @staticmethod
    async def _send(sink, message) -> None:
        try:
            await sink.send(message)
        except Exception:
            pass
