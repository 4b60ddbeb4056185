"""Staff accounts, for admins: see who has access, end someone's sessions, switch accounts off and on."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import RedirectResponse, Response

from famsbot.errors import AccessDenied
from famsbot.staff.accounts import list_staff, set_active
from famsbot.staff.roles import ADMIN
from famsbot.staff.sessions import Signed, revoke_all
from famsbot.staff.templating import render
from famsbot.staff.web import CsrfDep, NotFound, SignedDep, StaffRoute
from famsbot.store.models import StaffSession, StaffUser
from famsbot.web.deps import ClockDep, ContentDep, DbDep

__all__ = ["router"]

router = APIRouter(route_class=StaffRoute)


def _admin(signed: Signed) -> None:
    if signed.staff.role != ADMIN:
        raise AccessDenied("staff accounts are managed by admins")


async def _live_sessions(session: AsyncSession, now: datetime) -> dict[int, int]:
    query = (
        select(StaffSession.staff_id, func.count())
        .where(col(StaffSession.revoked_at).is_(None), col(StaffSession.expires_at) > now)
        .group_by(col(StaffSession.staff_id))
    )
    return {staff_id: count for staff_id, count in (await session.exec(query)).all()}


async def _page(request: Request, signed: Signed, db: DbDep, clock: ClockDep, content: ContentDep, *,
                notice: str | None = None, error: str | None = None, status_code: int = 200) -> Response:
    now = clock.now()
    async with db.transaction() as session:
        users = await list_staff(session)
        sessions = await _live_sessions(session, now)
    prisons = {pid: p.name for pid, p in content.prisons.items()}
    return render(request, "users.html", signed=signed, users=users, sessions=sessions, prisons=prisons,
                  notice=notice, error=error, status_code=status_code)


@router.get("/users")
async def users_page(request: Request, signed: SignedDep, db: DbDep, clock: ClockDep, content: ContentDep) -> Response:
    _admin(signed)
    return await _page(request, signed, db, clock, content)


async def _target(session: AsyncSession, user_id: int) -> StaffUser:
    user = (await session.exec(select(StaffUser).where(StaffUser.id == user_id))).first()
    if user is None:
        raise NotFound(f"staff user {user_id}")
    return user


@router.post("/users/{user_id}/revoke")
async def revoke(user_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep) -> Response:
    """Sign someone out everywhere (a lost device, a shared password)."""
    _admin(signed)
    async with db.transaction() as session:
        user = await _target(session, user_id)
        if user.id is not None:
            await revoke_all(session, user.id, clock.now())
    return RedirectResponse("/staff/users", status_code=303)


@router.post("/users/{user_id}/deactivate")
async def deactivate(request: Request, user_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                     content: ContentDep) -> Response:
    """Switch an account off and end its sessions (someone left the team)."""
    _admin(signed)
    if user_id == signed.staff.id:
        return await _page(request, signed, db, clock, content, status_code=422,
                           error="You cannot deactivate your own account: ask another admin.")
    async with db.transaction() as session:
        await set_active(session, await _target(session, user_id), False, clock.now())
    return RedirectResponse("/staff/users", status_code=303)


@router.post("/users/{user_id}/reactivate")
async def reactivate(user_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep) -> Response:
    _admin(signed)
    async with db.transaction() as session:
        await set_active(session, await _target(session, user_id), True, clock.now())
    return RedirectResponse("/staff/users", status_code=303)
