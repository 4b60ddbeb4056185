"""Cancelling a broadcast part-way: what has not gone yet never goes; what is going finishes.

Rows still waiting are marked cancelled at once. Rows a worker holds at that moment are left to it:
one that has not reached the provider yet sees the cancellation when its send-time check runs
(``delivery.eligibility``) and becomes cancelled too; one already at the provider finishes and is
recorded as sent. So after a cancel, nothing more is sent beyond what was already under way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.broadcasts.access import broadcast_for
from famsbot.broadcasts.lifecycle import CANCELLED, DONE
from famsbot.delivery.status import CANCELLED as ROW_CANCELLED
from famsbot.delivery.status import QUEUED
from famsbot.errors import ActionRefused
from famsbot.store.models import Outbox, StaffUser

__all__ = ["cancel_broadcast"]


async def cancel_broadcast(session: AsyncSession, staff: StaffUser, broadcast_id: int, *, now: datetime) -> int:
    """Cancel the broadcast for ``staff`` (who may see it); how many waiting messages were withdrawn.

    Raises:
        BroadcastNotFound: not one ``staff`` may see.
        ActionRefused: it was already cancelled, or had finished.
    """
    broadcast = await broadcast_for(session, staff, broadcast_id, lock=True)
    if broadcast.status == CANCELLED:
        raise ActionRefused("This broadcast was already cancelled.")
    if broadcast.status == DONE:
        raise ActionRefused("This broadcast has finished: there is nothing left to cancel.")
    broadcast.status, broadcast.cancelled_at, broadcast.cancelled_by = CANCELLED, now, staff.id
    session.add(broadcast)
    withdrawn = await session.exec(
        update(Outbox)
        .where(
            col(Outbox.broadcast_id) == broadcast_id,
            col(Outbox.status) == QUEUED,
            or_(col(Outbox.lease_until).is_(None), col(Outbox.lease_until) < now),
        )
        .values(status=ROW_CANCELLED, error=f"cancelled by {staff.email}")
        .execution_options(synchronize_session=False)
    )
    return int(withdrawn.rowcount or 0)
