"""What every response under ``/staff`` gets, whichever part of the stack produced it.

Route handlers are not the only source of responses: static files, "no such page" answers from
the router, and FastAPI's own validation errors come from elsewhere. So:

* :class:`SecurityHeaders` (ASGI middleware) adds the console's headers to *every* ``/staff``
  response: no caching of personal data, no framing, a strict Content-Security-Policy;
* :func:`install` turns the router's 404s and FastAPI's validation errors under ``/staff`` into
  the console's own error page (never a JSON body, never a 500), and an unexpected failure into
  a plain "something went wrong" page that still carries the headers (it is answered outside the
  middleware, so they are set on it directly);
* ids in console paths use the ``staffid`` convertor: at most nine digits, so ``abc`` or a
  40-digit id is simply "no such page" instead of a database overflow;
* :class:`ConsoleStatic` serves only the console's stylesheet and script (not its README).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from famsbot.staff.templating import render

__all__ = ["PREFIX", "SECURITY_HEADERS", "ConsoleStatic", "SecurityHeaders", "install"]

PREFIX = "/staff"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
SERVED = (".css", ".js")


class StaffId(Convertor[int]):
    """A database id in a console path: 1 to 9 digits (PostgreSQL integers stop at 2 147 483 647)."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("staffid", StaffId())


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` (unless a route chose its own) to every ``/staff`` response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(PREFIX):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
                         if name.lower().encode() not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)


class ConsoleStatic(StaticFiles):
    """The console's own assets only: anything else in the folder (its README) is not found."""

    def get_response(self, path: str, scope: Scope) -> Any:
        if not path.endswith(SERVED):
            raise HTTPException(status_code=404)
        return super().get_response(path, scope)


def _error_page(request: Request, status_code: int) -> Response:
    if status_code == 404:
        return render(request, "error.html", status_code=404, title="Not found",
                      message="There is nothing here, or it is not something your account can see.")
    return render(request, "error.html", status_code=status_code, title="Something was not right",
                  message="The console could not use that request. Go back and try again.")


def install(app: FastAPI) -> None:
    """Wire the headers and the error pages into the app (``create_app`` calls this once)."""
    app.add_middleware(SecurityHeaders)

    async def http_error(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(PREFIX) and isinstance(exc, HTTPException) and exc.status_code >= 400:
            return _error_page(request, exc.status_code)
        return await http_exception_handler(request, exc)  # type: ignore[arg-type]

    async def invalid(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(PREFIX):
            return _error_page(request, 400)
        return await request_validation_exception_handler(request, exc)  # type: ignore[arg-type]

    async def failed(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith(PREFIX):
            return PlainTextResponse("Internal Server Error", status_code=500)
        response = render(request, "error.html", status_code=500, title="Something went wrong",
                          message="The console could not finish that. Nothing you typed is lost by going back; "
                                  "try again in a minute, and tell your admin if it keeps happening.")
        response.headers.update(SECURITY_HEADERS)
        return response

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, failed)
