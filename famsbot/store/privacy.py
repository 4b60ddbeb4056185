"""Forgetting a person when they ask: what is deleted, and what is kept and why.

Deleted: the contact (phone number or chat id), their conversation, every answer they gave, their
notice subscriptions and consent records, every outbox row to them (queued or sent, found by
contact and by address), their rate-limit slot (``<channel>:<address>``), and the call-back number
on any concern they raised.

Kept, and why:

* the concerns they raised, unlinked from them: a concern is the prison's safeguarding record of a
  risk to someone else, and stays with the safer custody team (with the family's words, which are
  that record; the number to ring them back on is removed);
* one row per message they sent, emptied: no person, no text, no replies, only the channel, the
  time, the outcome and a SHA-256 of the provider's message id. Twilio signs a request without a
  time limit, so an old signed request can be replayed at any time; this row is what recognises
  it and stops it creating the person, their concern and a second alert all over again.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, update
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
    RateSlot,
    Subscription,
)

__all__ = ["forget_contact"]

ALERT_KINDS = ("alert", "escalation")  # to staff, never to the family: not theirs to delete


async def forget_contact(session: AsyncSession, contact_id: int) -> None:
    """Delete everything held about one contact except the concerns they raised (unlinked) and the
    emptied records of their messages' ids (see the module docstring)."""
    contact = await session.get(Contact, contact_id)
    await session.exec(
        update(Concern).where(col(Concern.contact_id) == contact_id).values(contact_id=None, callback=None)
    )
    await session.exec(
        update(InboundMessage)
        .where(col(InboundMessage.contact_id) == contact_id)
        .values(contact_id=None, text="", replies=None, error=None)
    )
    to_them = col(Outbox.contact_id) == contact_id
    if contact is not None:
        same_address = (col(Outbox.channel) == contact.channel) & (col(Outbox.address) == contact.address)
        to_them = or_(to_them, same_address & col(Outbox.kind).not_in(ALERT_KINDS))
        await session.exec(delete(RateSlot).where(col(RateSlot.key) == f"{contact.channel}:{contact.address}"))
    await session.exec(delete(Outbox).where(to_them))
    for table in (Answer, Subscription, ConsentRecord, Conversation):
        await session.exec(delete(table).where(col(table.contact_id) == contact_id))
    await session.exec(delete(Contact).where(col(Contact.id) == contact_id))
