"""The security audit trail: who signed in, who failed, who was slowed down, and what admins changed.

Admins read it in the console (``/staff/security``); the login throttle counts failures from it.
Every entry says who (the account concerned, and who acted), when, and from which address.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.store.models import SecurityEvent

__all__ = ["KINDS", "LOGIN_FAILED", "LOGIN_OK", "THROTTLED", "UNLOCKED", "recent", "record"]

LOGIN_OK: Final = "login_ok"
LOGIN_FAILED: Final = "login_failed"
THROTTLED: Final = "login_throttled"
UNLOCKED: Final = "unlocked"
KINDS: Final = {
    LOGIN_OK: "Signed in",
    LOGIN_FAILED: "Sign-in failed",
    THROTTLED: "Sign-in slowed down (too many failures)",
    UNLOCKED: "Sign-in slow-down lifted by an admin",
    "code_failed": "Wrong two-factor code",
    "logout": "Signed out",
    "signed_out_everywhere": "Signed out everywhere",
    "account_created": "Account created",
    "deactivated": "Account deactivated",
    "reactivated": "Account reactivated",
    "role_changed": "Role or prison changed",
    "password_changed": "Password changed",
    "password_reset": "Password reset with a one-time code",
    "totp_enabled": "Two-factor sign-in turned on",
    "totp_disabled": "Two-factor sign-in turned off",
    "concerns_exported": "Concerns exported (CSV)",
}
PAGE: Final = 200


def record(session: AsyncSession, kind: str, *, email: str, address: str, now: datetime, actor: str | None = None,
           detail: str | None = None) -> SecurityEvent:
    """Add one entry (in the caller's transaction, so it stands or falls with the change it records)."""
    event = SecurityEvent(at=now, kind=kind, email=email[:254], actor=(actor or email)[:254], address=address[:64],
                          detail=detail)
    session.add(event)
    return event


async def recent(session: AsyncSession, *, email: str | None = None, limit: int = PAGE) -> Sequence[SecurityEvent]:
    """The newest entries first, for everyone or for one account."""
    query = select(SecurityEvent).order_by(col(SecurityEvent.at).desc(), col(SecurityEvent.id).desc())
    if email:
        query = query.where(SecurityEvent.email == email)
    return (await session.exec(query.limit(limit))).all()
