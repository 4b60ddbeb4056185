"""The staff console as a browser would use it, over ASGI with the app's real lifespan.

``async with console(settings, clock) as staff:`` gives a client that keeps cookies, reads the CSRF
token from each page it loads, and sends it back on POSTs (as the form field, or as the htmx
header when ``htmx=True``).
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from famsbot.app import create_app
from famsbot.clock import Clock
from famsbot.config import Settings
from tests.support.concerns import PASSWORD

__all__ = ["OFFICE", "Console", "console"]

OFFICE = "203.0.113.7"  # the client address of every console test unless it says otherwise

_PAGE_TOKEN = re.compile(r'"X-CSRF-Token": "([^"]+)"')
_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
_NONCE = re.compile(r'name="nonce" value="([^"]*)"')


class Console:
    def __init__(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        self.client = client
        self.app = app
        self.csrf: str | None = None
        self.nonce: str | None = None

    def _remember(self, response: httpx.Response) -> httpx.Response:
        if match := _PAGE_TOKEN.search(response.text):
            self.csrf = html.unescape(match.group(1))
        if match := _NONCE.search(response.text):
            self.nonce = match.group(1)
        return response

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._remember(await self.client.get(path, **kwargs))

    async def post(self, path: str, data: dict[str, str] | None = None, *, csrf: str | None = "page",
                   htmx: bool = False) -> httpx.Response:
        """POST like the console's forms do; ``csrf=None`` sends no token, any other string sends that one."""
        token = self.csrf if csrf == "page" else csrf
        data = dict(data or {})
        headers = {}
        if htmx:
            headers["HX-Request"] = "true"
            if token is not None:
                headers["X-CSRF-Token"] = token
        elif token is not None:
            data["csrf_token"] = token
        return self._remember(await self.client.post(path, data=data, headers=headers))

    async def login(self, email: str, password: str = PASSWORD, *, next_: str | None = None) -> httpx.Response:
        form = await self.client.get("/staff/login", params={"next": next_} if next_ else None)
        match = _FORM_TOKEN.search(form.text)
        assert match, "the login page has a CSRF token"
        data = {"email": email, "password": password, "csrf_token": match.group(1)}
        if next_:
            data["next"] = next_
        response = await self.client.post("/staff/login", data=data)
        if response.status_code == 303:
            self._remember(await self.client.get(response.headers["location"], follow_redirects=True))
        return response

    @property
    def session_token(self) -> str | None:
        return self.client.cookies.get("famsbot_staff")


@asynccontextmanager
async def console(settings: Settings, clock: Clock, *, base_url: str = "http://famsbot.test",
                  address: str = OFFICE) -> AsyncIterator[Console]:
    """A fresh app (a web worker of its own) and a client at ``address`` with an empty cookie jar."""
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app, client=(address, 51000))
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport,
                                                                    base_url=base_url) as client:
        yield Console(client, app)
