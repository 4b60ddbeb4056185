"""The Twilio fake behaves like Twilio's Messages API as the real twilio-python sees it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.support.fake_twilio import FakeTwilio, sign_twilio_request, sms_segments
from tests.support.servers import ServerThread

FAMILY = "+447700900123"
PUBLIC_URL = "https://famsbot.example.org"

# twilio 9.13 still hands aiohttp a BasicAuth object, which aiohttp 3.14 deprecates: not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning"),
]
STATUS_PATH = "/webhooks/twilio/status"


@pytest.fixture(scope="module")
def served() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def twilio(served: FakeTwilio) -> FakeTwilio:
    served.reset()
    return served


@pytest.fixture
async def client(twilio: FakeTwilio) -> AsyncIterator[Client]:
    """The real SDK client, pointed at the fake; its aiohttp session is closed on the way out."""
    async with AsyncTwilioHttpClient() as http:
        client = Client(twilio.account_sid, twilio.auth_token, http_client=http)
        client.api.base_url = twilio.url
        yield client


async def test_create_returns_a_queued_message(client: Client, twilio: FakeTwilio) -> None:
    message = await client.messages.create_async(
        to=FAMILY, from_=twilio.number, body="Your visit is booked.", status_callback=PUBLIC_URL + STATUS_PATH
    )

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid or "")
    assert (message.status, message.num_segments, message.to, message.from_) == (
        "queued", "1", FAMILY, twilio.number,
    )  # fmt: skip
    assert message.date_created is not None
    assert message.date_created.tzinfo is not None
    assert twilio.sent_to(FAMILY) == ["Your visit is booked."]
    assert twilio.message(message.sid or "").status_callback == PUBLIC_URL + STATUS_PATH


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, "1"),
        ("a" * 161, "2"),
        ("a" * 306, "2"),
        ("a" * 307, "3"),
        ("It’s booked" + "a" * 59, "1"),  # a curly quote forces UCS-2: 70 characters fit in one
        ("It’s booked" + "a" * 60, "2"),
    ],
)
async def test_num_segments_is_counted_like_a_carrier(
    client: Client, twilio: FakeTwilio, body: str, segments: str
) -> None:
    message = await client.messages.create_async(to=FAMILY, from_=twilio.number, body=body)

    assert message.num_segments == segments


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", (1, "GSM-7")),
        ("a" * 159 + "€", (2, "GSM-7")),  # the euro sign costs two septets
        ("a" * 152 + "{" + "a" * 152, (3, "GSM-7")),  # an escaped character never straddles two parts
        ("😀" * 35, (1, "UCS-2")),  # each emoji is two UTF-16 units
        ("😀" * 36, (2, "UCS-2")),
        ("😀" * 67, (3, "UCS-2")),  # 33 emoji per part: a surrogate pair is never split
        ("Dydd Sul ŵ", (1, "UCS-2")),
    ],
)
def test_sms_segments(body: str, expected: tuple[int, str]) -> None:
    assert sms_segments(body) == expected


async def test_messaging_service_sends_are_accepted_with_no_segments_yet(
    client: Client, twilio: FakeTwilio
) -> None:
    message = await client.messages.create_async(to=FAMILY, messaging_service_sid="MG" + "1" * 32, body="Hi")

    assert (message.status, message.num_segments, message.from_) == ("accepted", "0", None)
    assert twilio.message(message.sid or "").num_segments == 1


async def test_invalid_number_is_error_21211(client: Client, twilio: FakeTwilio) -> None:
    twilio.mark_invalid(FAMILY)

    for number in (FAMILY, "07700900123"):  # marked invalid; not E.164
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=number, from_=twilio.number, body="Hi")
        assert (caught.value.status, caught.value.code) == (400, 21211)
    assert twilio.messages == []
    assert [attempt.code for attempt in twilio.attempts] == [21211, 21211]


async def test_unsubscribed_recipient_is_error_21610(client: Client, twilio: FakeTwilio) -> None:
    twilio.unsubscribe(FAMILY)

    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=FAMILY, from_=twilio.number, body="Hi")

    assert (caught.value.status, caught.value.code) == (400, 21610)


async def test_missing_body_is_error_21602(client: Client, twilio: FakeTwilio) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=FAMILY, from_=twilio.number, body="")

    assert caught.value.code == 21602


async def test_throttling_is_error_20429_with_retry_after(client: Client, twilio: FakeTwilio) -> None:
    twilio.fail_next(status=429, retry_after=3)

    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=FAMILY, from_=twilio.number, body="Hi")
    assert (caught.value.status, caught.value.code) == (429, 20429)

    twilio.fail_next(status=429, retry_after=3)
    async with httpx.AsyncClient(auth=(twilio.account_sid, twilio.auth_token)) as http:
        response = await http.post(
            f"{twilio.url}/2010-04-01/Accounts/{twilio.account_sid}/Messages.json",
            data={"To": FAMILY, "From": twilio.number, "Body": "Hi"},
        )
    assert response.headers["Retry-After"] == "3"
    assert twilio.throttled == 2


async def test_transient_5xx_then_recovery(client: Client, twilio: FakeTwilio) -> None:
    twilio.fail_next(2, status=503)

    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=FAMILY, from_=twilio.number, body="Hi")
        assert caught.value.status == 503
    await client.messages.create_async(to=FAMILY, from_=twilio.number, body="Hi")

    assert twilio.sent_to(FAMILY) == ["Hi"]


async def test_wrong_credentials_are_error_20003(twilio: FakeTwilio) -> None:
    async with AsyncTwilioHttpClient() as http:
        client = Client(twilio.account_sid, "not-the-token", http_client=http)
        client.api.base_url = twilio.url
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=FAMILY, from_=twilio.number, body="Hi")

    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert twilio.messages == []


async def test_concurrency_limit_answers_20429() -> None:
    async with FakeTwilio(latency=0.05, max_concurrent=2) as twilio, AsyncTwilioHttpClient() as http:
        client = Client(twilio.account_sid, twilio.auth_token, http_client=http)
        client.api.base_url = twilio.url
        results = await asyncio.gather(
            *(client.messages.create_async(to=FAMILY, from_=twilio.number, body=str(i)) for i in range(5)),
            return_exceptions=True,
        )

    refused = [r for r in results if isinstance(r, TwilioRestException)]
    assert len(refused) == 3
    assert {r.code for r in refused} == {20429}
    assert len(twilio.messages) == 2


async def test_duplicates_are_counted(client: Client, twilio: FakeTwilio) -> None:
    for to in (FAMILY, FAMILY, "+447700900124"):
        await client.messages.create_async(to=to, from_=twilio.number, body="Visits are cancelled today")

    assert twilio.duplicates == 1


async def test_signed_status_callbacks_reach_the_app(client: Client, twilio: FakeTwilio) -> None:
    """Receipts arrive signed for the public URL, as behind a proxy, and our check accepts them."""
    receipts: list[tuple[str, str, str | None]] = []

    async def status(request: Request) -> Response:
        form = await request.form()
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(twilio.auth_token).validate(PUBLIC_URL + request.url.path, form, signature):
            return Response(status_code=403)
        receipts.append((str(form["MessageSid"]), str(form["MessageStatus"]), form.get("ErrorCode")))  # type: ignore[arg-type]
        return Response(status_code=204)

    async with ServerThread(Starlette(routes=[Route(STATUS_PATH, status, methods=["POST"])])) as app:
        delivered = await client.messages.create_async(
            to=FAMILY, from_=twilio.number, body="One", status_callback=PUBLIC_URL + STATUS_PATH
        )
        failed = await client.messages.create_async(
            to="+447700900124", from_=twilio.number, body="Two", status_callback=PUBLIC_URL + STATUS_PATH
        )
        await client.messages.create_async(to=FAMILY, from_=twilio.number, body="No callback asked for")

        assert await twilio.send_status_callbacks("delivered", sids=[delivered.sid or ""], via=app.url) == [
            204
        ]
        assert await twilio.send_status_callbacks(
            "undelivered", sids=[failed.sid or ""], error_code=30003, via=app.url
        ) == [204]

    assert receipts == [(delivered.sid, "delivered", None), (failed.sid, "undelivered", "30003")]
    fetched = await client.messages(failed.sid or "").fetch_async()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


async def test_status_callback_signature_covers_url_and_fields(client: Client, twilio: FakeTwilio) -> None:
    """Without ``via`` the callback goes to its own URL, and a tampered field would not validate."""
    seen: list[tuple[str, dict[str, str]]] = []

    async def status(request: Request) -> Response:
        form = await request.form()
        seen.append(
            (request.headers["X-Twilio-Signature"], {name: str(value) for name, value in form.items()})
        )
        return Response(status_code=204)

    async with ServerThread(Starlette(routes=[Route(STATUS_PATH, status, methods=["POST"])])) as app:
        callback = app.url + STATUS_PATH
        await client.messages.create_async(to=FAMILY, from_=twilio.number, body="x", status_callback=callback)
        assert await twilio.send_status_callbacks("sent") == [204]

    [(signature, fields)] = seen
    validator = RequestValidator(twilio.auth_token)
    assert fields["MessageStatus"] == fields["SmsStatus"] == "sent"
    assert fields["AccountSid"] == twilio.account_sid
    assert "ErrorCode" not in fields
    assert validator.validate(callback, fields, signature)
    assert not validator.validate(callback, {**fields, "MessageStatus": "failed"}, signature)


def test_inbound_sms_signing(twilio: FakeTwilio) -> None:
    fields = twilio.user_sms(FAMILY, "menu")
    url = PUBLIC_URL + "/webhooks/twilio/sms"

    signature = sign_twilio_request(url, fields, twilio.auth_token)

    assert (fields["From"], fields["To"], fields["Body"]) == (FAMILY, twilio.number, "menu")
    assert RequestValidator(twilio.auth_token).validate(url, fields, signature)
    assert not RequestValidator("another-token").validate(url, fields, signature)
