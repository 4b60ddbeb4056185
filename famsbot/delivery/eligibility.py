"""Is a claimed row still wanted, now that it is about to be sent?

A row can wait in the outbox for minutes (a retry) or days (a scheduled broadcast), and people's
choices change meanwhile. So the rules are applied again at send time: :func:`verdicts` reads the
database in the same transaction that marks the send as started, the moment before the provider
is called (``deliver``), and :func:`held` needs no database at all:

* someone who opted out of everything (STOP) gets nothing more, except urgent messages and the
  direct replies to their own messages sent after they opted out (the STOP confirmation among them);
* a broadcast's row is dropped if staff cancelled the broadcast, or if the person stopped that
  prison's notices (or became unreachable) since it was queued: consent is checked when the
  message goes, not only when it was written;
* a broadcast's row waits while quiet hours last, then goes in the morning (:func:`held`).

The check cannot race with a STOP: before reading, the recipients' contact rows are locked ``FOR
SHARE`` (PostgreSQL; SQLite's single writer does the same), in the transaction that then marks the
send as started. A STOP that is being stored holds its contact row, so the check waits for it to
commit and sees it; a STOP that comes later waits for the mark, and the send is then already under
way (its provider call follows the commit within milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.delivery.status import CANCELLED, SKIPPED, URGENT_KINDS
from famsbot.policy.quiet_hours import QuietHours
from famsbot.store.models import Broadcast, Contact, Outbox, Subscription
from famsbot.store.subscriptions import TOPIC

__all__ = ["Drop", "Hold", "held", "verdicts"]

BROADCAST_CANCELLED = "cancelled"  # ``Broadcast.status`` once staff cancel it


@dataclass(frozen=True, slots=True)
class Drop:
    """Do not send it, ever: end the row in ``status`` for ``reason``."""

    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class Hold:
    """Not now: it may go at ``until``."""

    until: datetime
    reason: str


def held(row: Outbox, now: datetime, quiet: QuietHours) -> Hold | None:
    """A broadcast's row during quiet hours waits for the morning (no database needed)."""
    if row.broadcast_id is not None and quiet.covers(now):
        return Hold(quiet.next_allowed(now), "quiet hours")
    return None


def _standing() -> Any:
    """What the send-time rules need about each of some outbox rows, read in a single statement.

    The recipient is the row's contact (or, for staff targets without one, the contact with its
    channel and address, as ``recipients.contact_of`` finds it); for a broadcast's row, the broadcast
    and the recipient's subscription to its prison's notices. The rule applied to them is the one
    ``store.subscriptions.subscribers`` chose the families by: notices on, not opted out, reachable.
    """
    known = aliased(Contact)
    by_address = (
        select(col(known.id))
        .where(col(known.channel) == col(Outbox.channel), col(known.address) == col(Outbox.address))
        .correlate(Outbox)
        .scalar_subquery()
    )
    return (
        select(col(Outbox.id), col(Contact.id), col(Contact.opted_out_at), col(Contact.unreachable_at),
               col(Broadcast.status), col(Subscription.active))
        .select_from(Outbox)
        .outerjoin(Contact, col(Contact.id) == func.coalesce(col(Outbox.contact_id), by_address))
        .outerjoin(Broadcast, col(Broadcast.id) == col(Outbox.broadcast_id))
        .outerjoin(Subscription, and_(col(Subscription.contact_id) == col(Contact.id),
                                      col(Subscription.prison_id) == col(Broadcast.prison_id),
                                      col(Subscription.topic) == TOPIC))
        .where(col(Outbox.id).in_(bindparam("outbox_ids", expanding=True)))
    )  # fmt: skip


_STANDING = _standing()  # built once: this runs before every send
_LOCK_RECIPIENTS: Any = (
    select(col(Contact.id))
    .join(Outbox, or_(col(Outbox.contact_id) == col(Contact.id),
                      and_(col(Outbox.contact_id).is_(None), col(Outbox.channel) == col(Contact.channel),
                           col(Outbox.address) == col(Contact.address))))
    .where(col(Outbox.id).in_(bindparam("outbox_ids", expanding=True)))
    .order_by(col(Contact.id))  # always in the same order, so two senders never deadlock
    .with_for_update(read=True, of=Contact)
)  # fmt: skip


async def verdicts(session: AsyncSession, rows: Sequence[Outbox]) -> dict[int, Drop]:
    """Which of ``rows`` to drop rather than send now, by row id (see the module docstring)."""
    checked = [row for row in rows if row.kind not in URGENT_KINDS and row.id is not None]
    if not checked:
        return {}
    ids: dict[str, Any] = {"outbox_ids": [row.id for row in checked]}
    await session.exec(_LOCK_RECIPIENTS, params=ids)  # a STOP being stored commits first (docstring)
    found = await session.exec(_STANDING, params=ids)
    standing = {outbox_id: rest for outbox_id, *rest in found.all()}
    drops = {}
    for row in checked:
        assert row.id is not None  # noqa: S101 - checked above
        if row.id in standing and (drop := _decide(row, *standing[row.id])) is not None:
            drops[row.id] = drop
    return drops


def _decide(row: Outbox, contact_id: int | None, opted_out_at: datetime | None, unreachable_at: datetime | None,
            broadcast_status: str | None, subscribed: bool | None) -> Drop | None:  # fmt: skip
    if opted_out_at is not None and not (row.kind == "reply" and row.created_at >= opted_out_at):
        return Drop(SKIPPED, "recipient opted out")
    if row.broadcast_id is None:
        return None
    if broadcast_status in (None, BROADCAST_CANCELLED):
        return Drop(CANCELLED, "the broadcast was cancelled")
    if contact_id is None:
        return Drop(SKIPPED, "recipient no longer known")
    if unreachable_at is not None:
        return Drop(SKIPPED, "recipient unreachable since it was queued")
    if not subscribed:
        return Drop(SKIPPED, "stopped notices since it was queued")
    return None
