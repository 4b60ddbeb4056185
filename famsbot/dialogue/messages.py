"""What flows between channels and the engine: an ``Inbound`` message in, ``Reply`` objects out.

These are plain values so that the console, SMS and Telegram adapters share one engine.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

__all__ = ["MAX_ADDRESS", "MAX_TEXT", "Channel", "Inbound", "Option", "Reply", "clean_text", "storable_address"]

Channel = Literal["console", "sms", "telegram"]
MAX_TEXT = 4000  # longer messages are kept in full in the inbound log but read only this far
MAX_ADDRESS = 64  # ``Contact.address``: a phone number or chat id is far shorter
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


@dataclass(frozen=True, slots=True)
class Option:
    """A choice offered with a question: a button on Telegram, a numbered line on SMS and console.

    ``key`` is the stable value (and Telegram callback data); ``words`` are extra ways to say it.
    """

    key: str
    label: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the person. ``urgent`` marks the emergency route: it is never shortened."""

    text: str
    options: tuple[Option, ...] = ()
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Inbound:
    """A message from a person, as every channel hands it to the engine.

    ``option`` is set when the person tapped a button (the option's key); ``text`` is what they
    typed (or the button's label). ``provider_id`` (Telegram update id, Twilio MessageSid) lets the
    engine handle a redelivered message once.
    """

    channel: Channel
    address: str
    text: str = ""
    provider_id: str | None = None
    option: str | None = None
    received_at: datetime | None = field(default=None, compare=False)

    def cleaned(self) -> Inbound:
        """The same message with control characters removed and surrounding space trimmed."""
        return replace(self, text=clean_text(self.text))


def clean_text(text: str) -> str:
    """Remove characters that are never meant (control codes, zero-width marks) and trim space."""
    return _CONTROL.sub("", text.replace("\r\n", "\n")).strip()


def storable_address(address: str) -> str:
    """The sender's address as it can be stored: control characters (a NUL byte) removed, and one
    too long for the column shortened with a hash of the whole, so that it stays one person's.

    No real phone number or chat id is touched; a malformed one must not make a family's message
    unstorable (PostgreSQL refuses NUL bytes and over-long values, where SQLite took them).
    """
    address = _CONTROL.sub("", address).strip()
    if len(address) <= MAX_ADDRESS:
        return address
    digest = hashlib.sha256(address.encode()).hexdigest()[:16]
    return f"{address[: MAX_ADDRESS - len(digest) - 1]}~{digest}"
