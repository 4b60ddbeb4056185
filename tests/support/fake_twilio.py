"""A local fake of Twilio's REST API (Messages) that the real twilio-python talks to over HTTP.

Point the real client at it (engineering-notes §4.4)::

    async with FakeTwilio() as tw, AsyncTwilioHttpClient() as http:
        client = Client(tw.account_sid, tw.auth_token, http_client=http)
        client.api.base_url = tw.url
        message = await client.messages.create_async(to="+447700900123", from_=tw.number, body="Hi")
        assert tw.sent_to("+447700900123") == ["Hi"]

What is modelled, because famsbot's delivery code has to cope with it:

* HTTP Basic auth with the account SID and auth token (wrong → 401, Twilio error 20003);
* the Message resource as the SDK parses it: ``sid`` ("SM" + 32 hex), ``status`` "queued" (or
  "accepted" with ``num_segments`` "0" when only a Messaging Service is given, as Twilio does),
  ``num_segments`` counted as carriers count them (messaging-platforms §4.3);
* listing messages to a number (``GET Messages.json?To=``, newest first, paged with ``PageSize``
  and ``next_page_uri``), which delivery uses to check whether a send whose outcome it never
  recorded went out;
* refusals in Twilio's JSON error shape, which the SDK turns into ``TwilioRestException`` with
  ``.code``: invalid number 21211, unsubscribed recipient 21610 (the person texted STOP), 20429 with a
  ``Retry-After`` header, 5xx (20500), and the missing-field and over-length 400s;
* delivery receipts: ``send_status_callbacks`` POSTs form-encoded callbacks to each message's
  ``StatusCallback``, signed with ``RequestValidator.compute_signature`` exactly as Twilio signs them.

``sign_twilio_request`` and ``user_sms`` build signed inbound webhook posts for our own app.
"""

from __future__ import annotations

import asyncio
import base64
import re
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.support.servers import LocalService

__all__ = [
    "ACCOUNT_SID",
    "AUTH_TOKEN",
    "NUMBER",
    "FakeTwilio",
    "SmsAttempt",
    "SmsRecord",
    "sign_twilio_request",
    "sms_segments",
]

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-twilio-auth-token"
NUMBER = "+447700900000"  # our sending number (an Ofcom drama number, never a real phone)
API_VERSION = "2010-04-01"
MAX_BODY = 1600
E164 = re.compile(r"\+[1-9]\d{6,14}")

# GSM 03.38: the basic table costs one septet per character, the extension table two (escape + char).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def sms_segments(body: str) -> tuple[int, str]:
    """``(segments, encoding)`` for an SMS body, the way carriers split it.

    GSM-7 fits 160 septets in one SMS and 153 per part once split; UCS-2 fits 70 UTF-16 units, 67 per
    part. An escaped GSM-7 character and an emoji's surrogate pair are never split across parts, so a
    part can end short. This is deliberately independent of ``famsbot.channels.gsm``: a fake that
    shared production's counter could not catch its mistakes.
    """
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        costs, single, part, encoding = [2 if ch in GSM7_EXTENSION else 1 for ch in body], 160, 153, "GSM-7"
    else:
        costs, single, part, encoding = [2 if ord(ch) > 0xFFFF else 1 for ch in body], 70, 67, "UCS-2"
    if sum(costs) <= single:
        return 1, encoding
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return segments, encoding


def sign_twilio_request(url: str, params: Mapping[str, str], auth_token: str = AUTH_TOKEN) -> str:
    """The ``X-Twilio-Signature`` Twilio would send when POSTing ``params`` to ``url``."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


@dataclass
class SmsRecord:
    """A message the fake accepted; ``status`` follows the callbacks sent for it."""

    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    num_segments: int  # as counted for billing, even when the API answer says "0"
    encoding: str
    status: str
    error_code: int | None
    created_at: datetime


@dataclass(frozen=True)
class SmsAttempt:
    """One create request, accepted or refused: ``code`` is Twilio's error code on a refusal."""

    to: str | None
    body: str | None
    status: int
    code: int | None
    at: datetime


class _Refusal(Exception):
    """A Twilio error answer: ``{"code", "message", "more_info", "status"}``."""

    def __init__(self, status: int, code: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after

    def response(self) -> JSONResponse:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        headers = {}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return JSONResponse(body, status_code=self.status, headers=headers)


class FakeTwilio(LocalService):
    """Twilio's Messages API for one account, served on 127.0.0.1 once started.

    Args:
        account_sid, auth_token: the only credentials accepted (and the key callbacks are signed with).
        number: our Twilio number, the ``To`` of messages built with ``user_sms``.
        latency: seconds to wait before answering each request, to model a real round trip.
        answer_delay: seconds between accepting a message and answering: a client that gives up or
            dies meanwhile has sent a message it never heard about (which ``GET Messages`` still lists).
        max_concurrent: answer 429/20429 when more requests than this are in flight (Twilio's
            REST concurrency limit); ``None`` for no limit.
    """

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        *,
        number: str = NUMBER,
        latency: float = 0.0,
        max_concurrent: int | None = None,
        answer_delay: float = 0.0,
    ) -> None:
        super().__init__()
        self.account_sid, self.auth_token, self.number = account_sid, auth_token, number
        self.latency, self.max_concurrent, self.answer_delay = latency, max_concurrent, answer_delay
        self._lock = threading.Lock()
        self._in_flight = 0
        base = "/2010-04-01/Accounts/{account_sid}/Messages"
        self.app = Starlette(
            routes=[
                Route(base + ".json", self._create, methods=["POST"]),
                Route(base + ".json", self._list, methods=["GET"]),
                Route(base + "/{sid}.json", self._fetch, methods=["GET"]),
            ]
        )
        self.reset()

    def reset(self) -> None:
        """Forget every message, attempt, number state and injected failure."""
        with self._lock:
            self._messages: dict[str, SmsRecord] = {}
            self._attempts: list[SmsAttempt] = []
            self._invalid: set[str] = set()
            self._unsubscribed: set[str] = set()
            self._failures: deque[_Refusal] = deque()
            self._seen: set[tuple[str, str]] = set()
            self._duplicates = 0
            self._list_pages = 0

    # -- failure injection ---------------------------------------------------------------------

    def mark_invalid(self, number: str) -> None:
        """Sends to ``number`` answer 400 with error 21211 (not a valid phone number)."""
        with self._lock:
            self._invalid.add(number)

    def unsubscribe(self, number: str) -> None:
        """The person texted STOP: sends to them answer 400 with error 21610."""
        with self._lock:
            self._unsubscribed.add(number)

    def fail_next(self, n: int = 1, *, status: int = 500, retry_after: int = 1) -> None:
        """Answer the next ``n`` creates with ``status``: 5xx (error 20500), or 429 (20429 + Retry-After)."""
        if status == 429:
            refusal = _Refusal(429, 20429, "Too Many Requests", retry_after)
        else:
            refusal = _Refusal(status, 20500, "Internal Server Error")
        with self._lock:
            self._failures.extend([refusal] * n)

    # -- what was sent ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[SmsRecord]:
        """Accepted messages, oldest first."""
        with self._lock:
            return list(self._messages.values())

    @property
    def attempts(self) -> list[SmsAttempt]:
        """Every create request, refused ones included, oldest first."""
        with self._lock:
            return list(self._attempts)

    def message(self, sid: str) -> SmsRecord:
        with self._lock:
            return self._messages[sid]

    def sent_to(self, number: str) -> list[str]:
        """Bodies accepted for ``number``, oldest first."""
        with self._lock:
            return [record.body for record in self._messages.values() if record.to == number]

    @property
    def duplicates(self) -> int:
        """Accepted messages repeating a body the same number had already been sent."""
        with self._lock:
            return self._duplicates

    @property
    def list_pages(self) -> int:
        """How many pages of the message list were read."""
        with self._lock:
            return self._list_pages

    @property
    def throttled(self) -> int:
        """How many 429 answers were given."""
        with self._lock:
            return sum(attempt.status == 429 for attempt in self._attempts)

    # -- what people do --------------------------------------------------------------------------

    def user_sms(self, from_: str, body: str, *, to: str | None = None) -> dict[str, str]:
        """The form fields Twilio POSTs to our inbound webhook when ``from_`` texts ``body`` to us.

        Sign them with ``sign_twilio_request(public_url + path, fields, fake.auth_token)``.
        """
        sid = "SM" + uuid.uuid4().hex
        return {
            "ToCountry": "GB", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
            "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
            "Body": body, "FromCountry": "GB", "To": to or self.number, "ToZip": "",
            "NumSegments": str(sms_segments(body)[0]), "MessageSid": sid, "AccountSid": self.account_sid,
            "From": from_, "ApiVersion": API_VERSION,
        }  # fmt: skip

    async def send_status_callbacks(
        self,
        status: str = "delivered",
        *,
        sids: Iterable[str] | None = None,
        error_code: int | None = None,
        via: str | None = None,
        concurrency: int = 1,
    ) -> list[int]:
        """POST a signed status callback for each message that asked for one; return the HTTP statuses.

        Args:
            status: the new ``MessageStatus`` (``sent``, ``delivered``, ``undelivered``, ``failed``...).
            sids: only these messages (default: all accepted messages).
            error_code: sent as ``ErrorCode``, as Twilio does for failed and undelivered messages.
            via: base URL to deliver to instead of the callback URL's own scheme and host (e.g. the
                local test server behind a public ``FAMSBOT_PUBLIC_URL``). The signature still covers
                the callback URL as given, just as it does behind a proxy.
            concurrency: callbacks in flight at once; above 1 they may arrive out of order, as they do
                from Twilio.
        """
        with self._lock:
            chosen = (
                [self._messages[sid] for sid in sids] if sids is not None else list(self._messages.values())
            )
        gate = asyncio.Semaphore(concurrency)

        async def post(http: httpx.AsyncClient, record: SmsRecord, callback: str) -> int:
            params = self._callback_params(record, status, error_code)
            signature = sign_twilio_request(callback, params, self.auth_token)
            async with gate:
                response = await http.post(
                    _rebased(callback, via),
                    data=params,
                    headers={"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"},
                )
            with self._lock:
                record.status, record.error_code = status, error_code
            return response.status_code

        async with httpx.AsyncClient(timeout=10) as http:
            return await asyncio.gather(
                *(post(http, record, record.status_callback) for record in chosen if record.status_callback)
            )

    # -- HTTP ------------------------------------------------------------------------------------

    async def _create(self, request: Request) -> JSONResponse:
        with self._lock:
            self._in_flight += 1
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            form = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
            with self._lock:
                try:
                    self._authorise(request)
                    if self.max_concurrent is not None and self._in_flight > self.max_concurrent:
                        raise _Refusal(429, 20429, "Too Many Requests", 1)
                    if self._failures:
                        raise self._failures.popleft()
                    record = self._accept(form)
                except _Refusal as refusal:
                    self._attempt(form, refusal.status, refusal.code)
                    return refusal.response()
                self._attempt(form, 201, None)
                answer = JSONResponse(self._resource(record), status_code=201)
            if self.answer_delay:
                await asyncio.sleep(self.answer_delay)
            return answer
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _fetch(self, request: Request) -> JSONResponse:
        with self._lock:
            try:
                self._authorise(request)
                record = self._messages.get(request.path_params["sid"])
                if record is None:
                    raise _Refusal(404, 20404, f"The requested resource {request.url.path} was not found")
            except _Refusal as refusal:
                return refusal.response()
            return JSONResponse(self._resource(record))

    async def _list(self, request: Request) -> JSONResponse:
        """Messages, newest first, filtered by ``To`` as Twilio's list endpoint does, a page at a time
        (``PageSize``, default 50; ``next_page_uri`` names the next page while there is one)."""
        with self._lock:
            try:
                self._authorise(request)
            except _Refusal as refusal:
                return refusal.response()
            to = request.query_params.get("To")
            size = int(request.query_params.get("PageSize", "50"))
            page = int(request.query_params.get("Page", "0"))
            matching = [r for r in reversed(self._messages.values()) if to is None or r.to == to]
            chosen = matching[page * size : (page + 1) * size]
            self._list_pages += 1
            uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"
            query = (f"To={quote(to)}&" if to else "") + f"PageSize={size}"
            more = (page + 1) * size < len(matching)
            return JSONResponse({
                "messages": [self._resource(record) for record in chosen], "end": page * size + max(len(chosen) - 1, 0),
                "first_page_uri": f"{uri}?{query}&Page=0",
                "next_page_uri": f"{uri}?{query}&Page={page + 1}&PageToken=PA{page + 1}" if more else None,
                "page": page, "page_size": size,
                "previous_page_uri": f"{uri}?{query}&Page={page - 1}" if page else None,
                "start": page * size, "uri": f"{uri}?{query}&Page={page}",
            })  # fmt: skip

    # -- helpers (lock held) ---------------------------------------------------------------------

    def _authorise(self, request: Request) -> None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            username, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            username = password = ""
        if scheme.lower() != "basic" or (username, password) != (self.account_sid, self.auth_token):
            raise _Refusal(401, 20003, "Authenticate")
        if request.path_params["account_sid"] != self.account_sid:
            raise _Refusal(404, 20404, f"The requested resource {request.url.path} was not found")

    def _accept(self, form: dict[str, str]) -> SmsRecord:
        to, body = form.get("To", ""), form.get("Body", "")
        from_, service = form.get("From") or None, form.get("MessagingServiceSid") or None
        if not to:
            raise _Refusal(400, 21604, "A 'To' phone number is required.")
        if not (from_ or service):
            raise _Refusal(400, 21603, "A 'From' phone number is required.")
        if not body.strip():
            raise _Refusal(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            raise _Refusal(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if to in self._invalid or not E164.fullmatch(to):
            raise _Refusal(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if to in self._unsubscribed:
            raise _Refusal(400, 21610, "Attempt to send to unsubscribed recipient")
        segments, encoding = sms_segments(body)
        record = SmsRecord(
            sid="SM" + uuid.uuid4().hex,
            to=to,
            from_=from_,
            messaging_service_sid=service,
            body=body,
            status_callback=form.get("StatusCallback") or None,
            num_segments=segments,
            encoding=encoding,
            status="queued" if from_ else "accepted",
            error_code=None,
            created_at=datetime.now(UTC),
        )
        self._messages[record.sid] = record
        self._duplicates += (to, body) in self._seen
        self._seen.add((to, body))
        return record

    def _attempt(self, form: dict[str, str], status: int, code: int | None) -> None:
        self._attempts.append(SmsAttempt(form.get("To"), form.get("Body"), status, code, datetime.now(UTC)))

    def _resource(self, record: SmsRecord) -> dict[str, Any]:
        """The Message resource as Twilio's JSON has it (numbers as strings, RFC 2822 dates)."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{record.sid}"
        created = format_datetime(record.created_at)
        # Through a Messaging Service no sender is chosen yet, so Twilio answers 0 segments at first.
        segments = record.num_segments if record.from_ else 0
        return {
            "account_sid": self.account_sid, "api_version": API_VERSION, "body": record.body,
            "date_created": created, "date_sent": None, "date_updated": created,
            "direction": "outbound-api", "error_code": record.error_code, "error_message": None,
            "from": record.from_, "messaging_service_sid": record.messaging_service_sid,
            "num_media": "0", "num_segments": str(segments), "price": None, "price_unit": "USD",
            "sid": record.sid, "status": record.status,
            "subresource_uris": {"media": f"{uri}/Media.json"}, "to": record.to, "uri": f"{uri}.json",
        }  # fmt: skip

    def _callback_params(self, record: SmsRecord, status: str, error_code: int | None) -> dict[str, str]:
        params = {
            "MessageSid": record.sid, "SmsSid": record.sid, "MessageStatus": status, "SmsStatus": status,
            "AccountSid": self.account_sid, "To": record.to, "ApiVersion": API_VERSION,
        }  # fmt: skip
        if record.from_:
            params["From"] = record.from_
        if record.messaging_service_sid:
            params["MessagingServiceSid"] = record.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return params


def _rebased(url: str, base: str | None) -> str:
    """``url`` with its scheme and host replaced by those of ``base`` (unchanged when ``base`` is None)."""
    if base is None:
        return url
    target, new = urlsplit(url), urlsplit(base)
    return urlunsplit((new.scheme, new.netloc, target.path, target.query, ""))
