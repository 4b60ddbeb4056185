"""Forgetting a person when they ask: what is deleted, and what is kept and why.

Deleted: the contact (phone number or chat id), their conversation, every answer they gave, their
messages, their notice subscriptions and consent records, and anything still queued to them.
Kept: concerns they raised. A concern is the prison's safeguarding record of a risk to someone
else; it stays with the safer custody team, unlinked from the deleted contact.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.store.models import (
    Answer,
    Concern,
    ConsentRecord,
    Contact,
    Conversation,
    InboundMessage,
    Outbox,
    Subscription,
)

__all__ = ["forget_contact"]


async def forget_contact(session: AsyncSession, contact_id: int) -> None:
    """Delete everything held about one contact except the concerns they raised (unlinked)."""
    await session.exec(update(Concern).where(col(Concern.contact_id) == contact_id).values(contact_id=None))
    for table in (Answer, InboundMessage, Subscription, ConsentRecord, Outbox, Conversation):
        await session.exec(delete(table).where(col(table.contact_id) == contact_id))
    await session.exec(delete(Contact).where(col(Contact.id) == contact_id))
