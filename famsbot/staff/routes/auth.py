"""Signing in and out, and the console's front door."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from famsbot.staff.auth import LoginRefused, authenticate
from famsbot.staff.csrf import LOGIN_COOKIE, login_pair, login_token_ok
from famsbot.staff.navigation import nav_for
from famsbot.staff.sessions import revoke_session, start_session
from famsbot.staff.templating import render
from famsbot.staff.web import (
    COOKIE,
    CsrfDep,
    SignedDep,
    StaffRoute,
    clear_session_cookie,
    client_address,
    login_throttle,
    set_session_cookie,
)
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


@router.post("/login")
async def login(request: Request, db: DbDep, clock: ClockDep, settings: SettingsDep, email: FormText = "",
                password: FormText = "", csrf_token: FormText = "", next_: NextField = "") -> Response:
    if not login_token_ok(settings.secret_key, request.cookies.get(LOGIN_COOKIE), csrf_token):
        return _login_page(request, settings, next_=next_, email=email, status_code=403,
                           error="The sign-in form had expired. Please try again.")
    now = clock.now()
    try:
        async with db.transaction() as session:
            staff = await authenticate(session, email, password, address=client_address(request), now=now,
                                       throttle=login_throttle(request))
            token = await start_session(session, staff, now, replacing=request.cookies.get(COOKIE))
    except LoginRefused as exc:
        if exc.retry_after is not None:
            minutes = max(1, math.ceil(exc.retry_after.total_seconds() / 60))
            response = _login_page(request, settings, next_=next_, email=email, status_code=429,
                                   error=f"Too many failed attempts. Try again in {minutes} min.")
            response.headers["Retry-After"] = str(math.ceil(exc.retry_after.total_seconds()))
            return response
        return _login_page(request, settings, next_=next_, email=email, status_code=401,
                           error="That email and password do not match an active account.")
    response = RedirectResponse(_safe_next(next_), status_code=303)
    set_session_cookie(response, token, settings)
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/logout")
async def logout(request: Request, signed: CsrfDep, db: DbDep, clock: ClockDep, settings: SettingsDep) -> Response:
    async with db.transaction() as session:
        await revoke_session(session, request.cookies.get(COOKIE, ""), clock.now())
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
