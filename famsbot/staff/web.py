"""The console's request plumbing: who is signed in, CSRF checks, and the refusals pages show.

Routes ask for ``SignedDep`` (any signed-in staff), ``PassiveDep`` (the same, for background
refreshes that must not keep an idle session alive) or ``CsrfDep`` (signed in *and* the request
carries the session's CSRF token: every POST). ``StaffRoute`` turns the refusals raised anywhere
below a route into pages: login needed → the login page; not in scope → 404; wrong role or bad
CSRF token → 403; a one-time code used to sign in → choose a password first. The headers every
console response needs are added by ``famsbot.staff.hardening``, for static files and errors too.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

import famsbot.staff.hardening  # noqa: F401 - registers the ``staffid`` path convertor before routes use it
from famsbot.clock import Clock
from famsbot.config import Settings
from famsbot.errors import AccessDenied, CsrfRefused, FamsbotError, LoginRequired, NotFound, PasswordChangeRequired
from famsbot.staff.csrf import submitted_token, tokens_match
from famsbot.staff.sessions import Signed, load_session
from famsbot.staff.templating import is_htmx, render
from famsbot.web.deps import ClockDep, DbDep

__all__ = [
    "COOKIE",
    "CsrfDep",
    "CsrfRefused",
    "LoginRequired",
    "NotFound",
    "PassiveDep",
    "SignedDep",
    "StaffRoute",
    "clear_session_cookie",
    "client_address",
    "set_session_cookie",
]

COOKIE = "famsbot_staff"
COOKIE_PATH = "/staff"
PASSWORD_PATHS = ("/staff/account/password", "/staff/logout")

def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """``HttpOnly`` (no script can read it), ``SameSite=Lax`` (not sent on cross-site POSTs), ``Secure`` in production.

    A *session* cookie (no ``Max-Age``): on a shared prison PC it goes when the browser closes. The
    server still ends the session after the idle and absolute timeouts, whichever comes first.
    """
    response.set_cookie(COOKIE, token, path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=settings.secure_transport)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=settings.secure_transport)


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, set ``FAMSBOT_TRUSTED_PROXIES`` so this is the real one)."""
    return request.client.host if request.client else "unknown"


async def _signed(request: Request, db: DbDep, clock: Clock, *, touch: bool) -> Signed:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    async with db.transaction() as session:
        signed = await load_session(session, token, clock.now(), touch=touch)
    if signed is None:
        raise LoginRequired()
    if signed.staff.must_change_password and request.url.path not in PASSWORD_PATHS:
        raise PasswordChangeRequired()
    return signed


async def signed_in(request: Request, db: DbDep, clock: ClockDep) -> Signed:
    return await _signed(request, db, clock, touch=True)


async def signed_in_passive(request: Request, db: DbDep, clock: ClockDep) -> Signed:
    return await _signed(request, db, clock, touch=False)


SignedDep = Annotated[Signed, Depends(signed_in)]
PassiveDep = Annotated[Signed, Depends(signed_in_passive)]


async def csrf_checked(request: Request, signed: SignedDep) -> Signed:
    if not tokens_match(signed.csrf_token, await submitted_token(request)):
        raise CsrfRefused()
    return signed


CsrfDep = Annotated[Signed, Depends(csrf_checked)]


def _login_redirect(request: Request) -> Response:
    if is_htmx(request):
        # htmx follows HX-Redirect with a full page load, so an expired session shows the login page, and
        # signing in again returns to the view the person had (the inbox with its search), not the front door.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + (f"?{current.query}" if current.query else "")
        target = "/staff/login"
        if back.startswith("/staff/") and back != "/staff/" and current.netloc in ("", request.url.netloc):
            target += "?next=" + quote(back, safe="")
        return Response(status_code=401, headers={"HX-Redirect": target})
    target = "/staff/login"
    if request.method == "GET" and request.url.path != "/staff/":
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?next=" + quote(path, safe="")
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


def _refusal(request: Request, exc: Exception) -> Response | None:
    """The page for a refusal; most specific first (they all share the ``AccessDenied`` family)."""
    if isinstance(exc, LoginRequired):
        return _login_redirect(request)
    if isinstance(exc, PasswordChangeRequired):
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": PASSWORD_PATHS[0]})
        return RedirectResponse(PASSWORD_PATHS[0], status_code=303)
    if isinstance(exc, NotFound):
        return render(request, "error.html", status_code=404, title="Not found",
                      message="There is nothing here, or it is not something your account can see.")
    if isinstance(exc, CsrfRefused):
        return render(request, "error.html", status_code=403, title="Please try again",
                      message="This form had expired or did not come from the console. Go back, reload the "
                              "page and try again.")
    if isinstance(exc, AccessDenied):
        return render(request, "error.html", status_code=403, title="Not available",
                      message="Your account's role does not include this part of the console.")
    return None


class StaffRoute(APIRoute):
    """Every console route: refusals become pages (the security headers are added for every response)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handler(request)
            except FamsbotError as exc:
                refusal = _refusal(request, exc)
                if refusal is None:
                    raise
                response = refusal
            return response

        return guarded
