"""Wiring the channels into the web app: their webhook routes, and what runs while the app is up.

A channel whose credentials are absent is off: its routes are not mounted, so they answer 404.
While the app runs it holds the PTB application (initialised once, ``getMe``), and on the embedded
default (SQLite) it also delivers the outbox and runs periodic work in-process; on PostgreSQL that
is ``famsbot worker``'s job, so web processes stay stateless.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from famsbot.channels import sms, telegram
from famsbot.clock import Clock
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.delivery.setup import open_delivery
from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database
from famsbot.worker.embedded import embedded
from famsbot.worker.periodic import PeriodicLoop

__all__ = ["channels_running", "include_webhooks"]


def include_webhooks(app: FastAPI, settings: Settings) -> None:
    """Mount the webhook routes of the configured channels (DESIGN §4)."""
    if settings.telegram_enabled:
        app.include_router(telegram.router)
    if settings.twilio_enabled:
        app.include_router(sms.router)


@asynccontextmanager
async def channels_running(
    app: FastAPI, settings: Settings, db: Database, engine: Engine, *, content: Content, clock: Clock
) -> AsyncIterator[None]:
    """For the app's lifespan: Telegram ready to take updates; on SQLite, delivery and periodic work."""
    async with AsyncExitStack() as stack:
        bot = None
        if settings.telegram_enabled:
            application = await stack.enter_async_context(telegram.telegram_application(settings))
            app.state.telegram = telegram.TelegramChannel(application, engine)
            bot = application.bot
        if db.is_sqlite:
            delivery = await stack.enter_async_context(open_delivery(db, settings, bot=bot))
            periodic = PeriodicLoop(db, settings, content, clock, owner=delivery.owner)
            app.state.dispatcher = await stack.enter_async_context(
                embedded(delivery, periodic=periodic, heartbeat=True)
            )
        yield
