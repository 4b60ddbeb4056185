"""Your own account: change your password, and turn two-factor sign-in on or off.

Someone who signed in with an admin's one-time code lands here and can do nothing else until they
have chosen a password of their own. Passwords are hashed in a worker thread between transactions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from famsbot.staff.accounts import set_password
from famsbot.staff.audit import record
from famsbot.staff.passwords import hash_async, password_problems, verify_async
from famsbot.staff.sessions import Signed
from famsbot.staff.templating import render
from famsbot.staff.totp import code_ok, new_secret, provisioning_uri
from famsbot.staff.web import CsrfDep, SignedDep, StaffRoute, client_address
from famsbot.store.models import StaffUser
from famsbot.web.deps import ClockDep, DbDep

__all__ = ["router"]

router = APIRouter(route_class=StaffRoute)
FormText = Annotated[str, Form()]


def _page(request: Request, signed: Signed, *, status_code: int = 200, notice: str | None = None,
          errors: dict[str, str] | None = None, secret: str | None = None) -> Response:
    return render(request, "account.html", signed=signed, status_code=status_code, notice=notice,
                  errors=errors or {}, secret=secret,
                  otpauth=provisioning_uri(secret, signed.staff.email) if secret else None)


@router.get("/account")
async def account_page(request: Request, signed: SignedDep) -> Response:
    return _page(request, signed)


@router.get("/account/password")
async def password_page(request: Request, signed: SignedDep) -> Response:
    return _page(request, signed)


@router.post("/account/password")
async def change_password(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, current: FormText = "",
                          new: FormText = "", confirm: FormText = "") -> Response:
    """Change your own password; your other sessions end, this one stays."""
    staff = signed.staff
    errors: dict[str, str] = {}
    if not staff.must_change_password and not await verify_async(staff.password_hash, current):
        errors["current"] = "That is not your current password."
    if problems := password_problems(new, staff.email):
        errors["new"] = problems[0]
    elif new != confirm:
        errors["confirm"] = "The two new passwords are different."
    if errors:
        return _page(request, signed, status_code=422, errors=errors)
    new_hash = await hash_async(new)
    now = clock.now()
    async with db.transaction() as session:
        user = await session.get(StaffUser, staff.id)
        if user is not None:
            ended = await set_password(session, user, new_hash, now, one_time=False,
                                       keep_token_hash=signed.session.token_hash)
            record(session, "password_changed", email=user.email, address=client_address(request), now=now,
                   detail=f"{ended} other session(s) signed out")
    return RedirectResponse("/staff/account?changed=1", status_code=303)


@router.post("/account/totp/start")
async def totp_start(request: Request, signed: CsrfDep) -> Response:
    """Show a new secret to put into an authenticator app; nothing changes until a code confirms it."""
    return _page(request, signed, secret=new_secret())


@router.post("/account/totp/confirm")
async def totp_confirm(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, secret: FormText = "",
                       code: FormText = "") -> Response:
    now = clock.now()
    if len(secret) not in range(16, 65) or not secret.isalnum() or not code_ok(secret, code, now):
        return _page(request, signed, status_code=422, secret=secret if secret.isalnum() else new_secret(),
                     errors={"code": "That code does not match. Check the app shows famsbot staff, then type its "
                                     "current six digits."})
    async with db.transaction() as session:
        user = await session.get(StaffUser, signed.staff.id)
        if user is not None:
            user.totp_secret = secret
            session.add(user)
            record(session, "totp_enabled", email=user.email, address=client_address(request), now=now)
    return RedirectResponse("/staff/account?totp=on", status_code=303)


@router.post("/account/totp/disable")
async def totp_disable(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep,
                       current: FormText = "") -> Response:
    if not await verify_async(signed.staff.password_hash, current):
        return _page(request, signed, status_code=422,
                     errors={"totp_current": "That is not your current password."})
    now = clock.now()
    async with db.transaction() as session:
        user = await session.get(StaffUser, signed.staff.id)
        if user is not None:
            user.totp_secret = None
            session.add(user)
            record(session, "totp_disabled", email=user.email, address=client_address(request), now=now)
    return RedirectResponse("/staff/account?totp=off", status_code=303)
