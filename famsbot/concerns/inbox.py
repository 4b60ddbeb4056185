"""What is waiting for safer custody: the scoped inbox, a concern's timeline, and what is overdue.

The inbox puts urgent concerns first and then the longest-waiting, because that is the order in
which someone may be at risk. A concern is *overdue* while nobody has acknowledged it past its
deadline: ``urgent_ack_minutes`` for urgent ones, ``concern_ack_hours`` for the rest (the same
settings the escalation job uses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.concerns.access import in_triage, require_concern_role, visible_to
from famsbot.config import Settings
from famsbot.store.models import Concern, ConcernEvent, StaffUser

__all__ = [
    "STATUS_FILTERS", "TRIAGE_QUEUE", "InboxRow", "ack_deadline", "inbox", "is_overdue", "owner_email", "timeline",
]

STATUS_FILTERS: Final = {
    "open": ("new", "acknowledged"),
    "new": ("new",),
    "acknowledged": ("acknowledged",),
    "closed": ("closed",),
    "all": ("new", "acknowledged", "closed"),
}
LIMIT = 200
TRIAGE_QUEUE = "triage"  # in place of a prison id: the concerns no prison team was alerted to


@dataclass(frozen=True)
class InboxRow:
    concern: Concern
    owner: str | None  # the email of whoever acknowledged it


def ack_deadline(concern: Concern, settings: Settings) -> datetime:
    """When this concern should have been acknowledged by."""
    if concern.urgent:
        return concern.created_at + timedelta(minutes=settings.urgent_ack_minutes)
    return concern.created_at + timedelta(hours=settings.concern_ack_hours)


def is_overdue(concern: Concern, now: datetime, settings: Settings) -> bool:
    return concern.status == "new" and now > ack_deadline(concern, settings)


async def inbox(session: AsyncSession, staff: StaffUser, *, status: str = "open", prison_id: str | None = None,
                limit: int = LIMIT) -> list[InboxRow]:
    """The concerns ``staff`` may see with this status: urgent first, then oldest (closed: latest closed first)."""
    require_concern_role(staff)
    owner = aliased(StaffUser)
    query = (
        select(Concern, owner.email)
        .outerjoin(owner, col(owner.id) == Concern.owner_id)
        .where(visible_to(staff), col(Concern.status).in_(STATUS_FILTERS.get(status, STATUS_FILTERS["open"])))
    )
    if prison_id == TRIAGE_QUEUE:
        query = query.where(in_triage())
    elif prison_id:
        query = query.where(Concern.prison_id == prison_id)
    if status == "closed":
        query = query.order_by(col(Concern.closed_at).desc(), col(Concern.id).desc())
    else:
        query = query.order_by(col(Concern.urgent).desc(), col(Concern.created_at), col(Concern.id))
    rows = (await session.exec(query.limit(limit))).all()
    return [InboxRow(concern, email) for concern, email in rows]


async def timeline(session: AsyncSession, concern: Concern) -> Sequence[ConcernEvent]:
    """Every event of one concern, oldest first (the caller has already checked scope)."""
    query = select(ConcernEvent).where(ConcernEvent.concern_id == concern.id)
    return (await session.exec(query.order_by(col(ConcernEvent.at), col(ConcernEvent.id)))).all()


async def owner_email(session: AsyncSession, concern: Concern) -> str | None:
    if concern.owner_id is None:
        return None
    return (await session.exec(select(StaffUser.email).where(StaffUser.id == concern.owner_id))).first()
