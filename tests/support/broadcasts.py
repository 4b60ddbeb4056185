"""Builders for broadcast tests: families who asked for a prison's notices, written straight to the store.

Subscribing is normally the notices flow's job (with the consent wording recorded); broadcast tests
build subscribers directly so that they depend only on the ``subscription`` table's contract.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from famsbot.broadcasts import Draft, plan_send, send_broadcast
from famsbot.content.loader import get_content
from famsbot.policy.quiet_hours import QuietHours
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, Contact, StaffUser, Subscription
from famsbot.store.subscriptions import TOPIC

__all__ = ["BODY", "add_subscriber", "add_subscribers", "chat", "phone", "queue_broadcast"]

SUBSCRIBED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def phone(n: int) -> str:
    """A UK mobile number in the Ofcom drama range, unique per ``n``."""
    return f"+4477009{n:05d}"


def chat(n: int) -> str:
    return str(700000 + n)


async def add_subscriber(
    db: Database,
    channel: str,
    address: str,
    prison: str = "maidstone",
    *,
    active: bool = True,
    opted_out_at: datetime | None = None,
    unreachable_at: datetime | None = None,
) -> Contact:
    """A contact with this prison's notices on (or off, with ``active=False``)."""
    contact = Contact(channel=channel, address=address, prison_id=prison, opted_out_at=opted_out_at,
                      unreachable_at=unreachable_at)  # fmt: skip
    async with db.transaction() as session:
        session.add(contact)
        await session.flush()
        assert contact.id is not None
        session.add(Subscription(contact_id=contact.id, prison_id=prison, topic=TOPIC, active=active,
                                 opted_in_at=SUBSCRIBED_AT))  # fmt: skip
    return contact


async def add_subscribers(db: Database, *, sms: int = 0, telegram: int = 0, prison: str = "maidstone",
                          start: int = 0) -> list[Contact]:  # fmt: skip
    """``sms`` families by text and ``telegram`` on Telegram, all subscribed to ``prison``."""
    contacts = [await add_subscriber(db, "sms", phone(start + n), prison) for n in range(sms)]
    contacts += [await add_subscriber(db, "telegram", chat(start + n), prison) for n in range(telegram)]
    return contacts


BODY = "Family day on Saturday 5 December, 10am to 2pm. Ask at the visitors' centre to book."


async def queue_broadcast(
    db: Database, staff: StaffUser, now: datetime, *, prison: str = "maidstone", body: str = BODY,
    send_at: datetime | None = None,
) -> Broadcast:  # fmt: skip
    """A broadcast created as the composer creates it, to everyone subscribed now."""
    plan = plan_send(send_at, now, QuietHours.off())
    return await send_broadcast(db, staff, Draft(prison, body, plan), content=get_content(), now=now,
                                request_key=secrets.token_urlsafe(24))  # fmt: skip
