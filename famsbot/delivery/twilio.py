"""Sending SMS through Twilio's REST API with the async client, and Twilio's errors mapped into ours.

The aiohttp session inside ``AsyncTwilioHttpClient`` is created when the client is, so it must be
made inside the running event loop and closed when the app or worker stops (``twilio_client``):
otherwise aiohttp warns "Unclosed client session" (twilio/twilio-python#866).
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from famsbot.channels.render import sms_text
from famsbot.config import Settings
from famsbot.delivery.message import OutgoingMessage, Sent
from famsbot.dialogue.messages import Reply
from famsbot.errors import (
    ChannelError,
    ConfigError,
    MaybeSent,
    PermanentChannelError,
    RateLimited,
    TransientChannelError,
    Unreachable,
)
from famsbot.sms_text import segments

__all__ = ["STATUS_PATH", "TwilioSender", "sms_body", "twilio_client", "twilio_error"]

STATUS_PATH = "/webhooks/twilio/status"
TIMEOUT = 15.0  # seconds for one REST call; delivery retries, so a slow call is better abandoned
THROTTLED_WAIT = 1.0  # Twilio's 429 carries no wait the SDK exposes; one second, as its docs suggest
LOOKUP_PAGE = 50  # messages per page when reading what a number was sent (Twilio's default page size)
# Twilio lists a number's messages newest first; reading stops at the first one this much older than
# the attempt, so a clock difference or an ordering by send time rather than creation cannot hide it.
LOOKUP_MARGIN = timedelta(minutes=10)
# Error codes that say the number cannot receive our messages (twilio.com/docs/api/errors).
UNREACHABLE_CODES = frozenset({21211, 21610, 21612, 21614})  # invalid, unsubscribed (STOP), unroutable, landline


def twilio_error(exc: Exception) -> ChannelError:
    """Map an SDK or network error: 429 → RateLimited; 5xx, auth and no connection → transient (a fix
    on our side or Twilio's makes them work); a time-out or a connection lost after the request went
    → MaybeSent (Twilio may have created the message); an unreachable number → Unreachable; other
    4xx → permanent."""
    if isinstance(exc, TwilioRestException):
        described = f"twilio {exc.status} error {exc.code}: {exc.msg}"
        if exc.status == 429 or exc.code == 20429:
            return RateLimited(THROTTLED_WAIT, described)
        if exc.code in UNREACHABLE_CODES:
            return Unreachable(described)
        if exc.status >= 500 or exc.status in (401, 403, 408):
            return TransientChannelError(described)
        return PermanentChannelError(described)
    described = f"twilio: {type(exc).__name__}: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransientChannelError(described)  # never connected: nothing was sent
    if isinstance(exc, (TimeoutError, aiohttp.ClientError)):
        return MaybeSent(described)
    return TransientChannelError(described)


def sms_body(message: OutgoingMessage) -> str:
    """The SMS as sent: options numbered, typographic characters made plain (``channels.render.sms_text``)."""
    return sms_text(Reply(message.text, message.options))


@asynccontextmanager
async def twilio_client(settings: Settings) -> AsyncIterator[Client]:
    """A Twilio client on an aiohttp session owned by this block, pointed at ``TWILIO_API_URL``."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise ConfigError("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
    http = AsyncTwilioHttpClient(timeout=TIMEOUT)  # no max_retries: the outbox retries, visibly
    try:
        client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
        client.api.base_url = settings.twilio_api_url.rstrip("/")
        yield client
    finally:
        await http.close()


@contextmanager
def _sdk_deprecations_silenced() -> Iterator[None]:
    """twilio 9.13 still hands aiohttp a ``BasicAuth`` object, which aiohttp 3.14 deprecates, twice
    per request: not ours to fix, and noise in every log. Exactly those two warnings are silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "BasicAuth is deprecated", DeprecationWarning, "twilio")
        warnings.filterwarnings("ignore", "The 'auth' parameter is deprecated", DeprecationWarning, "twilio")
        yield


class TwilioSender:
    """``messages.create`` with a status callback that names the outbox row, so a receipt arriving
    before the row has recorded the message's sid still finds it."""

    def __init__(self, client: Client, settings: Settings) -> None:
        if not settings.twilio_from:
            raise ConfigError("TWILIO_FROM is not set")
        self.client = client
        sender = settings.twilio_from
        # A Messaging Service (MG...) pools numbers and paces sends on Twilio's side.
        self._origin = {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        self._callback = (settings.public_url or "").rstrip("/") + STATUS_PATH if settings.public_url else None

    def cost(self, message: OutgoingMessage) -> int:
        return segments(sms_body(message))

    async def send(self, message: OutgoingMessage) -> Sent:
        body = sms_body(message)
        extra: dict[str, str] = dict(self._origin)
        if self._callback and message.outbox_id is not None:
            extra["status_callback"] = f"{self._callback}?outbox={message.outbox_id}"
        try:
            with _sdk_deprecations_silenced():
                created = await self.client.messages.create_async(to=message.address, body=body, **extra)
        except (TimeoutError, TwilioRestException, aiohttp.ClientError) as exc:
            raise twilio_error(exc) from exc
        counted = int(created.num_segments or 0)  # "0" through a Messaging Service, until sent
        return Sent(provider_id=str(created.sid), segments=counted or segments(body))

    async def find(self, message: OutgoingMessage, since: datetime) -> list[Sent]:
        """Messages with this exact body that Twilio accepted for this number at or after ``since``,
        newest first. Every page back to ``since`` is read, however busy the number has been (a
        safer-custody phone gets many alerts), so the answer never depends on a fixed window."""
        body = sms_body(message)
        found: list[Sent] = []
        try:
            with _sdk_deprecations_silenced():
                records = await self.client.messages.stream_async(to=message.address, page_size=LOOKUP_PAGE)
                async for record in records:
                    created = record.date_created
                    if created is None:
                        continue
                    if created < since - LOOKUP_MARGIN:
                        break
                    if record.body == body and created >= since:
                        counted = int(record.num_segments or 0)
                        found.append(Sent(provider_id=str(record.sid), segments=counted or segments(body)))
        except (TimeoutError, TwilioException, aiohttp.ClientError) as exc:
            raise twilio_error(exc) from exc
        return found
