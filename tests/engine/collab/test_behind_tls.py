"""A session server behind TLS, as the README sets it up: a TLS terminator (the test's own,
standing in for Caddy or nginx) forwards everything to `pianola serve` on loopback; a room
made through https:// gives a wss:// link, over which a peer shares its song with one
talking to the server directly (a real server; a certificate made for the test, trusted
through SSL_CERT_FILE as a site's certificate authority would be)."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading

import pytest

from engine.collab.connection import SessionLink, create_room
from engine.collab.peer import Peer
from engine.core.score import Note, Score, Track
from tests.engine.collab.conftest import wait_until


class TlsTerminator:
    """TLS on its own port, each connection's bytes forwarded both ways to ``upstream``
    (its own thread with an asyncio loop)."""

    def __init__(self, upstream_port: int, context: ssl.SSLContext):
        self.upstream_port = upstream_port
        self.context = context
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> TlsTerminator:
        self._thread.start()
        assert self._ready.wait(10), "the TLS terminator did not start"
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.context)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()
        for task in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
            task.cancel()

    async def _handle(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    @staticmethod
    async def _pipe(reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_a_session_behind_a_tls_terminator_works_over_wss(server, certificate, monkeypatch):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    # clients trust the certificate as they would one a public authority signed
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    tls = TlsTerminator(server.port, context).start()
    try:
        link = create_room(f"https://127.0.0.1:{tls.port}", timeout_s=60.0)
        assert link.url.startswith(f"wss://127.0.0.1:{tls.port}/r/")
        song = Score(tracks=(Track("Piano", notes=(Note(0, 240, 60), Note(480, 240, 64))),))
        ann = Peer(link, "Ann", score=song)
        plain = link.url.replace(f"wss://127.0.0.1:{tls.port}", f"ws://127.0.0.1:{server.port}")
        ben = Peer(SessionLink.parse(plain), "Ben")
        try:
            assert wait_until(
                lambda: (
                    ann.pump() is not None
                    and ben.pump() is not None
                    and ben.song.score() == song
                    and [p.name for p in ben.session.peers()] == ["Ann"]
                ),
                30.0,
            )
            assert ann.session.status.connected and ann.session.connection.bytes_in > 0
        finally:
            ann.leave()
            ben.leave()
    finally:
        tls.stop()
