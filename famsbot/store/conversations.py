"""Loading a person's conversation under a lock, and recognising a message delivered twice.

The contact and conversation rows are created with ``INSERT … ON CONFLICT DO NOTHING`` so that
two first messages from a new person arriving together cannot both create them; the conversation
is then read ``FOR UPDATE`` (PostgreSQL) inside a ``BEGIN IMMEDIATE`` transaction (SQLite).

A provider's message id is stored only as a hash (:func:`provider_key`): it de-duplicates a
redelivery for as long as the row exists, and survives "forget me" unlinked from the person
(``store.privacy``), so an old signed request replayed later is still recognised and does nothing.
The replies a turn produced are stored with its message, so a provider that retries after a crash
between commit and reply gets the same replies again (:func:`stored_replies`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.dialogue.messages import Option, Reply
from famsbot.store.database import insert_for
from famsbot.store.models import Contact, Conversation, InboundMessage

__all__ = ["handled_before", "load_locked", "provider_key", "reply_records", "stored_replies"]


async def load_locked(session: AsyncSession, channel: str, address: str, now: datetime) -> tuple[Contact, Conversation]:
    """The contact and their conversation, created if new, locked until the transaction ends."""
    await session.exec(
        insert_for(session, Contact)
        .values(channel=channel, address=address, language="en", created_at=now, last_seen_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "address"])
    )
    contact = (
        await session.exec(
            select(Contact).where(Contact.channel == channel, Contact.address == address).with_for_update()
        )
    ).one()
    await session.exec(
        insert_for(session, Conversation)
        .values(contact_id=contact.id, flow="menu", state="start", answers={}, history=[],
                version=0, started_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["contact_id"])
    )
    conversation = (
        await session.exec(select(Conversation).where(Conversation.contact_id == contact.id).with_for_update())
    ).one()
    return contact, conversation


def provider_key(channel: str, provider_id: str) -> str:
    """The stored form of a provider's message id: a SHA-256, so no row names the provider's message."""
    return hashlib.sha256(f"{channel}:{provider_id}".encode()).hexdigest()


async def handled_before(session: AsyncSession, channel: str, provider_id: str) -> InboundMessage | None:
    """The stored record of this provider message, if it was handled (committed) before."""
    found = await session.exec(
        select(InboundMessage).where(
            InboundMessage.channel == channel, InboundMessage.provider_id == provider_key(channel, provider_id)
        )
    )
    return found.first()


def reply_records(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    """Replies as JSON, to store with the message they answer."""
    return [
        {"text": r.text, "urgent": r.urgent,
         "options": [{"key": o.key, "label": o.label, "words": list(o.words)} for o in r.options]}
        for r in replies
    ]  # fmt: skip


def stored_replies(records: Sequence[dict[str, Any]] | None) -> list[Reply]:
    """The replies stored by :func:`reply_records`, as they were."""
    return [
        Reply(str(r["text"]), tuple(Option(o["key"], o["label"], tuple(o.get("words") or ())) for o in r["options"]),
              bool(r["urgent"]))
        for r in records or []
    ]  # fmt: skip
