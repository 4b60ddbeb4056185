"""Who may send and see which prison's notices: the one place every broadcast query is scoped.

PACT staff send to, and see, their own prison's families only; admins any prison's in the national
directory; nobody else
(safer custody staff included) sees broadcasts at all. Another prison's broadcast is reported as
*not found*, never *forbidden*, so a Maidstone account cannot even learn that Chelmsford sent one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.content.loader import get_content
from famsbot.errors import AccessDenied, BroadcastNotFound
from famsbot.staff.roles import ADMIN, PACT, sends_notices
from famsbot.store.models import Broadcast, StaffUser

__all__ = ["broadcast_for", "prisons_for", "require_sender", "require_sender_for", "visible_to"]


def require_sender(staff: StaffUser) -> None:
    """Raise :class:`AccessDenied` for roles that never send notices (safer custody)."""
    if not sends_notices(staff):
        raise AccessDenied(f"the {staff.role} role does not include family-day notices")


def prisons_for(staff: StaffUser) -> tuple[str, ...]:
    """The prisons whose families ``staff`` may send notices to."""
    if not sends_notices(staff):
        return ()
    if staff.role == ADMIN:
        return _open_prisons()
    return (staff.prison_id,) if staff.role == PACT and staff.prison_id else ()


def _open_prisons() -> tuple[str, ...]:
    """Every open prison (or bookable site) in England and Wales: an admin may send to any of them."""
    return tuple(sorted((p.id for p in get_content().directory if p.open), key=get_content().prison_name))


def require_sender_for(staff: StaffUser, prison_id: str) -> None:
    """Raise :class:`AccessDenied` unless ``staff`` may send to ``prison_id``'s families."""
    require_sender(staff)
    if prison_id not in prisons_for(staff):
        raise AccessDenied(f"{staff.email} may not send notices to {prison_id}")


def visible_to(staff: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause limiting broadcasts to those ``staff`` may see."""
    prisons = prisons_for(staff)
    if not prisons:
        return false()
    if staff.role == ADMIN:
        return true()
    return col(Broadcast.prison_id).in_(prisons)


async def broadcast_for(session: AsyncSession, staff: StaffUser, broadcast_id: int, *, lock: bool = False) -> Broadcast:
    """The broadcast, if ``staff`` may see it; ``lock`` holds the row for a read-modify-write."""
    require_sender(staff)
    query: Any = select(Broadcast).where(col(Broadcast.id) == broadcast_id, visible_to(staff))
    if lock:
        query = query.with_for_update()
    broadcast: Broadcast | None = (await session.exec(query)).first()
    if broadcast is None:
        raise BroadcastNotFound(f"broadcast {broadcast_id} not found")
    return broadcast
