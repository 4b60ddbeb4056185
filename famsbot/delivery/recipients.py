"""The contact an outbox row is for, and marking a recipient unreachable when a provider says so."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.store.models import Contact, Outbox

__all__ = ["contact_of", "mark_unreachable"]


async def contact_of(session: AsyncSession, row: Outbox) -> Contact | None:
    """The row's contact: by its link, else by channel and address (staff targets have no link)."""
    if row.contact_id is not None:
        query = select(Contact).where(col(Contact.id) == row.contact_id)
    else:
        query = select(Contact).where(col(Contact.channel) == row.channel, col(Contact.address) == row.address)
    return (await session.exec(query)).first()


async def mark_unreachable(session: AsyncSession, channel: str, address: str, now: datetime) -> None:
    """Record that this recipient cannot be reached on this channel (the first time is kept)."""
    await session.exec(
        update(Contact)
        .where(
            col(Contact.channel) == channel,
            col(Contact.address) == address,
            col(Contact.unreachable_at).is_(None),
        )
        .values(unreachable_at=now)
    )
