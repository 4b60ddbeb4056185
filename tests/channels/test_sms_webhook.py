"""SMS end to end: signed Twilio webhooks into the real app, TwiML back, receipts onto the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from famsbot.channels.sms import INBOUND_PATH, STATUS_PATH
from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.delivery.setup import open_delivery
from famsbot.sms_text import segments
from famsbot.store.database import Database
from famsbot.store.models import InboundMessage, Outbox
from famsbot.store.outbox import enqueue
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows, contact_of, conversation_of
from tests.support.servers import ServerThread
from tests.support.webhooks import (
    PUBLIC_URL,
    post_signed,
    served_app,
    text_in,
    twiml_messages,
    with_twilio,
)

FAMILY = "+447700900123"
STOPPED = "You won't get any more messages from famsbot. Text START to use it again."


@pytest.fixture(scope="module")
def served_fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def twilio(served_fake: FakeTwilio) -> FakeTwilio:
    served_fake.reset()
    return served_fake


@pytest.fixture
def sms_settings(settings: Settings, twilio: FakeTwilio) -> Settings:
    return with_twilio(settings, twilio)


@pytest.fixture
async def server(sms_settings: Settings, clock: FixedClock) -> AsyncIterator[ServerThread]:
    async with served_app(sms_settings, clock) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def test_a_conversation_gets_twiml_with_numbered_options(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio
) -> None:
    messages = await text_in(http, server, twilio, FAMILY, "hello")

    reply = "\n\n".join(messages)
    assert reply.startswith("Hello, I'm famsbot.")
    assert "What do you need help with?\n1 Visits\n2 Help with travel costs" in reply
    assert all(segments(message) <= 3 for message in messages)

    messages = await text_in(http, server, twilio, FAMILY, "1")
    assert messages == ["Which prison? Type the prison's name or the town it is in. I have visiting details "
                        "for every prison in England and Wales.\n1 I don't know which prison"]  # fmt: skip

    messages = await text_in(http, server, twilio, FAMILY, "maidstone")
    assert messages[-1].startswith("Visits to HMP Maidstone. What do you want to know?\n1 ")


async def test_replies_are_gsm7_only(http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio) -> None:
    await text_in(http, server, twilio, FAMILY, "hello")
    await text_in(http, server, twilio, FAMILY, "1")
    for prison_reply in await text_in(http, server, twilio, FAMILY, "chelmsford"):
        assert all(ch not in prison_reply for ch in "\u2018\u2019\u201c\u201d\u2013\u2014\u2026")


@pytest.mark.parametrize(
    "tamper",
    ["missing", "wrong-token", "internal-url", "tampered-body"],
)
async def test_unsigned_or_wrongly_signed_posts_are_refused(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio, db: Database, tamper: str
) -> None:
    fields = twilio.user_sms(FAMILY, "hello")
    if tamper == "missing":
        response = await http.post(server.url + INBOUND_PATH, data=fields)
    elif tamper == "wrong-token":
        response = await post_signed(http, server, INBOUND_PATH, fields, auth_token="not-the-token")
    elif tamper == "internal-url":  # what the app sees behind a proxy is not what Twilio signed
        response = await post_signed(
            http, server, INBOUND_PATH, fields, auth_token=twilio.auth_token, signed_url=server.url + INBOUND_PATH
        )
    else:
        signed = await post_signed(http, server, INBOUND_PATH, fields, auth_token=twilio.auth_token)
        assert signed.status_code == 200
        signature = signed.request.headers["X-Twilio-Signature"]
        response = await http.post(
            server.url + INBOUND_PATH,
            data={**fields, "Body": "STOP", "MessageSid": "SMx"},
            headers={"X-Twilio-Signature": signature},
        )

    assert response.status_code == 403
    if tamper != "tampered-body":
        assert await all_rows(db, InboundMessage) == []


async def test_a_repeated_message_sid_is_handled_once(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio, db: Database
) -> None:
    fields = twilio.user_sms(FAMILY, "hello")

    first = await post_signed(http, server, INBOUND_PATH, fields, auth_token=twilio.auth_token)
    again = await post_signed(http, server, INBOUND_PATH, fields, auth_token=twilio.auth_token)

    assert twiml_messages(first.text)
    assert again.status_code == 200
    assert twiml_messages(again.text) == twiml_messages(first.text)  # the same answer, handled once
    assert len(await all_rows(db, InboundMessage, channel="sms")) == 1


@pytest.mark.parametrize("word", ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "stop", "Stop."])
async def test_stop_words_win_over_the_question_and_silence_the_bot(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio, db: Database, word: str
) -> None:
    await text_in(http, server, twilio, FAMILY, "hello")
    await text_in(http, server, twilio, FAMILY, "1")  # now at "Which prison?"

    assert await text_in(http, server, twilio, FAMILY, word) == [STOPPED]

    assert await text_in(http, server, twilio, FAMILY, "1") == []
    assert await text_in(http, server, twilio, FAMILY, "menu") == []
    contact = await contact_of(db, "sms", FAMILY)
    assert contact is not None
    assert contact.opted_out_at is not None


@pytest.mark.parametrize("word", ["START", "UNSTOP"])
async def test_start_words_opt_back_in(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio, db: Database, word: str
) -> None:
    await text_in(http, server, twilio, FAMILY, "STOP")

    messages = await text_in(http, server, twilio, FAMILY, word)

    assert messages[0].startswith("Hello, I'm famsbot.")
    contact = await contact_of(db, "sms", FAMILY)
    assert contact is not None
    assert contact.opted_out_at is None


async def test_help_wins_over_the_question_and_asks_it_again(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio, db: Database
) -> None:
    await text_in(http, server, twilio, FAMILY, "hello")
    await text_in(http, server, twilio, FAMILY, "1")

    reply = "\n\n".join(await text_in(http, server, twilio, FAMILY, "HELP"))

    assert reply.startswith("Reply with a number or a word from the list.")
    assert reply.endswith("1 I don't know which prison")
    conversation = await conversation_of(db, "sms", FAMILY)
    assert conversation is not None
    assert conversation.flow == "visits"


async def test_an_urgent_reply_comes_first_and_whole(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio
) -> None:
    await text_in(http, server, twilio, FAMILY, "hello")

    messages = await text_in(http, server, twilio, FAMILY, "my husband said he is going to end his life tonight")

    assert messages[0].startswith("If anyone is in danger right now, call 999.")
    assert "Samaritans" in messages[0]


async def test_sms_is_off_without_twilio_credentials(
    http: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    async with served_app(settings, clock) as server:
        inbound = await http.post(server.url + INBOUND_PATH, data={"From": FAMILY, "Body": "hi"})
        status = await http.post(server.url + STATUS_PATH, data={"MessageSid": "SM1", "MessageStatus": "sent"})

    assert (inbound.status_code, status.status_code) == (404, 404)


async def _send_one(db: Database, settings: Settings, twilio: FakeTwilio) -> Outbox:
    async with db.transaction() as session:
        row = await enqueue(
            session,
            kind="feedback",
            channel="sms",
            address=FAMILY,
            body="Your concern was read.",
            dedupe_key="feedback:test:1",
        )
    assert row is not None
    async with open_delivery(db, settings) as delivery:
        dispatcher = Dispatcher(delivery)
        while not twilio.sent_to(FAMILY):
            await dispatcher.run_once()
    [sent] = await all_rows(db, Outbox)
    return sent


async def test_status_callbacks_move_the_row_forward_only(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio, db: Database, sms_settings: Settings
) -> None:
    row = await _send_one(db, sms_settings, twilio)
    [message] = twilio.messages
    assert message.status_callback == f"{PUBLIC_URL}{STATUS_PATH}?outbox={row.id}"
    assert (row.status, row.provider_id, row.segments) == ("sent", message.sid, 1)

    assert await twilio.send_status_callbacks("delivered", via=server.url) == [204]
    assert await twilio.send_status_callbacks("sent", via=server.url) == [204]  # late and out of order
    assert await twilio.send_status_callbacks("delivered", via=server.url) == [204]  # twice

    [row] = await all_rows(db, Outbox)
    assert row.status == "delivered"
    assert row.delivered_at is not None


async def test_an_undelivered_receipt_for_an_unsubscribed_number_marks_it_unreachable(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio, db: Database, sms_settings: Settings
) -> None:
    await text_in(http, server, twilio, FAMILY, "hello")  # the family is a contact
    await _send_one(db, sms_settings, twilio)

    await twilio.send_status_callbacks("undelivered", error_code=21610, via=server.url)

    [row] = await all_rows(db, Outbox)
    assert (row.status, row.error) == ("undelivered", "twilio undelivered, error 21610")
    contact = await contact_of(db, "sms", FAMILY)
    assert contact is not None
    assert contact.unreachable_at is not None


async def test_a_status_callback_with_a_bad_signature_is_refused(
    http: httpx.AsyncClient, server: ServerThread, twilio: FakeTwilio, db: Database, sms_settings: Settings
) -> None:
    row = await _send_one(db, sms_settings, twilio)
    fields = {"MessageSid": row.provider_id or "", "MessageStatus": "delivered"}

    response = await post_signed(http, server, f"{STATUS_PATH}?outbox={row.id}", fields, auth_token="wrong")

    assert response.status_code == 403
    [row] = await all_rows(db, Outbox)
    assert row.status == "sent"
