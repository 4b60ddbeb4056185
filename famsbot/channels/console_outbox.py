"""Showing outbox messages in the terminal during ``famsbot chat``, so a local demo shows alerts.

While someone chats, the outbox is delivered in the same process. Messages for the person chatting
(feedback, follow-ups) and for the prison teams (``safer-custody:<prison>``, ``duty:<prison>``) are
printed between the replies; a channel without credentials (``--channel sms`` with no Twilio
account) is shown here instead of waiting for one. At the end of input, whatever is due is
delivered before the command exits, so a piped demo shows the alert its last message raised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO

from famsbot.channels.render import numbered
from famsbot.config import Settings
from famsbot.delivery.console import TEAM_PREFIXES
from famsbot.delivery.message import OutgoingMessage
from famsbot.delivery.setup import open_delivery
from famsbot.dialogue.messages import Reply
from famsbot.store.database import Database
from famsbot.worker.embedded import embedded

__all__ = ["chat_delivery", "format_outbox_message"]


def format_outbox_message(message: OutgoingMessage) -> str:
    heading = f"[outbox: {message.kind} to {message.channel}:{message.address}]"
    return f"{heading}\n{numbered(Reply(message.text, message.options))}\n\n"


@asynccontextmanager
async def chat_delivery(
    db: Database, settings: Settings, *, channel: str, address: str, out: TextIO
) -> AsyncIterator[None]:
    """Deliver the outbox while the block runs, printing what the person or a prison team would get."""

    def show(message: OutgoingMessage) -> None:
        if message.address == address or message.address.startswith(TEAM_PREFIXES):
            out.write(format_outbox_message(message))
            out.flush()

    configured = {"telegram": settings.telegram_enabled, "sms": settings.twilio_enabled}
    echo = [channel] if not configured.get(channel, True) else []
    async with open_delivery(db, settings, sink=show, echo=echo) as delivery, embedded(delivery) as dispatcher:
        yield
        await dispatcher.drain()
