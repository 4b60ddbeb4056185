"""Telegram through python-telegram-bot 22, inside our own ASGI app.

PTB's ``Application`` is built with ``updater(None)``: our FastAPI route receives the webhook, checks
the secret token, and calls ``process_update`` inline, so it answers 200 only once the update has
been handled (and replied to) and a failure makes Telegram retry (engineering-notes §1.1). When
the database cannot take a message, the replies the engine still gives (the emergency route for
an urgent message, and a line saying it is kept, not saved) are sent at once, and the update is
answered 503: Telegram delivers it again, and the copy kept in the spool (``dialogue.spool``)
makes sure the route is not sent again while the database is still down. The
handlers only translate: an ``Update`` becomes an ``Inbound`` for the engine, and each ``Reply``
becomes a ``sendMessage`` with its options as inline buttons.

Nothing lives in PTB's memory: no ``ConversationHandler``, ``user_data``, ``JobQueue`` or callback
cache. The conversation is in our database, and a button says what it means (``channels.buttons``),
so any web worker can take any update. ``famsbot telegram poll`` feeds ``getUpdates`` through the
same handlers for local development with a real token.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from fastapi import APIRouter, Request, Response
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from famsbot.channels.buttons import read_tap
from famsbot.clock import Clock, SystemClock
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.delivery.replies import send_replies
from famsbot.delivery.telegram import TelegramSender
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Inbound
from famsbot.errors import ConfigError, NotStored

__all__ = [
    "ALLOWED_UPDATES",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "TelegramChannel",
    "bot_commands",
    "router",
    "telegram_application",
]

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = ("start", "menu", "help", "language", "stop")
_failures: ContextVar[list[BaseException] | None] = ContextVar("famsbot_telegram_failures", default=None)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def bot_commands(content: Content) -> list[BotCommand]:
    """The command menu Telegram shows beside the text box; the engine understands each one."""
    return [BotCommand(name, content.text(f"telegram.command_{name}")) for name in COMMANDS]


class TelegramChannel:
    """Registers the translating handlers on a PTB application and processes updates through it."""

    def __init__(self, application: TelegramApp, engine: Engine, *, clock: Clock | None = None) -> None:
        self.application = application
        self.engine = engine
        self.clock = clock or SystemClock()  # delivery time, for retry waits; the engine keeps its own
        self.sender = TelegramSender(application.bot)
        # New messages in private chats only: staff alert groups the bot is in are not conversations,
        # and an edited message is not a new answer.
        typed = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL
        application.add_handler(MessageHandler(typed, self._on_message))
        application.add_handler(CallbackQueryHandler(self._on_tap))
        application.add_error_handler(self._on_error)

    async def process(self, data: dict[str, Any]) -> None:
        """Handle one update as posted to the webhook (JSON); raises if it could not be handled."""
        await self.handle(Update.de_json(data, self.application.bot))

    async def handle(self, update: Update) -> None:
        """Handle one update completely; raises if it could not be, so the webhook answers 500.

        PTB passes a handler's exception to the error handlers instead of raising it; ours puts it
        back here through a context variable (the handlers run inline, in this task).
        """
        failures: list[BaseException] = []
        token = _failures.set(failures)
        try:
            await self.application.process_update(update)
        finally:
            _failures.reset(token)
        if failures:
            raise failures[0]

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message (or a command such as ``/start maidstone``): the engine reads it as text."""
        message = update.effective_message
        if message is None or update.effective_chat is None:
            return
        text = message.text or message.caption or ""
        await self._converse(
            update,
            Inbound("telegram", str(update.effective_chat.id), text, provider_id=str(update.update_id)),
        )

    async def _on_tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button: acknowledge the tap and take the keyboard off that message (both while the
        engine works, so they cost the person no time), and answer the choice."""
        query, chat = update.callback_query, update.effective_chat
        if query is None:
            return
        work = [self._quietly(query.answer)]
        if chat is not None and chat.type == chat.PRIVATE:
            if query.message is not None:
                work.append(self._quietly(lambda: query.edit_message_reply_markup(None)))
            tap = read_tap(query.data or "", getattr(query.message, "reply_markup", None))
            inbound = Inbound(
                "telegram", str(chat.id), tap.label, provider_id=str(update.update_id), option=tap.option
            )
            work.append(self._converse(update, inbound))
        await asyncio.gather(*work)

    async def _converse(self, update: Update, inbound: Inbound) -> None:
        """Answer the message; if the database could not take it, still send what the engine said
        (the emergency route, and the truth), then fail the update so that Telegram delivers it again."""
        outcome = await self.engine.take(inbound)
        if outcome.replies:
            await send_replies(
                self.sender,
                self.engine.db,
                channel="telegram",
                address=inbound.address,
                replies=outcome.replies,
                key=str(update.update_id),
                now=self.engine.clock.now(),
                clock=self.clock,
            )
        if outcome.stored and outcome.replies:
            await self.engine.answered(inbound)
        if not outcome.stored:
            raise NotStored(f"update {update.update_id} is kept in the {outcome.kept}, not in the database")

    @staticmethod
    async def _quietly(call: Callable[[], Any]) -> None:
        """Answering a tap is a courtesy: if Telegram refuses (a redelivered update), carry on."""
        try:
            await call()
        except TelegramError as exc:
            log.debug("telegram courtesy call refused: %s", exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB hands handler errors here (it would only log them): pass them back to ``process``."""
        failures = _failures.get()
        if failures is not None and context.error is not None:
            failures.append(context.error)
        elif context.error is not None:
            log.error("telegram update failed", exc_info=context.error)


@asynccontextmanager
async def telegram_application(settings: Settings) -> AsyncIterator[TelegramApp]:
    """A PTB application for ``TELEGRAM_BOT_TOKEN`` at ``TELEGRAM_API_URL``, initialised for the block."""
    if not settings.telegram_bot_token:
        raise ConfigError("Telegram is not configured (TELEGRAM_BOT_TOKEN)")
    application: TelegramApp = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_url)
        .updater(None)  # our web app receives updates; PTB does not poll or serve
        .job_queue(None)  # scheduled work is the worker's, in the database
        .build()
    )
    async with application:  # initialize(): getMe, so a wrong token fails at start, loudly
        yield application


router = APIRouter()


@router.post(WEBHOOK_PATH)
async def telegram_webhook(request: Request) -> Response:
    """An update from Telegram: refused without the right secret; 200 only once handled."""
    settings: Settings = request.app.state.settings
    expected = settings.telegram_webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return Response("wrong or missing secret token", status_code=403)
    channel: TelegramChannel = request.app.state.telegram
    try:
        data = await request.json()
    except ValueError:
        return Response("not JSON", status_code=400)
    try:
        await channel.process(data)
    except NotStored as exc:  # the database is down: the family had the route; Telegram retries later
        log.warning("telegram: %s; answering 503 so that Telegram retries", exc)
        return Response("update kept, not stored: retry later", status_code=503)
    except Exception:  # noqa: BLE001 - any failure: answer 500 so Telegram delivers the update again
        log.exception("telegram update %s failed", data.get("update_id") if isinstance(data, dict) else None)
        return Response("update not handled", status_code=500)
    return Response(status_code=200)
