"""Who gets a prison's family-day notices, and the proof that they asked to.

Two tables, two jobs (``store.models``):

* ``Subscription`` is the current choice, one row per contact, prison and topic. It is what a
  broadcast reads (:func:`subscribers`, :func:`subscriber_counts`, :func:`is_subscribed`). Stopping
  deactivates the row rather than deleting it, so it still says when they opted in and out.
* ``ConsentRecord`` is the append-only history of every yes and every no: when, on which channel,
  and the exact words the person was shown. Event messages from a charity are direct marketing
  under UK rules (PECR, and the ICO's guidance for charities), so consent must be specific,
  informed and provable, and an opt-out must be recorded just as durably.

STOP (all messages, ``Engine._opt_out``) deactivates every subscription as well. START does not
bring them back: consent to notices is asked for afresh.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.store.models import ConsentRecord, Contact, Subscription

__all__ = [
    "TOPIC",
    "is_subscribed",
    "opt_in",
    "opt_out",
    "subject",
    "subscribed_prisons",
    "subscriber_counts",
    "subscribers",
]

TOPIC = "family_days"
"""The one topic so far: a prison's family days and events for families."""
ALL_PRISONS = "all"


def subject(prison_id: str | None) -> str:
    """The ``ConsentRecord.subject`` for one prison's notices (``notices:maidstone``), or for all."""
    return f"notices:{prison_id or ALL_PRISONS}"


async def opt_in(session: AsyncSession, contact: Contact, prison_id: str, wording: str, now: datetime) -> bool:
    """Record that ``contact`` agreed to ``prison_id``'s notices, having been shown ``wording``.

    The subscription is created, or re-activated after an earlier opt-out; the consent record is
    always appended (agreeing again to new wording is worth keeping too).

    Returns:
        Whether notices were off before (``False``: they already had them).
    """
    contact_id = _id(contact)
    row = (
        await session.exec(
            select(Subscription).where(
                col(Subscription.contact_id) == contact_id,
                col(Subscription.prison_id) == prison_id,
                col(Subscription.topic) == TOPIC,
            )
        )
    ).first()
    was_off = row is None or not row.active
    if row is None:
        row = Subscription(contact_id=contact_id, prison_id=prison_id, topic=TOPIC, active=True, opted_in_at=now)
    elif not row.active:
        row.active, row.opted_in_at, row.opted_out_at = True, now, None
    session.add(row)
    session.add(_record(contact, prison_id, "opt_in", wording, now))
    return was_off


async def opt_out(
    session: AsyncSession, contact: Contact, prison_id: str | None, wording: str, now: datetime
) -> list[str]:
    """Stop ``contact``'s notices for ``prison_id`` (``None``: every prison), recording ``wording``.

    One consent record per prison stopped. When nothing was on, the "no" is recorded all the same
    (for the prison named, or for all): an objection to marketing is kept even before any consent.

    Returns:
        The prisons whose notices were on and are now stopped, sorted.
    """
    rows = await _active(session, _id(contact), prison_id)
    for row in rows:
        row.active, row.opted_out_at = False, now
        session.add(row)
        session.add(_record(contact, row.prison_id, "opt_out", wording, now))
    if not rows:
        session.add(_record(contact, prison_id, "opt_out", wording, now))
    return sorted(row.prison_id for row in rows)


async def subscribed_prisons(session: AsyncSession, contact_id: int) -> list[str]:
    """The prisons whose notices this contact has on (whatever the contact's own status), sorted."""
    return sorted(row.prison_id for row in await _active(session, contact_id, None))


def _reachable(prison_id: str) -> tuple[Any, ...]:
    """Conditions for "should get this prison's next notice": on, and the contact can be messaged."""
    return (
        col(Subscription.prison_id) == prison_id,
        col(Subscription.topic) == TOPIC,
        col(Subscription.active).is_(True),
        col(Contact.opted_out_at).is_(None),
        col(Contact.unreachable_at).is_(None),
    )


async def subscribers(session: AsyncSession, prison_id: str) -> list[Contact]:
    """The contacts to send ``prison_id``'s next notice to, by contact id.

    Notices on for this prison, not opted out of all messages (STOP), and not marked unreachable
    by a provider (a blocked bot, an invalid number).
    """
    query = (
        select(Contact)
        .join(Subscription, col(Subscription.contact_id) == col(Contact.id))
        .where(*_reachable(prison_id))
        .order_by(col(Contact.id))
    )
    return list((await session.exec(query)).all())


async def subscriber_counts(session: AsyncSession, prison_id: str) -> dict[str, int]:
    """How many :func:`subscribers` ``prison_id`` has on each channel; a channel with none is absent."""
    query = (
        select(Contact.channel, func.count())
        .join(Subscription, col(Subscription.contact_id) == col(Contact.id))
        .where(*_reachable(prison_id))
        .group_by(col(Contact.channel))
    )
    return {channel: count for channel, count in (await session.exec(query)).all()}


async def is_subscribed(session: AsyncSession, contact_id: int, prison_id: str) -> bool:
    """Whether this contact is still one of ``prison_id``'s :func:`subscribers` (checked again at send time)."""
    query = (
        select(Contact.id)
        .join(Subscription, col(Subscription.contact_id) == col(Contact.id))
        .where(col(Contact.id) == contact_id, *_reachable(prison_id))
    )
    return (await session.exec(query)).first() is not None


async def _active(session: AsyncSession, contact_id: int, prison_id: str | None) -> list[Subscription]:
    query = select(Subscription).where(
        col(Subscription.contact_id) == contact_id,
        col(Subscription.topic) == TOPIC,
        col(Subscription.active).is_(True),
    )
    if prison_id is not None:
        query = query.where(col(Subscription.prison_id) == prison_id)
    return list((await session.exec(query)).all())


def _record(contact: Contact, prison_id: str | None, action: str, wording: str, now: datetime) -> ConsentRecord:
    return ConsentRecord(contact_id=_id(contact), subject=subject(prison_id), action=action,
                         channel=contact.channel, wording=wording, at=now)


def _id(contact: Contact) -> int:
    assert contact.id is not None  # noqa: S101 - contacts reach here loaded from the database
    return contact.id
