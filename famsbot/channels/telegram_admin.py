"""Operating the Telegram bot: registering the webhook (a release step) and polling (development).

``set_webhook`` tells Telegram where to post updates and with which secret, and sets the command
menu. It runs once per deploy (``famsbot telegram set-webhook`` in the Procfile's release step),
never at every start: several web workers would otherwise all call it (engineering-notes §1.1).

``poll`` is for a developer with a real token and no public URL: it takes updates with
``getUpdates`` and feeds them through exactly the handlers the webhook uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from telegram import Bot, Update
from telegram.error import TelegramError

from famsbot.channels.telegram import (
    ALLOWED_UPDATES,
    WEBHOOK_PATH,
    TelegramChannel,
    bot_commands,
    telegram_application,
)
from famsbot.clock import Clock
from famsbot.config import Settings
from famsbot.content.loader import Content, get_content
from famsbot.delivery.setup import open_delivery
from famsbot.dialogue.engine import Engine
from famsbot.errors import ConfigError
from famsbot.store.database import Database
from famsbot.store.migrate import open_database
from famsbot.worker.embedded import embedded

__all__ = ["poll", "set_webhook", "webhook_url"]

log = logging.getLogger(__name__)
LONG_POLL = 30  # seconds Telegram may hold a getUpdates call open
BACKOFF = 5.0  # seconds to wait after a failed getUpdates


def webhook_url(settings: Settings) -> str:
    """``FAMSBOT_PUBLIC_URL`` + ``/webhooks/telegram``; Telegram only posts to HTTPS."""
    if not settings.public_url or not settings.public_url.startswith("https://"):
        raise ConfigError("FAMSBOT_PUBLIC_URL must be set to the service's https:// address")
    return settings.public_url.rstrip("/") + WEBHOOK_PATH


async def set_webhook(settings: Settings, content: Content | None = None) -> str:
    """Point Telegram at our webhook with the secret token, and set the command menu; the URL."""
    if not settings.telegram_bot_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    if not settings.telegram_webhook_secret:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is not set: the webhook would refuse every update")
    url = webhook_url(settings)
    async with Bot(settings.telegram_bot_token, base_url=settings.telegram_api_url) as bot:
        await bot.set_webhook(url=url, secret_token=settings.telegram_webhook_secret, allowed_updates=ALLOWED_UPDATES)
        await bot.set_my_commands(bot_commands(content or get_content()))
    return url


async def poll(
    settings: Settings,
    *,
    delete_webhook: bool = False,
    stop: asyncio.Event | None = None,
    clock: Clock | None = None,
    long_poll: int = LONG_POLL,
) -> None:
    """Take updates with ``getUpdates`` until ``stop`` is set, handling each like the webhook would.

    Refuses while a webhook is set (Telegram allows one or the other) unless ``delete_webhook``:
    with a production token that would stop the deployed bot receiving messages.
    """
    stop = stop or asyncio.Event()
    db = await open_database(settings.database_url)
    try:
        async with _running(settings, db, clock) as channel:
            bot = channel.application.bot
            if (await bot.get_webhook_info()).url:
                if not delete_webhook:
                    raise ConfigError("a webhook is set for this bot; use --delete-webhook to poll instead")
                await bot.delete_webhook()
            await _poll(channel, stop, long_poll)
    finally:
        await db.dispose()


@asynccontextmanager
async def _running(settings: Settings, db: Database, clock: Clock | None) -> AsyncIterator[TelegramChannel]:
    async with AsyncExitStack() as stack:
        application = await stack.enter_async_context(telegram_application(settings))
        channel = TelegramChannel(application, Engine(db, settings, clock=clock))
        if db.is_sqlite:  # the embedded default: alerts raised while polling go out from here too
            delivery = await stack.enter_async_context(open_delivery(db, settings, bot=application.bot))
            await stack.enter_async_context(embedded(delivery))
        yield channel


async def _poll(channel: TelegramChannel, stop: asyncio.Event, long_poll: int) -> None:
    bot, offset = channel.application.bot, None
    while not stop.is_set():
        try:
            updates = await bot.get_updates(offset=offset, timeout=long_poll, allowed_updates=ALLOWED_UPDATES)
        except TelegramError as exc:
            log.warning("getUpdates failed (%s); trying again in %gs", exc, BACKOFF)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), BACKOFF)
            continue
        for update in updates:
            offset = update.update_id + 1
            await _handle(channel, update)


async def _handle(channel: TelegramChannel, update: Update) -> None:
    try:
        await channel.handle(update)
    except Exception:  # noqa: BLE001 - one bad update must not stop a developer's session
        log.exception("update %s failed", update.update_id)
