"""Loading a person's conversation under a lock, and recognising a message delivered twice.

The contact and conversation rows are created with ``INSERT … ON CONFLICT DO NOTHING`` so that
two first messages from a new person arriving together cannot both create them; the conversation
is then read ``FOR UPDATE`` (PostgreSQL) inside a ``BEGIN IMMEDIATE`` transaction (SQLite).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.store.database import insert_for
from famsbot.store.models import Contact, Conversation, InboundMessage

__all__ = ["already_handled", "load_locked"]


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


async def already_handled(session: AsyncSession, channel: str, provider_id: str) -> bool:
    """Has a message with this provider id been handled (committed) before?"""
    found = await session.exec(
        select(InboundMessage.id).where(InboundMessage.channel == channel, InboundMessage.provider_id == provider_id)
    )
    return found.first() is not None
