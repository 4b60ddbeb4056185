"""Claiming outbox rows with a lease, so that several senders never send one row twice.

One statement both picks and leases (engineering-notes §5.2)::

    UPDATE outbox SET lease_owner = :me, lease_until = :now + :lease, attempts = attempts + 1
     WHERE id IN (SELECT id FROM outbox WHERE <due and not leased>
                   ORDER BY <tier: urgent, ordinary, bulk>, next_attempt_at, id
                   LIMIT :n FOR UPDATE SKIP LOCKED)
    RETURNING *

On PostgreSQL, ``SKIP LOCKED`` lets concurrent workers each take different rows; on SQLite the lock
clause compiles away and the single writer makes the ``UPDATE … RETURNING`` atomic. A lease that
runs out (its worker died mid-send) makes the row claimable again: delivery is at least once.

Urgent kinds (alerts about someone's safety) take a short lease, ``URGENT_LEASE``, so that an alert
whose worker died mid-send is settled and sent again within seconds, not minutes; other kinds keep
``LEASE``, which covers a broadcast's wait for a sending slot. Marking the send as started renews
the lease (``deliver``), so the provider call always has a whole lease to finish in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, text, update
from sqlmodel import col, select

from famsbot.delivery.status import BULK_KINDS, QUEUED, URGENT_KINDS, tier
from famsbot.store.database import Database
from famsbot.store.models import OUTBOX_DUE, Outbox

__all__ = ["LEASE", "URGENT_LEASE", "Waiting", "by_tier", "claim_due", "claim_one", "lease_for"]

LEASE = timedelta(minutes=2)  # longer than any send plus its wait for a rate-limit slot
URGENT_LEASE = timedelta(seconds=30)  # twice the provider time-out (15 s): an alert may book any slot


def lease_for(kind: str, lease: timedelta = LEASE) -> timedelta:
    """How long a claim on a row of ``kind`` lasts."""
    return min(lease, URGENT_LEASE) if kind in URGENT_KINDS else lease


def _until(now: datetime, lease: timedelta) -> Any:
    """``lease_until`` for claimed rows, by kind, in SQL."""
    return case((col(Outbox.kind).in_(URGENT_KINDS), now + lease_for("alert", lease)), else_=now + lease)


@dataclass(frozen=True, slots=True)
class Waiting:
    """A row that exists and is still to be sent, but not now: try again at ``until``."""

    until: datetime


def by_tier() -> Any:
    """Urgent kinds first, then ordinary ones, broadcasts last (``status.tier`` in SQL)."""
    return case((col(Outbox.kind).in_(URGENT_KINDS), 0), (col(Outbox.kind).in_(BULK_KINDS), 2), else_=1)


def _claimable(now: datetime) -> list[Any]:
    return [
        text(OUTBOX_DUE),  # word for word the partial index's predicate, so SQLite uses it too
        col(Outbox.status) == QUEUED,
        col(Outbox.next_attempt_at) <= now,
        or_(col(Outbox.lease_until).is_(None), col(Outbox.lease_until) < now),
    ]


async def _lease(db: Database, chosen: Any, owner: str, now: datetime, lease: timedelta) -> list[Outbox]:
    statement = (
        update(Outbox)
        .where(col(Outbox.id).in_(chosen.scalar_subquery()))
        .values(lease_owner=owner, lease_until=_until(now, lease), attempts=col(Outbox.attempts) + 1)
        .returning(Outbox)
        .execution_options(synchronize_session=False)
    )
    async with db.transaction() as session:
        rows = list((await session.exec(statement)).scalars().all())
    return sorted(rows, key=lambda row: (tier(row.kind), row.next_attempt_at, row.id or 0))


async def claim_due(
    db: Database,
    owner: str,
    now: datetime,
    *,
    channels: Collection[str],
    limit: int,
    lease: timedelta = LEASE,
) -> list[Outbox]:
    """Lease up to ``limit`` due rows on these channels: by tier, then oldest first."""
    chosen = (
        select(Outbox.id)
        .where(*_claimable(now), col(Outbox.channel).in_(list(channels)))
        .order_by(by_tier(), col(Outbox.next_attempt_at), col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return await _lease(db, chosen, owner, now, lease)


async def claim_one(
    db: Database, outbox_id: int, owner: str, now: datetime, *, lease: timedelta = LEASE
) -> Outbox | Waiting | None:
    """Lease one row by id (a job's own row). ``None`` when there is nothing left to send; ``Waiting``
    when it is due later or another sender holds it."""
    chosen = select(Outbox.id).where(col(Outbox.id) == outbox_id, *_claimable(now)).with_for_update(skip_locked=True)
    claimed = await _lease(db, chosen, owner, now, lease)
    if claimed:
        return claimed[0]
    async with db.transaction() as session:
        row = (await session.exec(select(Outbox).where(col(Outbox.id) == outbox_id))).first()
    if row is None or row.status != QUEUED:
        return None
    leased_until = row.lease_until if row.lease_until and row.lease_until > now else now
    return Waiting(max(row.next_attempt_at, leased_until))
