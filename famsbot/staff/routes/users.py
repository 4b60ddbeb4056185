"""Staff accounts, for admins: create them, reset passwords, change roles, end sessions, switch accounts off and on.

A new account and a reset password get a *one-time code*, shown once on the page that made it and
never stored as such: whoever signs in with it must choose their own password before anything else.
Every change is written to the security trail with who made it and from where.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import RedirectResponse, Response

from famsbot.content.prison_contact import prison_names
from famsbot.errors import AccessDenied, AccountError
from famsbot.staff.accounts import change_role, create_staff, list_staff, set_active, set_password
from famsbot.staff.audit import record
from famsbot.staff.passwords import hash_async
from famsbot.staff.roles import ADMIN, ROLES
from famsbot.staff.sessions import Signed, revoke_all
from famsbot.staff.templating import render
from famsbot.staff.web import CsrfDep, NotFound, SignedDep, StaffRoute, client_address
from famsbot.store.models import StaffSession, StaffUser
from famsbot.web.deps import ClockDep, ContentDep, DbDep

__all__ = ["router"]

router = APIRouter(route_class=StaffRoute)
FormText = Annotated[str, Form()]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread over the phone


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


def one_time_code() -> str:
    """``K7QM-3XPH-9RWD-TN4F``: 80 random bits, easy to read out, used once to choose a password."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


async def _page(request: Request, signed: Signed, db: DbDep, clock: ClockDep, content: ContentDep, *,
                notice: str | None = None, error: str | None = None, status_code: int = 200,
                code: tuple[str, str] | None = None, form: dict[str, str] | None = None) -> Response:
    now = clock.now()
    async with db.transaction() as session:
        users = await list_staff(session)
        sessions = await _live_sessions(session, now)
    prisons = prison_names(content)
    return render(request, "users.html", signed=signed, users=users, sessions=sessions, prisons=prisons,
                  notice=notice, error=error, status_code=status_code, code=code, form=form or {}, roles=ROLES)


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


@router.post("/users")
async def create(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, content: ContentDep,
                 email: FormText = "", role: FormText = "", prison: FormText = "") -> Response:
    """A new account with a one-time code, shown once here."""
    _admin(signed)
    code = one_time_code()
    code_hash = await hash_async(code)
    now = clock.now()
    try:
        async with db.transaction() as session:
            user = await create_staff(session, email=email, role=role, prison_id=prison or None,
                                      password_hash=code_hash, now=now, must_change_password=True)
            record(session, "account_created", email=user.email, actor=signed.staff.email,
                   address=client_address(request), now=now, detail=f"{user.role} ({user.prison_id or 'all prisons'})")
    except AccountError as exc:
        return await _page(request, signed, db, clock, content, status_code=422, error=f"Not created: {exc}.",
                           form={"email": email, "role": role, "prison": prison})
    return await _page(request, signed, db, clock, content, code=(user.email, code),
                       notice=f"Account created for {user.email}.")


@router.post("/users/{user_id:staffid}/reset")
async def reset(request: Request, user_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep, content: ContentDep,
                clear_totp: FormText = "") -> Response:
    """A forgotten password (or a lost phone): a one-time code, and every session of theirs ends."""
    _admin(signed)
    code = one_time_code()
    code_hash = await hash_async(code)
    now = clock.now()
    async with db.transaction() as session:
        user = await _target(session, user_id)
        ended = await set_password(session, user, code_hash, now, one_time=True)
        if clear_totp and user.totp_secret:
            user.totp_secret = None
            record(session, "totp_disabled", email=user.email, actor=signed.staff.email,
                   address=client_address(request), now=now, detail="by an admin, with a password reset")
        record(session, "password_reset", email=user.email, actor=signed.staff.email, address=client_address(request),
               now=now, detail=f"{ended} session(s) ended")
    return await _page(request, signed, db, clock, content, code=(user.email, code),
                       notice=f"Password reset for {user.email}.")


@router.post("/users/{user_id:staffid}/role")
async def change_user_role(request: Request, user_id: int, signed: CsrfDep, db: DbDep, clock: ClockDep,
                           content: ContentDep, role: FormText = "", prison: FormText = "") -> Response:
    _admin(signed)
    if user_id == signed.staff.id:
        return await _page(request, signed, db, clock, content, status_code=422,
                           error="You cannot change your own role: ask another admin.")
    now = clock.now()
    try:
        async with db.transaction() as session:
            user = await _target(session, user_id)
            change = change_role(user, role, prison or None)
            session.add(user)
            record(session, "role_changed", email=user.email, actor=signed.staff.email,
                   address=client_address(request), now=now, detail=change)
    except AccountError as exc:
        return await _page(request, signed, db, clock, content, status_code=422, error=f"Not changed: {exc}.")
    now_is = change.split(" → ")[1]
    return await _page(request, signed, db, clock, content, notice=f"{user.email} is now: {now_is}.")
