"""Builders for end-to-end channel tests: settings pointing at the fakes, the real app served over
real HTTP, signed Twilio posts, TwiML read back, and waiting for something to happen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from xml.etree import ElementTree

import httpx

from famsbot.app import create_app
from famsbot.channels.sms import INBOUND_PATH
from famsbot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from famsbot.clock import Clock
from famsbot.config import Settings
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio, sign_twilio_request
from tests.support.servers import ServerThread

PUBLIC_URL = "https://famsbot.example.org"  # what Twilio and Telegram are told; the test server is elsewhere
WEBHOOK_SECRET = "test-webhook-secret_123"


def with_telegram(settings: Settings, fake: FakeTelegram, **extra: Any) -> Settings:
    return settings.model_copy(
        update={"telegram_bot_token": fake.token, "telegram_webhook_secret": WEBHOOK_SECRET,
                "telegram_api_url": fake.bot_url, "public_url": PUBLIC_URL, **extra}
    )  # fmt: skip


def with_twilio(settings: Settings, fake: FakeTwilio, **extra: Any) -> Settings:
    return settings.model_copy(
        update={"twilio_account_sid": fake.account_sid, "twilio_auth_token": fake.auth_token,
                "twilio_from": fake.number, "twilio_api_url": fake.url, "public_url": PUBLIC_URL, **extra}
    )  # fmt: skip


@asynccontextmanager
async def served_app(settings: Settings, clock: Clock) -> AsyncIterator[ServerThread]:
    """The real famsbot app (lifespan included) on a loopback port, in its own thread and loop."""
    async with ServerThread(create_app(settings, clock=clock)) as server:
        yield server


async def post_update(
    http: httpx.AsyncClient, server: ServerThread, update: dict[str, Any], *, secret: str | None = WEBHOOK_SECRET
) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return await http.post(server.url + WEBHOOK_PATH, json=update, headers=headers)


async def post_signed(
    http: httpx.AsyncClient,
    server: ServerThread,
    path: str,
    fields: dict[str, str],
    *,
    auth_token: str,
    signed_url: str | None = None,
) -> httpx.Response:
    """POST form ``fields`` to ``path`` signed as Twilio signs them for ``PUBLIC_URL`` + ``path``."""
    signature = sign_twilio_request(signed_url or PUBLIC_URL + path, fields, auth_token)
    return await http.post(server.url + path, data=fields, headers={"X-Twilio-Signature": signature})


async def text_in(http: httpx.AsyncClient, server: ServerThread, fake: FakeTwilio, sender: str, body: str) -> list[str]:
    """A family member texts ``body``: the bodies of the TwiML ``<Message>``s they get back."""
    response = await post_signed(http, server, INBOUND_PATH, fake.user_sms(sender, body), auth_token=fake.auth_token)
    assert response.status_code == 200, response.text
    return twiml_messages(response.text)


def twiml_messages(xml: str) -> list[str]:
    root = ElementTree.fromstring(xml)  # noqa: S314 - our own server's TwiML
    assert root.tag == "Response"
    return [message.text or "" for message in root.findall("Message")]


async def eventually(check: Callable[[], Awaitable[bool] | bool], *, within: float = 10.0) -> None:
    """Wait until ``check()`` is true (for work done in the background by the app)."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the condition")
        await asyncio.sleep(0.05)
