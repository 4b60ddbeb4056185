"""The console's request plumbing: who is signed in, CSRF checks, and the refusals pages show.

Routes ask for ``SignedDep`` (any signed-in staff), ``PassiveDep`` (the same, for background
refreshes that must not keep an idle session alive) or ``CsrfDep`` (signed in *and* the request
carries the session's CSRF token: every POST). ``StaffRoute`` turns the refusals raised anywhere
below a route into pages: login needed → the login page; not in scope → 404; wrong role or bad
CSRF token → 403. It also adds the headers every console response needs (no caching of personal
data, no framing, a strict Content-Security-Policy).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, cast
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from famsbot.clock import Clock
from famsbot.config import Settings
from famsbot.errors import AccessDenied, CsrfRefused, FamsbotError, LoginRequired, NotFound
from famsbot.staff.csrf import submitted_token, tokens_match
from famsbot.staff.sessions import ABSOLUTE_TIMEOUT, Signed, load_session
from famsbot.staff.templating import is_htmx, render
from famsbot.staff.throttle import LoginThrottle
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
    "login_throttle",
    "set_session_cookie",
]

COOKIE = "famsbot_staff"
COOKIE_PATH = "/staff"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}








def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """``HttpOnly`` (no script can read it), ``SameSite=Lax`` (no cross-site POSTs), ``Secure`` in production."""
    response.set_cookie(COOKIE, token, max_age=int(ABSOLUTE_TIMEOUT.total_seconds()), path=COOKIE_PATH,
                        httponly=True, samesite="lax", secure=settings.secure_transport)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=settings.secure_transport)


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, set ``FAMSBOT_TRUSTED_PROXIES`` so this is the real one)."""
    return request.client.host if request.client else "unknown"


def login_throttle(request: Request) -> LoginThrottle:
    """The app's login throttle, made on first use (one per app, so tests never share counts)."""
    state = request.app.state
    if getattr(state, "staff_login_throttle", None) is None:
        state.staff_login_throttle = LoginThrottle()
    return cast(LoginThrottle, state.staff_login_throttle)


async def _signed(request: Request, db: DbDep, clock: Clock, *, touch: bool) -> Signed:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    async with db.transaction() as session:
        signed = await load_session(session, token, clock.now(), touch=touch)
    if signed is None:
        raise LoginRequired()
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
        # htmx follows HX-Redirect with a full page load, so an expired session shows the login page.
        return Response(status_code=401, headers={"HX-Redirect": "/staff/login"})
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
    """Every console route: refusals become pages, and every response gets the security headers."""

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
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return guarded
