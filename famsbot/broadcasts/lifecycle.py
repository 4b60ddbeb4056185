"""A broadcast's own status, kept up to date once a minute by the periodic work.

::

    scheduled ──send_at reached──► sending ──no row left queued──► done (finished_at)
        └──────────────┴── staff cancel ──► cancelled (finished_at once the last send in flight ends)

The broadcast page works its progress out from the outbox rows at every refresh; this status is
the lasting record (and "done" is what the family-days menu's "latest notice" reads).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from famsbot.delivery.status import QUEUED
from famsbot.store.database import Database
from famsbot.store.models import Broadcast, Outbox

__all__ = ["CANCELLED", "DONE", "SCHEDULED", "SENDING", "settle"]

SCHEDULED = "scheduled"
SENDING = "sending"
DONE = "done"
CANCELLED = "cancelled"


def _nothing_queued() -> ColumnElement[bool]:
    return ~exists().where(col(Outbox.broadcast_id) == col(Broadcast.id), col(Outbox.status) == QUEUED)


async def settle(db: Database, now: datetime) -> int:
    """Move broadcasts on: started ones to ``sending``, finished ones to ``done``; how many finished."""
    async with db.transaction() as session:
        finished = await session.exec(
            update(Broadcast)
            .where(col(Broadcast.status).in_([SCHEDULED, SENDING]), col(Broadcast.send_at) <= now, _nothing_queued())
            .values(status=DONE, finished_at=now)
        )
        await session.exec(
            update(Broadcast)
            .where(col(Broadcast.status) == SCHEDULED, col(Broadcast.send_at) <= now)
            .values(status=SENDING)
        )
        await session.exec(
            update(Broadcast)
            .where(col(Broadcast.status) == CANCELLED, col(Broadcast.finished_at).is_(None), _nothing_queued())
            .values(finished_at=now)
        )
    return int(finished.rowcount or 0)
