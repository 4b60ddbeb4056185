"""Building delivery from the settings: one sender per configured channel, and their rate limits.

A channel whose credentials are absent has no sender; its rows wait in the outbox (and are logged)
until it is configured. The console sender is always there. On PostgreSQL, where several workers
may send at once, the limits are booked in the database (``slots``); on SQLite one process sends
everything and paces in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack, asynccontextmanager

from telegram import Bot

from famsbot.clock import Clock
from famsbot.config import Settings
from famsbot.delivery.console import ConsoleSender, Sink
from famsbot.delivery.deliver import Delivery
from famsbot.delivery.message import Sender
from famsbot.delivery.ratelimit import Pacer, RateLimiter
from famsbot.delivery.slots import SharedRateLimiter
from famsbot.delivery.telegram import TelegramSender
from famsbot.delivery.twilio import TwilioSender, twilio_client
from famsbot.policy.quiet_hours import QuietHours
from famsbot.store.database import Database

__all__ = ["open_delivery", "open_senders", "quiet_hours", "rate_limits"]


def rate_limits(settings: Settings, db: Database | None = None) -> dict[str, Pacer]:
    """Telegram: overall and per chat; SMS: segments per second overall (Twilio queues per segment).

    Shared by every worker when ``db`` is PostgreSQL; held in this process otherwise.
    """
    telegram = (settings.telegram_per_second, settings.telegram_per_chat_per_second)
    if db is not None and not db.is_sqlite:
        return {
            "telegram": SharedRateLimiter(db, "telegram", *telegram),
            "sms": SharedRateLimiter(db, "sms", settings.sms_per_second),
        }
    return {"telegram": RateLimiter(*telegram), "sms": RateLimiter(settings.sms_per_second)}


def quiet_hours(settings: Settings) -> QuietHours:
    return QuietHours(settings.quiet_hours_start, settings.quiet_hours_end)


@asynccontextmanager
async def open_senders(
    settings: Settings,
    *,
    bot: Bot | None = None,
    sink: Sink | None = None,
    echo: Collection[str] = (),
) -> AsyncIterator[dict[str, Sender]]:
    """Senders for the configured channels, their connections open for the block.

    Args:
        bot: an initialised bot to reuse (the web app's); otherwise one is opened here.
        sink: where console messages are shown (``famsbot chat`` prints them).
        echo: channels that are not configured but whose messages should go to the console instead
            (``famsbot chat --channel sms`` without Twilio credentials shows its SMS there).
    """
    console = ConsoleSender(sink)
    senders: dict[str, Sender] = {"console": console}
    async with AsyncExitStack() as stack:
        if settings.telegram_enabled:
            if bot is None:
                bot = await stack.enter_async_context(
                    Bot(settings.telegram_bot_token or "", base_url=settings.telegram_api_url)
                )
            senders["telegram"] = TelegramSender(bot)
        if settings.twilio_enabled:
            client = await stack.enter_async_context(twilio_client(settings))
            senders["sms"] = TwilioSender(client, settings)
        for channel in echo:
            senders.setdefault(channel, console)
        yield senders


@asynccontextmanager
async def open_delivery(
    db: Database,
    settings: Settings,
    *,
    clock: Clock | None = None,
    bot: Bot | None = None,
    sink: Sink | None = None,
    echo: Collection[str] = (),
) -> AsyncIterator[Delivery]:
    """A ``Delivery`` with every configured sender, the configured rate limits and quiet hours."""
    async with open_senders(settings, bot=bot, sink=sink, echo=echo) as senders:
        yield Delivery(db, senders, limits=rate_limits(settings, db), clock=clock, quiet=quiet_hours(settings))
