"""Telegram end to end: the fake Bot API posts updates to the real app, which answers through it.

A person's messages reach ``POST /webhooks/telegram`` as Telegram would send them; the replies are
what the fake Bot API received from python-telegram-bot (``sendMessage`` with inline keyboards).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from famsbot.channels.telegram import TelegramChannel
from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.delivery.dispatcher import Dispatcher
from famsbot.delivery.setup import open_delivery
from famsbot.store.database import Database
from famsbot.store.models import Contact, InboundMessage, Outbox
from tests.support.fake_telegram import FakeTelegram
from tests.support.rows import all_rows, contact_of
from tests.support.servers import ServerThread
from tests.support.webhooks import eventually, post_update, served_app, with_telegram

CHAT = 4242


@pytest.fixture(scope="module")
def served_fake() -> Iterator[FakeTelegram]:
    # Conversations here run faster than anyone types: a wide per-chat burst keeps the flood limit
    # out of the way, and the flood tests below force it explicitly.
    with FakeTelegram(per_chat_burst=50) as fake:
        yield fake


@pytest.fixture
def telegram(served_fake: FakeTelegram) -> FakeTelegram:
    served_fake.reset()
    return served_fake


@pytest.fixture
def tg_settings(settings: Settings, telegram: FakeTelegram) -> Settings:
    return with_telegram(settings, telegram)


@pytest.fixture
async def server(tg_settings: Settings, clock: FixedClock) -> AsyncIterator[ServerThread]:
    async with served_app(tg_settings, clock) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def say(http: httpx.AsyncClient, server: ServerThread, fake: FakeTelegram, text: str) -> list[str]:
    """The person types ``text``; the messages the bot sent back in answer."""
    before = len(fake.sent(CHAT))
    response = await post_update(http, server, fake.user_message(CHAT, text))
    assert response.status_code == 200, response.text
    return fake.sent(CHAT)[before:]


async def tap(http: httpx.AsyncClient, server: ServerThread, fake: FakeTelegram, label: str) -> list[str]:
    """The person taps the button labelled ``label`` on the bot's latest message."""
    data = fake.buttons(CHAT)[label]
    before = len(fake.sent(CHAT))
    response = await post_update(http, server, fake.user_callback(CHAT, data))
    assert response.status_code == 200, response.text
    return fake.sent(CHAT)[before:]


async def test_a_conversation_with_buttons_and_typed_answers(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram
) -> None:
    replies = await say(http, server, telegram, "hello")

    assert replies[0].startswith("Hello, I'm famsbot.")
    assert replies[-1] == "What do you need help with?"
    buttons = telegram.buttons(CHAT)
    assert list(buttons)[:2] == ["Visits", "Help with travel costs"]
    assert buttons["Visits"] == "o:visits"
    assert all(len(data.encode()) <= 64 for data in buttons.values())

    menu_message = telegram.last_message(CHAT)
    assert menu_message is not None
    replies = await tap(http, server, telegram, "Visits")

    assert replies == ["Which prison? Type the prison's name or the town it is in. I have visiting details for "
                       "every prison in England and Wales."]
    assert list(telegram.buttons(CHAT)) == ["I don't know which prison"]  # no buttons for 130 prisons
    assert len(telegram.calls_for("answerCallbackQuery")) == 1
    [edit] = telegram.calls_for("editMessageReplyMarkup")
    assert edit.params["message_id"] == str(menu_message["message_id"])  # the tapped keyboard is taken away

    replies = await say(http, server, telegram, "maidstone")  # typing still works where buttons are offered

    assert replies[-1].startswith("Visits to HMP Maidstone. What do you want to know?")


async def test_deep_link_start_preselects_the_prison(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram, db: Database
) -> None:
    replies = await say(http, server, telegram, "/start stoke-heath")

    assert "HMP/YOI Stoke Heath" in replies[0]
    contact = await contact_of(db, "telegram", str(CHAT))
    assert contact is not None
    assert contact.prison_id == "stoke-heath"


async def test_menu_help_and_stop_commands(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram, db: Database
) -> None:
    await say(http, server, telegram, "hello")
    await tap(http, server, telegram, "Visits")

    assert (await say(http, server, telegram, "/menu"))[-1] == "What do you need help with?"
    assert (await say(http, server, telegram, "/help"))[0].startswith("Reply with a number or a word")
    assert await say(http, server, telegram, "/stop") == [
        "You won't get any more messages from famsbot. Text START to use it again."
    ]
    assert await say(http, server, telegram, "visits") == []  # opted out: nothing more is sent
    contact = await contact_of(db, "telegram", str(CHAT))
    assert contact is not None
    assert contact.opted_out_at is not None

    assert (await say(http, server, telegram, "/start"))[0].startswith("Hello, I'm famsbot.")


async def test_urgent_reply_comes_first(http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram) -> None:
    await say(http, server, telegram, "/start maidstone")

    replies = await say(http, server, telegram, "my brother says he is going to kill himself tonight")

    assert replies[0].startswith("If anyone is in danger right now, call 999.")
    assert "HMP Maidstone" in replies[0]


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 403), ("wrong-secret", 403), ("", 403)],
    ids=["missing", "wrong", "empty"],
)
async def test_a_request_without_the_secret_is_refused(
    http: httpx.AsyncClient,
    server: ServerThread,
    telegram: FakeTelegram,
    db: Database,
    header: str | None,
    status: int,
) -> None:
    response = await post_update(http, server, telegram.user_message(CHAT, "hello"), secret=header)

    assert response.status_code == status
    assert telegram.sent(CHAT) == []
    assert await all_rows(db, InboundMessage) == []


async def test_without_a_configured_secret_every_update_is_refused(
    http: httpx.AsyncClient, settings: Settings, telegram: FakeTelegram, clock: FixedClock
) -> None:
    async with served_app(with_telegram(settings, telegram, telegram_webhook_secret=None), clock) as server:
        response = await post_update(http, server, telegram.user_message(CHAT, "hello"), secret="")

    assert response.status_code == 403


async def test_a_repeated_update_is_handled_once(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram, db: Database
) -> None:
    update = telegram.user_message(CHAT, "hello")

    first = await post_update(http, server, update)
    sent = len(telegram.sent(CHAT))
    again = await post_update(http, server, update)

    assert (first.status_code, again.status_code) == (200, 200)
    assert len(telegram.sent(CHAT)) == sent == 2
    assert len(await all_rows(db, InboundMessage, channel="telegram")) == 1


async def test_a_repeated_tap_is_handled_once(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram
) -> None:
    await say(http, server, telegram, "hello")
    update = telegram.user_callback(CHAT, "o:visits")

    await post_update(http, server, update)
    sent = len(telegram.sent(CHAT))
    response = await post_update(http, server, update)

    assert response.status_code == 200
    assert len(telegram.sent(CHAT)) == sent


async def test_telegram_is_off_without_a_token(http: httpx.AsyncClient, settings: Settings, clock: FixedClock) -> None:
    async with served_app(settings, clock) as server:
        response = await http.post(server.url + "/webhooks/telegram", json={"update_id": 1})

    assert response.status_code == 404


async def test_group_chats_are_not_conversations(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram, db: Database
) -> None:
    update = telegram.user_message(CHAT, "hello")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Safer custody"}

    response = await post_update(http, server, update)

    assert response.status_code == 200
    assert telegram.calls_for("sendMessage") == []
    assert await all_rows(db, Contact) == []


async def test_no_conversation_state_is_kept_in_ptb(
    http: httpx.AsyncClient,
    server: ServerThread,
    telegram: FakeTelegram,
    tg_settings: Settings,
    clock: FixedClock,
) -> None:
    await say(http, server, telegram, "hello")
    await tap(http, server, telegram, "Visits")

    # A second web worker (another app, same database) carries on the same conversation.
    async with served_app(tg_settings, clock) as other:
        replies = await say(http, other, telegram, "chelmsford")

    assert replies[-1].startswith("Visits to HMP/YOI Chelmsford.")


async def test_ptb_memory_stays_empty(tg_settings: Settings, telegram: FakeTelegram, clock: FixedClock) -> None:
    from famsbot.app import create_app

    app = create_app(tg_settings, clock=clock)
    async with app.router.lifespan_context(app):
        channel: TelegramChannel = app.state.telegram
        await channel.process(telegram.user_message(CHAT, "hello"))
        await channel.process(telegram.user_callback(CHAT, "o:visits"))

        assert dict(channel.application.user_data) == {}
        assert dict(channel.application.chat_data) == {}
        assert channel.application.update_queue.empty()  # updates are processed inline, never queued
        assert channel.application.persistence is None
    assert len(telegram.sent(CHAT)) == 3


async def test_a_blocked_bot_marks_the_person_unreachable(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram, db: Database
) -> None:
    telegram.block(CHAT)

    response = await post_update(http, server, telegram.user_message(CHAT, "hello"))

    assert response.status_code == 200  # handled: there is nobody to send to, and retrying cannot help
    contact = await contact_of(db, "telegram", str(CHAT))
    assert contact is not None
    assert contact.unreachable_at is not None
    assert await all_rows(db, Outbox) == []


async def test_a_short_flood_wait_is_waited_out_in_the_request(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram, db: Database
) -> None:
    telegram.fail_next(1, status=429, method="sendMessage", retry_after=1)

    replies = await say(http, server, telegram, "hello")

    assert replies[-1] == "What do you need help with?"
    refused, sent = telegram.calls_for("sendMessage")[:2]
    assert (refused.status, sent.status) == (429, 200)
    assert sent.monotonic - refused.monotonic >= 1.0
    assert await all_rows(db, Outbox) == []


async def test_a_longer_flood_wait_queues_the_replies_and_they_go_after_it(
    http: httpx.AsyncClient,
    server: ServerThread,
    telegram: FakeTelegram,
    db: Database,
    tg_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("famsbot.delivery.replies.INLINE_WAIT", 0.5)
    telegram.fail_next(1, status=429, method="sendMessage", retry_after=1)

    response = await post_update(http, server, telegram.user_message(CHAT, "hello"))

    assert response.status_code == 200
    assert telegram.sent(CHAT) == []
    [row] = await all_rows(db, Outbox)  # both replies, in one row so that they cannot cross
    assert row.kind == "reply"
    assert row.body.startswith("Hello, I'm famsbot.")
    assert row.body.endswith("What do you need help with?")

    async with open_delivery(db, tg_settings) as delivery:  # on SQLite the app's own dispatcher races it
        dispatcher = Dispatcher(delivery)

        async def delivered() -> bool:  # sent, and recorded as sent (by whichever dispatcher sent it)
            await dispatcher.run_once()
            rows = await all_rows(db, Outbox)
            return bool(telegram.sent(CHAT)) and [r.status for r in rows] == ["sent"]

        await eventually(delivered)
    [refused] = [c for c in telegram.calls_for("sendMessage") if c.status == 429]
    [call] = [c for c in telegram.calls_for("sendMessage") if c.status == 200]
    assert call.monotonic - refused.monotonic >= 1.0  # Telegram's retry_after was honoured
    assert telegram.buttons(CHAT)["Visits"] == "o:visits"
    [row] = await all_rows(db, Outbox)
    assert (row.status, row.attempts, row.provider_id is not None) == ("sent", 1, True)


async def test_a_failing_update_answers_500_so_telegram_retries(
    http: httpx.AsyncClient, server: ServerThread, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("famsbot.channels.telegram.send_replies", broken)

    response = await post_update(http, server, telegram.user_message(CHAT, "hello"))

    assert response.status_code == 500
