"""The Telegram fake behaves like the Bot API as the real python-telegram-bot sees it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from tests.support.fake_telegram import FakeTelegram

CHAT = 777
MENU = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Visits", callback_data="flow:visits")],
     [InlineKeyboardButton("Travel costs", callback_data="flow:apvs")]]
)  # fmt: skip


@pytest.fixture(scope="module")
def served() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def telegram(served: FakeTelegram) -> FakeTelegram:
    served.reset()
    return served


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(telegram.token, base_url=telegram.bot_url) as bot:  # initialize() calls getMe
        yield bot


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations (``RetryAfter.retry_after``); PTB warns on every 429 otherwise."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_get_me_describes_the_bot(bot: Bot, telegram: FakeTelegram) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (telegram.bot_id, True, telegram.bot_username)


async def test_send_message_with_keyboard_is_recorded_and_returned(bot: Bot, telegram: FakeTelegram) -> None:
    message = await bot.send_message(CHAT, "What would you like help with?", reply_markup=MENU)

    assert message.chat.id == CHAT
    assert message.text == "What would you like help with?"
    assert message.from_user is not None
    assert message.from_user.id == telegram.bot_id
    assert message.reply_markup == MENU
    assert telegram.sent(CHAT) == ["What would you like help with?"]
    assert telegram.buttons(CHAT) == {"Visits": "flow:visits", "Travel costs": "flow:apvs"}
    [call] = telegram.calls_for("sendMessage")
    assert call.reply_markup == {
        "inline_keyboard": [[{"text": "Visits", "callback_data": "flow:visits"}],
                            [{"text": "Travel costs", "callback_data": "flow:apvs"}]]
    }  # fmt: skip


async def test_message_ids_increase(bot: Bot) -> None:
    first = await bot.send_message(CHAT, "one")
    second = await bot.send_message(CHAT + 1, "two")

    assert second.message_id > first.message_id


async def test_blocked_chat_is_forbidden(bot: Bot, telegram: FakeTelegram) -> None:
    telegram.block(CHAT)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "Hello")
    assert telegram.sent(CHAT) == []
    assert telegram.calls_for("sendMessage")[0].status == 403


async def test_unknown_chat_is_a_bad_request(bot: Bot, telegram: FakeTelegram) -> None:
    telegram.mark_not_found(CHAT)

    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(CHAT, "Hello")


async def test_wrong_token_is_an_invalid_token(telegram: FakeTelegram) -> None:
    bot = Bot("999:WRONG", base_url=telegram.bot_url)

    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()


async def test_wrong_token_gets_telegrams_unauthorized_body(telegram: FakeTelegram) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{telegram.bot_url}999:WRONG/sendMessage", json={"chat_id": 1, "text": "x"}
        )

    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_forced_429_raises_retry_after(bot: Bot, telegram: FakeTelegram) -> None:
    telegram.fail_next(status=429, retry_after=7, method="sendMessage")

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "Hello")

    assert caught.value.retry_after == timedelta(seconds=7)
    assert telegram.too_many_requests == 1
    assert (await bot.send_message(CHAT, "Hello")).text == "Hello"


async def test_transient_5xx_then_recovery(bot: Bot, telegram: FakeTelegram) -> None:
    telegram.fail_next(2)

    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(CHAT, "Hello")
    await bot.send_message(CHAT, "Hello")

    assert [call.status for call in telegram.calls_for("sendMessage")] == [502, 502, 200]
    assert telegram.sent(CHAT) == ["Hello"]


async def test_per_chat_limit_is_enforced() -> None:
    async with (
        FakeTelegram(per_chat_burst=1) as telegram,
        Bot(telegram.token, base_url=telegram.bot_url) as bot,
    ):
        await bot.send_message(CHAT, "first")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "second")
        await bot.send_message(CHAT + 1, "another chat is not held up")

    assert caught.value.retry_after == timedelta(seconds=1)
    assert telegram.too_many_requests == 1
    assert telegram.sent(CHAT) == ["first"]


async def test_per_chat_burst_allows_a_short_reply_run(bot: Bot, telegram: FakeTelegram) -> None:
    for text in ("one", "two", "three"):
        await bot.send_message(CHAT, text)

    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "four")
    assert telegram.sent(CHAT) == ["one", "two", "three"]


async def test_global_limit_is_enforced() -> None:
    """Five at once are allowed, then about five a second: ten quick sends meet a 429."""
    refused: list[int] = []
    async with (
        FakeTelegram(rate_per_second=5) as telegram,
        Bot(telegram.token, base_url=telegram.bot_url) as bot,
    ):
        for chat in range(1, 11):
            try:
                await bot.send_message(chat, "Visiting hours have changed")
            except RetryAfter:
                refused.append(chat)

    assert {"1", "2", "3", "4", "5"} <= telegram.recipients
    assert refused
    assert telegram.too_many_requests == len(refused)
    assert telegram.sent_count + len(refused) == 10


async def test_raised_limits_let_a_broadcast_through_quickly() -> None:
    workers = asyncio.Semaphore(16)

    async def send(bot: Bot, chat: int) -> None:
        async with workers:
            await bot.send_message(chat, "Notice")

    async with (
        FakeTelegram(rate_per_second=3000, per_chat_per_second=100) as telegram,
        Bot(telegram.token, base_url=telegram.bot_url, request=HTTPXRequest(connection_pool_size=16)) as bot,
    ):
        await asyncio.gather(*(send(bot, chat) for chat in range(1, 101)))

    assert telegram.sent_count == 100
    assert telegram.too_many_requests == 0
    assert telegram.duplicates == 0


async def test_duplicates_are_counted(bot: Bot, telegram: FakeTelegram) -> None:
    await bot.send_message(CHAT, "Notice")
    await bot.send_message(CHAT, "Notice")
    await bot.send_message(CHAT + 1, "Notice")

    assert telegram.duplicates == 1


async def test_edit_text_and_keyboard(bot: Bot, telegram: FakeTelegram) -> None:
    sent = await bot.send_message(CHAT, "Pick one", reply_markup=MENU)

    edited = await bot.edit_message_text("You picked visits", chat_id=CHAT, message_id=sent.message_id)

    assert isinstance(edited, type(sent))
    assert edited.text == "You picked visits"
    assert telegram.last_keyboard(CHAT) is None  # an edit without reply_markup drops the buttons
    await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id, reply_markup=MENU)
    assert telegram.buttons(CHAT) == {"Visits": "flow:visits", "Travel costs": "flow:apvs"}
    assert telegram.sent(CHAT) == ["Pick one"]


async def test_edit_that_changes_nothing_is_refused(bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Pick one", reply_markup=MENU)

    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Pick one", chat_id=CHAT, message_id=sent.message_id, reply_markup=MENU)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("Pick two", chat_id=CHAT, message_id=sent.message_id + 100)


async def test_overlong_text_and_callback_data_are_refused(bot: Bot, telegram: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="a" * 65)]])
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(CHAT, "Hello", reply_markup=too_long)
    assert telegram.sent(CHAT) == []


async def test_callback_update_round_trip(bot: Bot, telegram: FakeTelegram) -> None:
    await bot.send_message(CHAT, "Pick one", reply_markup=MENU)

    update = Update.de_json(telegram.user_callback(CHAT, telegram.buttons(CHAT)["Visits"]), bot)

    assert update.callback_query is not None
    assert update.callback_query.data == "flow:visits"
    assert update.effective_chat is not None
    assert update.effective_chat.id == CHAT
    assert await update.callback_query.answer("Opening visits") is True
    [answer] = telegram.calls_for("answerCallbackQuery")
    assert answer.params["text"] == "Opening visits"


async def test_json_bodies_are_accepted(telegram: FakeTelegram) -> None:
    payload = {
        "chat_id": CHAT,
        "text": "Hi",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    }
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{telegram.bot_url}{telegram.token}/sendMessage", json=payload)

    assert response.status_code == 200
    assert response.json()["result"]["reply_markup"] == payload["reply_markup"]
    assert telegram.buttons(CHAT) == {"A": "a"}


async def test_webhook_settings(bot: Bot, telegram: FakeTelegram) -> None:
    assert await bot.set_webhook("https://famsbot.example.org/webhooks/telegram", secret_token="s3cret_-x")

    info = await bot.get_webhook_info()
    assert info.url == "https://famsbot.example.org/webhooks/telegram"
    assert telegram.webhook is not None
    assert telegram.webhook["secret_token"] == "s3cret_-x"
    with pytest.raises(Conflict):
        await bot.get_updates()
    with pytest.raises(BadRequest, match="(?i)HTTPS URL must be provided"):
        await bot.set_webhook("http://famsbot.example.org/webhooks/telegram")
    assert await bot.delete_webhook()
    assert telegram.webhook is None


async def test_set_my_commands(bot: Bot, telegram: FakeTelegram) -> None:
    assert await bot.set_my_commands([("start", "Start again"), ("help", "What I can do")])

    assert telegram.commands == [
        {"command": "start", "description": "Start again"},
        {"command": "help", "description": "What I can do"},
    ]
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([("Start", "Capitals are not allowed")])


async def test_get_updates_returns_queued_updates_until_confirmed(bot: Bot, telegram: FakeTelegram) -> None:
    telegram.queue_update(telegram.user_message(CHAT, "/start"))
    telegram.queue_update(telegram.user_message(CHAT, "visits"))

    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/start", "visits"]
    assert updates[0].message is not None
    assert updates[0].message.entities[0].type == "bot_command"

    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_application_polls_and_replies(telegram: FakeTelegram) -> None:
    """The whole PTB stack (initialize, Updater polling, handler, reply) against the fake."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.text is not None
        await update.message.reply_text(f"You said: {update.message.text}")

    application = Application.builder().token(telegram.token).base_url(telegram.bot_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    telegram.queue_update(telegram.user_message(CHAT, "hello"))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.01, timeout=timedelta(seconds=1))
        for _ in range(200):
            if telegram.sent(CHAT):
                break
            await asyncio.sleep(0.01)
        await application.updater.stop()
        await application.stop()

    assert telegram.sent(CHAT) == ["You said: hello"]
