"""Refuse oversized request bodies before anything reads them (413).

The webhooks are open to the internet (their signature is checked only after the body is read)
and so is the staff login form: without a cap, a 97 MB post was read and parsed in full before
being refused, tripling the process's memory. This middleware sits in front of everything: a
declared ``Content-Length`` over the cap is refused from the headers alone; a body sent without
one (chunked) is counted as it arrives and refused as soon as it passes the cap, whatever the
route was doing with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_LIMITS", "BodyLimit"]

KIB = 1024

# Longest prefix wins. A Telegram update with a 4,096-character message, every character escaped,
# is about 30 KiB; a Twilio SMS post with 1,600 UCS-2 characters about 15 KiB. Staff forms carry a
# note or a notice of at most a few thousand characters.
DEFAULT_LIMITS: tuple[tuple[str, int], ...] = (
    ("/webhooks/", 64 * KIB),
    ("/staff/", 32 * KIB),
    ("", 16 * KIB),
)


class _TooLarge(Exception):
    """Raised into the app from ``receive`` when a streamed body passes the cap."""


class BodyLimit:
    """ASGI middleware: 413 for any HTTP request whose body is larger than its path's limit."""

    def __init__(self, app: ASGIApp, limits: Sequence[tuple[str, int]] = DEFAULT_LIMITS) -> None:
        self.app = app
        self.limits = sorted(limits, key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), self.limits[-1][1])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is None:
            await _refuse(send, 400, b"Bad Content-Length")
            return
        if declared > limit:
            await _refuse(send, 413, b"Request body too large")
            return

        received = 0
        overflow = False
        started = False

        async def counted() -> Message:
            nonlocal received, overflow
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflow = True
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if overflow:
                return  # whatever the route made of the interrupted body, the answer is 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not overflow:
                raise
        if overflow and not started:
            await _refuse(send, 413, b"Request body too large")


def _content_length(scope: Scope) -> int | None:
    """The declared length; 0 when none is declared; None when it is not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return 0


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
