"""``ServerThread`` serves real HTTP from a thread, runs the app's lifespan, and stops cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.support.servers import ServerThread


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def test_sync_use_serves_http_and_runs_the_lifespan() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    with ServerThread(Starlette(routes=[Route("/", hello)], lifespan=lifespan)) as server:
        assert events == ["startup"]
        assert httpx.get(server.url + "/").text == "hello"

    assert events == ["startup", "shutdown"]
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url


async def test_async_use() -> None:
    async with ServerThread(Starlette(routes=[Route("/", hello)])) as server, httpx.AsyncClient() as http:
        assert (await http.get(server.url + "/")).text == "hello"


def test_a_failing_startup_is_reported() -> None:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("database unreachable")
        yield

    with pytest.raises(RuntimeError, match="failed to start"):
        ServerThread(Starlette(lifespan=lifespan)).start()
