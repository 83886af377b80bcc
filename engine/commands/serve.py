"""`pianola serve`: the headless session server (its own process, asyncio under uvicorn).

Listens on loopback by default; put it behind a TLS-terminating reverse proxy to reach
it from elsewhere (README).  Prints the address it listens on once it is ready, then one
log line per room created, peer joining and peer leaving.
"""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

from engine.core.errors import PianolaError


def default_directory() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("pianola")) / "sessions"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)"
    )
    parser.add_argument(
        "--dir", metavar="DIR", help="where rooms are kept (default: the user data directory)"
    )
    parser.add_argument(
        "--max-message-kb", type=int, default=4096, help="largest message a peer may send (KiB)"
    )
    parser.add_argument(
        "--messages-per-s", type=float, default=200.0, help="sustained messages per peer per second"
    )


def run(args) -> int:
    import uvicorn

    from engine.collab.server import Limits, SessionServer

    try:
        limits = Limits(
            max_message_bytes=args.max_message_kb * 1024,
            messages_per_s=args.messages_per_s,
            burst_messages=max(1, int(2 * args.messages_per_s)),
        )
    except ValueError as exc:
        raise PianolaError(str(exc)) from None
    directory = Path(args.dir) if args.dir else default_directory()
    try:
        app = SessionServer(directory, limits)
    except OSError as exc:
        raise PianolaError(f"cannot keep rooms in {directory}: {exc.strerror}") from None
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        raise PianolaError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    sock.listen(128)  # connections made as soon as the address is printed wait for uvicorn
    host, port = sock.getsockname()[:2]
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s pianola serve: %(message)s", stream=sys.stderr
    )
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_level="warning",
        # twice our own limit: the bigger message is read, logged and refused by us
        ws_max_size=2 * limits.max_message_bytes,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
    )
    server = uvicorn.Server(config)
    print(f"pianola serve: listening on http://{host}:{port} (rooms in {directory})", flush=True)
    server.run(sockets=[sock])
    return 0
