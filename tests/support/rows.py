"""Reading rows back in tests: what the database now holds about a person."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import SQLModel, select

from famsbot.store.database import Database
from famsbot.store.models import Contact, Conversation

T = TypeVar("T", bound=SQLModel)


async def all_rows(db: Database, table: type[T], **where: Any) -> list[T]:
    async with db.transaction() as session:
        query = select(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return list((await session.exec(query)).all())


async def conversation_of(db: Database, channel: str, address: str) -> Conversation | None:
    async with db.transaction() as session:
        contact = (
            await session.exec(select(Contact).where(Contact.channel == channel, Contact.address == address))
        ).first()
        if contact is None:
            return None
        return (await session.exec(select(Conversation).where(Conversation.contact_id == contact.id))).first()


async def contact_of(db: Database, channel: str, address: str) -> Contact | None:
    async with db.transaction() as session:
        query = select(Contact).where(Contact.channel == channel, Contact.address == address)
        return (await session.exec(query)).first()
