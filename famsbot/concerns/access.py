"""Who may see which concerns: the one place every concern query is scoped.

Safer custody staff see their own prison's concerns, admins see all (including concerns whose
prison is not known yet), triage staff see the national triage queue (concerns no prison team was
alerted to), PACT staff see none. A concern outside someone's scope is reported as
*not found*, never *forbidden*, so the console does not reveal that it exists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.content.loader import get_content
from famsbot.content.prison_contact import establishment
from famsbot.errors import AccessDenied, ConcernNotFound
from famsbot.staff.roles import ADMIN, SAFER_CUSTODY, TRIAGE, sees_concerns
from famsbot.store.models import Concern, StaffUser

__all__ = ["TRIAGE_ROUTES", "ConcernNotFound", "concern_for", "in_triage", "require_concern_role", "visible_to"]

TRIAGE_ROUTES = ("national", "console")  # ``Concern.routed_to`` of a concern no prison team was alerted to


def in_triage() -> ColumnElement[bool]:
    """The national triage queue: concerns whose alerts reached no prison's own team."""
    return col(Concern.routed_to).in_(TRIAGE_ROUTES)




def require_concern_role(staff: StaffUser) -> None:
    """Raise :class:`AccessDenied` for roles that never see concerns (PACT)."""
    if not sees_concerns(staff):
        raise AccessDenied(f"the {staff.role} role does not include welfare concerns")


def visible_to(staff: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause limiting concerns to those ``staff`` may see."""
    if not staff.active:
        return false()
    if staff.role == ADMIN:
        return true()
    if staff.role == SAFER_CUSTODY and staff.prison_id:
        return col(Concern.prison_id).in_(establishment(get_content(), staff.prison_id))  # all its sites
    if staff.role == TRIAGE:
        return in_triage()
    return false()


async def concern_for(session: AsyncSession, staff: StaffUser, concern_id: int, *, lock: bool = False) -> Concern:
    """The concern, if ``staff`` may see it; ``lock`` holds the row for a read-modify-write (PostgreSQL)."""
    require_concern_role(staff)
    query: Any = select(Concern).where(Concern.id == concern_id, visible_to(staff))
    if lock:
        query = query.with_for_update()
    concern: Concern | None = (await session.exec(query)).first()
    if concern is None:
        raise ConcernNotFound(f"concern {concern_id} not found")
    return concern
