"""Who has a concern: assigning, handing over and letting go, each recorded in the concern's timeline.

Acknowledging takes a concern for yourself; this is for the other moves a team makes: the duty
officer hands a concern to a colleague, someone going on leave hands theirs back. Only people who
could see the concern anyway may hold it: active safer custody staff of its prison, or an admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.concerns.access import concern_for
from famsbot.errors import ActionRefused
from famsbot.staff.roles import ADMIN, SAFER_CUSTODY
from famsbot.store.models import Concern, ConcernEvent, StaffUser

__all__ = ["assign", "colleagues"]


async def colleagues(session: AsyncSession, concern: Concern) -> Sequence[StaffUser]:
    """Everyone who may hold this concern, by email."""
    query = select(StaffUser).where(
        col(StaffUser.active).is_(True),
        or_(col(StaffUser.role) == ADMIN,
            and_(col(StaffUser.role) == SAFER_CUSTODY, col(StaffUser.prison_id) == concern.prison_id)),
    )
    return (await session.exec(query.order_by(col(StaffUser.email)))).all()


async def assign(session: AsyncSession, staff: StaffUser, concern_id: int, to_id: int | None, *,
                 now: datetime) -> ConcernEvent:
    """Give the concern to ``to_id`` (``None``: nobody); refused for a closed concern or someone who may not hold it."""
    concern = await concern_for(session, staff, concern_id, lock=True)
    if concern.status == "closed":
        raise ActionRefused(f"{concern.reference} is closed.")
    before = (await session.get(StaffUser, concern.owner_id)) if concern.owner_id is not None else None
    target = None
    if to_id is not None:
        target = next((s for s in await colleagues(session, concern) if s.id == to_id), None)
        if target is None:
            raise ActionRefused("That person cannot hold this concern: choose someone from its prison's team.",
                                field="owner")
    if (before.id if before else None) == (target.id if target else None):
        raise ActionRefused(f"{target.email if target else 'Nobody'} already has {concern.reference}.", field="owner")
    concern.owner_id = target.id if target else None
    session.add(concern)
    kind = "unassigned" if target is None else ("reassigned" if before else "assigned")
    event = ConcernEvent(concern_id=concern_id, at=now, actor_id=staff.id, actor=staff.email, kind=kind,
                         data={"from": before.email if before else None, "to": target.email if target else None})
    session.add(event)
    return event
