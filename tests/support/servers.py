"""Serve an ASGI app over real HTTP on 127.0.0.1, from a background thread.

Our fakes of the Telegram Bot API and the Twilio REST API (and, in end-to-end tests, famsbot's own
app) must be reached through real sockets by the real client libraries, exactly as in production.
Running uvicorn in its own thread with its own event loop (httpx's ``serve_in_thread`` idea) means
the server keeps answering while a synchronous test or benchmark blocks, and while an async test's
loop is busy awaiting the client.

We bind the listening socket ourselves on port 0 before uvicorn starts, so the port is known at once
and two servers can never race for it.

Use ``with ServerThread(app) as server:`` in sync code, ``async with ...`` in async code (starting
and stopping then happen off the event loop), or call ``start()``/``stop()`` from a fixture.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Literal, Self

import uvicorn
from starlette.types import ASGIApp

__all__ = ["LocalService", "ServerThread"]

STARTUP_TIMEOUT = 10.0


class ServerThread:
    """One uvicorn server for ``app`` on a free loopback port; ``url`` is its base URL."""

    def __init__(
        self, app: ASGIApp, *, lifespan: Literal["auto", "on", "off"] = "auto", graceful_shutdown: int = 2
    ) -> None:
        self._config = uvicorn.Config(
            app,
            lifespan=lifespan,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=graceful_shutdown,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash; only while running."""
        if self._url is None:
            raise RuntimeError("the server is not running; start() it first")
        return self._url

    def start(self) -> Self:
        """Start serving and return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("this server has already been started")
        # proto must be IPPROTO_TCP (not 0) or asyncio skips TCP_NODELAY on accepted connections, and
        # Nagle's algorithm meets delayed ACKs: every request then takes ~40 ms instead of ~1 ms.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        server = uvicorn.Server(self._config)
        thread = threading.Thread(target=_serve, args=(server, sock), daemon=True)
        thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError("the server failed to start (see the log above)")
            time.sleep(0.002)
        self._server, self._thread, self._url = server, thread, f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        """Ask uvicorn to finish in-flight requests and exit, and wait for its thread."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join()
        self._server = self._thread = self._url = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)


def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
    """Run uvicorn until it exits; a failed startup ends the thread quietly (uvicorn has logged why)."""
    try:
        server.run(sockets=[sock])
    except SystemExit:
        sock.close()


class LocalService:
    """Base of our fakes: an ASGI ``app`` plus a ``ServerThread`` that serves it on demand.

    Subclasses build ``self.app``; this class gives them ``url``, ``start``/``stop`` and the sync and
    async context-manager forms, each yielding the fake itself.
    """

    app: ASGIApp

    def __init__(self) -> None:
        self._server: ServerThread | None = None

    @property
    def url(self) -> str:
        """The fake's base URL, e.g. ``http://127.0.0.1:54321``; only while running."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running; start() it first")
        return self._server.url

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        self._server = ServerThread(self.app, lifespan="off").start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)
