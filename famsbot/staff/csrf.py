"""Cross-site request forgery: every state-changing request must prove it came from our own page.

Signed-in requests carry the session's token, as the ``csrf_token`` form field (plain forms) or the
``X-CSRF-Token`` header (htmx, set once on ``<body hx-headers=...>``). The login form has no
session yet, so it uses a signed double-submit token: a random nonce in a short-lived cookie, and
in the form the HMAC of that nonce under ``FAMSBOT_SECRET_KEY``. A forged cross-site form can
neither read the cookie nor compute the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request

__all__ = ["FIELD", "HEADER", "LOGIN_COOKIE", "login_pair", "login_token_ok", "submitted_token", "tokens_match"]

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "famsbot_login"


def tokens_match(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode("utf-8"), (given or "").encode("utf-8"))


async def submitted_token(request: Request) -> str | None:
    """The token the request carries: the header if present, else the form field."""
    if header := request.headers.get(HEADER):
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(FIELD)
        return value if isinstance(value, str) else None
    return None


def _sign(secret_key: str, nonce: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), b"login-csrf:" + nonce.encode("utf-8"), hashlib.sha256).hexdigest()


def login_pair(secret_key: str) -> tuple[str, str]:
    """A fresh ``(cookie nonce, form token)`` for the login page."""
    nonce = secrets.token_urlsafe(32)
    return nonce, _sign(secret_key, nonce)


def login_token_ok(secret_key: str, nonce: str | None, given: str | None) -> bool:
    return bool(nonce) and tokens_match(_sign(secret_key, nonce or ""), given)
