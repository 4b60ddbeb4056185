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
from famsbot.staff.audit import record
from famsbot.staff.roles import ADMIN
from famsbot.staff.sessions import Signed, revoke_all
from famsbot.staff.templating import render
from famsbot.staff.web import CsrfDep, NotFound, SignedDep, StaffRoute, client_address
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


@router.post("/users/{user_id:staffid}/revoke")
async def revoke(request: Request, user_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep) -> Response:
    """Sign someone out everywhere (a lost device, a shared password)."""
    _admin(signed)
    now = clock.now()
    async with db.transaction() as session:
        user = await _target(session, user_id)
        if user.id is not None:
            ended = await revoke_all(session, user.id, now)
            record(session, "signed_out_everywhere", email=user.email, actor=signed.staff.email,
                   address=client_address(request), now=now, detail=f"{ended} session(s) ended")
    return RedirectResponse("/staff/users", status_code=303)


@router.post("/users/{user_id:staffid}/deactivate")
async def deactivate(request: Request, user_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                     content: ContentDep) -> Response:
    """Switch an account off and end its sessions (someone left the team)."""
    _admin(signed)
    if user_id == signed.staff.id:
        return await _page(request, signed, db, clock, content, status_code=422,
                           error="You cannot deactivate your own account: ask another admin.")
    await _switch(request, signed, db, clock, user_id, active=False)
    return RedirectResponse("/staff/users", status_code=303)


@router.post("/users/{user_id:staffid}/reactivate")
async def reactivate(request: Request, user_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep) -> Response:
    _admin(signed)
    await _switch(request, signed, db, clock, user_id, active=True)
    return RedirectResponse("/staff/users", status_code=303)


async def _switch(request: Request, signed: Signed, db: DbDep, clock: ClockDep, user_id: int, *,
                  active: bool) -> None:
    now = clock.now()
    async with db.transaction() as session:
        user = await _target(session, user_id)
        ended = await set_active(session, user, active, now)
        record(session, "reactivated" if active else "deactivated", email=user.email, actor=signed.staff.email,
               address=client_address(request), now=now, detail=None if active else f"{ended} session(s) ended")
