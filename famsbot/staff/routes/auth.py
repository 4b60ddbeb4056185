"""Signing in (password, then the authenticator code for accounts that use one) and out, and the front door."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from famsbot.staff.audit import record
from famsbot.staff.auth import LoginRefused, check_code, check_password, pending_token, sign_in
from famsbot.staff.csrf import LOGIN_COOKIE, login_pair, login_token_ok
from famsbot.staff.navigation import nav_for
from famsbot.staff.sessions import revoke_session
from famsbot.staff.templating import render
from famsbot.staff.web import (
    COOKIE,
    CsrfDep,
    SignedDep,
    StaffRoute,
    clear_session_cookie,
    client_address,
    set_session_cookie,
)
from famsbot.store.models import StaffUser
from famsbot.web.deps import ClockDep, DbDep, SettingsDep

router = APIRouter(route_class=StaffRoute)

FormText = Annotated[str, Form()]
NextQuery = Annotated[str | None, Query(alias="next")]
NextField = Annotated[str, Form(alias="next")]
LOGIN_PATH = "/staff/login"


def _safe_next(target: str | None) -> str:
    """Only ever return to a page of the console: never to another site (open redirect)."""
    if target and target.startswith("/staff/") and "//" not in target and "\\" not in target:
        return target
    return "/staff/"


def _login_page(request: Request, settings: SettingsDep, *, next_: str | None, error: str | None = None,
                email: str = "", status_code: int = 200) -> Response:
    nonce, token = login_pair(settings.secret_key)
    response = render(request, "login.html", status_code=status_code, login_token=token, error=error,
                      email=email, next=_safe_next(next_))
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path=LOGIN_PATH, httponly=True, samesite="lax",
                        secure=settings.secure_transport)
    return response


@router.get("/login")
async def login_form(request: Request, settings: SettingsDep, next_: NextQuery = None) -> Response:
    return _login_page(request, settings, next_=next_)


def _refused(request: Request, settings: SettingsDep, exc: LoginRefused, *, next_: str, email: str) -> Response:
    if exc.retry_after is not None:
        seconds = math.ceil(exc.retry_after.total_seconds())
        unit = "second" if seconds == 1 else "seconds"
        wait = f"{seconds} {unit}" if seconds <= 120 else f"{math.ceil(seconds / 60)} minutes"
        response = _login_page(request, settings, next_=next_, email=email, status_code=429,
                               error=f"Too many failed attempts for this account or computer. Wait {wait}, then "
                                     "try again. An admin can lift this straight away.")
        response.headers["Retry-After"] = str(seconds)
        return response
    return _login_page(request, settings, next_=next_, email=email, status_code=401,
                       error="That email and password do not match an active account.")


async def _signed_in(request: Request, db: DbDep, settings: SettingsDep, staff: StaffUser, *, now: datetime,
                     next_: str) -> Response:
    async with db.transaction() as session:
        token = await sign_in(session, staff, address=client_address(request), now=now,
                              replacing=request.cookies.get(COOKIE))
    target = "/staff/account/password" if staff.must_change_password else _safe_next(next_)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token, settings)
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


def _code_page(request: Request, settings: SettingsDep, *, pending: str, next_: str, error: str | None = None,
               status_code: int = 200) -> Response:
    nonce, token = login_pair(settings.secret_key)
    response = render(request, "login_code.html", status_code=status_code, login_token=token, pending=pending,
                      next=_safe_next(next_), error=error)
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path=LOGIN_PATH, httponly=True, samesite="lax",
                        secure=(settings.public_url or "").startswith("https://"))
    return response


@router.post("/login")
async def login(request: Request, db: DbDep, clock: ClockDep, settings: SettingsDep, email: FormText = "",
                password: FormText = "", csrf_token: FormText = "", next_: NextField = "") -> Response:
    if not login_token_ok(settings.secret_key, request.cookies.get(LOGIN_COOKIE), csrf_token):
        return _login_page(request, settings, next_=next_, email=email, status_code=403,
                           error="The sign-in form had expired. Please try again.")
    now = clock.now()
    try:
        staff = await check_password(db, email, password, address=client_address(request), now=now)
    except LoginRefused as exc:
        return _refused(request, settings, exc, next_=next_, email=email)
    if staff.totp_secret:
        return _code_page(request, settings, pending=pending_token(settings.secret_key, staff, now), next_=next_)
    return await _signed_in(request, db, settings, staff, now=now, next_=next_)


@router.post("/login/code")
async def login_code(request: Request, db: DbDep, clock: ClockDep, settings: SettingsDep, code: FormText = "",
                     pending: FormText = "", csrf_token: FormText = "", next_: NextField = "") -> Response:
    """The second step for accounts with two-factor sign-in: the code from the authenticator app."""
    if not login_token_ok(settings.secret_key, request.cookies.get(LOGIN_COOKIE), csrf_token):
        return _login_page(request, settings, next_=next_, status_code=403,
                           error="The sign-in form had expired. Please try again.")
    now = clock.now()
    try:
        staff = await check_code(db, settings.secret_key, pending, code, address=client_address(request), now=now)
    except LoginRefused as exc:
        if exc.retry_after is not None or not pending:
            return _refused(request, settings, exc, next_=next_, email="")
        return _code_page(request, settings, pending=pending, next_=next_, status_code=401,
                          error="That code is not right. Type the six digits your authenticator app shows now.")
    return await _signed_in(request, db, settings, staff, now=now, next_=next_)


@router.post("/logout")
async def logout(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, settings: SettingsDep) -> Response:
    async with db.transaction() as session:
        await revoke_session(session, request.cookies.get(COOKIE, ""), clock.now())
        record(session, "logout", email=signed.staff.email, address=client_address(request), now=clock.now())
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(response, settings)
    return response


@router.get("/")
async def home(request: Request, signed: SignedDep) -> Response:
    """Straight to the first section this role has; a page saying so when there is none yet."""
    sections = nav_for(signed.staff)
    if sections:
        return RedirectResponse(sections[0].path, status_code=303)
    return render(request, "home.html", signed=signed)
