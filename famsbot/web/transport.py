"""HTTP Strict Transport Security on every response in production.

In production the service is only ever reached over https (``FAMSBOT_PUBLIC_URL`` must be https),
though behind a platform's router the app itself sees plain http: so HSTS follows the environment,
never the scheme of the request or of the URL. Browsers then refuse to downgrade the staff
console to http for a year, which keeps its session cookie off the wire.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HSTS", "StrictTransport"]

HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class StrictTransport:
    """ASGI middleware: add the HSTS header to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), HSTS]
            await send(message)

        await self.app(scope, receive, send_with_hsts)
