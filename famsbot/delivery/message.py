"""What a sender is given and what it gives back, whatever the channel.

A sender knows one provider's API and nothing about the outbox: it sends one message and either
returns the provider's id for it or raises one of ``famsbot.errors``' channel errors. Everything
else (leases, retries, receipts, opt-outs) is the outbox's business (``famsbot.delivery.deliver``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from famsbot.dialogue.messages import Option

__all__ = ["Finder", "OutgoingMessage", "Sender", "Senders", "Sent"]


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to send: a recipient on a channel, the text, and any options (buttons)."""

    channel: str
    address: str
    text: str
    options: tuple[Option, ...] = ()
    outbox_id: int | None = None
    kind: str = "reply"


@dataclass(frozen=True, slots=True)
class Sent:
    """The provider accepted the message: its id (for receipts) and what it costs, in SMS segments."""

    provider_id: str
    segments: int | None = None


class Sender(Protocol):
    """Sends on one channel; raises ``TransientChannelError``/``RateLimited``/``PermanentChannelError``."""

    async def send(self, message: OutgoingMessage) -> Sent: ...

    def cost(self, message: OutgoingMessage) -> int:
        """How many units of the channel's rate limit the message takes (SMS: its segments)."""
        ...


Senders = Mapping[str, Sender]


@runtime_checkable
class Finder(Protocol):
    """A sender that can ask its provider whether a message already went out (Twilio lists the
    messages sent to a number; Telegram's Bot API has no such question)."""

    async def find(self, message: OutgoingMessage, since: datetime) -> list[Sent]:
        """The provider's records of ``message`` (same recipient, same text) accepted at or after
        ``since``, newest first: however many other messages the recipient was sent meanwhile."""
        ...
