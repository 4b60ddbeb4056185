"""Sending on Telegram with python-telegram-bot's ``Bot``, and PTB's errors mapped into ours.

The same mapping serves the direct reply in the webhook and the outbox worker, so "blocked the bot"
means the same thing everywhere.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from famsbot.channels.buttons import keyboard
from famsbot.delivery.message import OutgoingMessage, Sent
from famsbot.errors import (
    ChannelError,
    MaybeSent,
    PermanentChannelError,
    RateLimited,
    TransientChannelError,
    Unreachable,
)

__all__ = ["TelegramSender", "retry_after_seconds", "telegram_error"]

# BadRequest descriptions that are about the recipient, not the message.
_GONE = ("chat not found", "user not found", "peer_id_invalid", "chat_id is empty", "bot can't initiate",
         "have no rights to send", "need administrator rights", "chat_write_forbidden")  # fmt: skip


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int or (with ``PTB_TIMEDELTA=true``) a timedelta.

    Without ``PTB_TIMEDELTA`` PTB warns on every read of ``retry_after``; that warning is about its
    own upcoming change, not about us, so it is silenced here and only here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def telegram_error(exc: TelegramError) -> ChannelError:
    """Map a PTB error: RetryAfter → RateLimited; blocked or missing chat → Unreachable; other 400s →
    permanent (retrying the same request cannot help); a time-out → MaybeSent (Telegram may well
    have delivered it: PTB issue reports show blind retries sending 3-9 copies); 5xx and the rest →
    transient."""
    message = str(exc)
    if isinstance(exc, RetryAfter):
        return RateLimited(retry_after_seconds(exc), f"telegram: {message}")
    if isinstance(exc, TimedOut):
        return MaybeSent(f"telegram: timed out: {message}")
    if isinstance(exc, Forbidden):
        return Unreachable(f"telegram: {message}")
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest is one of its subclasses
        if any(marker in message.lower() for marker in _GONE):
            return Unreachable(f"telegram: {message}")
        return PermanentChannelError(f"telegram: {message}")
    return TransientChannelError(f"telegram: {type(exc).__name__}: {message}")


class TelegramSender:
    """``sendMessage`` with options as an inline keyboard; the provider id is the message id."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def cost(self, message: OutgoingMessage) -> int:
        return 1

    async def send(self, message: OutgoingMessage) -> Sent:
        try:
            sent = await self.bot.send_message(
                chat_id=message.address, text=message.text, reply_markup=keyboard(message.options)
            )
        except TelegramError as exc:
            raise telegram_error(exc) from exc
        return Sent(provider_id=str(sent.message_id))
