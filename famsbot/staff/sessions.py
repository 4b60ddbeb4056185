"""Server-side staff sessions: revocable, expiring, and useless to anyone who reads the database.

The browser holds a random 32-byte token; the table holds only its SHA-256, so a copy of the
database (or a backup) cannot be turned into a login. A session ends when any of these happens:

* it is **idle** for ``IDLE_TIMEOUT`` (the inbox's background refresh does not count as activity,
  so a screen left open does not stay signed in forever);
* it reaches its **absolute** lifetime ``ABSOLUTE_TIMEOUT`` (a long shift), however active;
* the person logs out, logs in again (the old token is replaced), or an admin revokes their
  sessions;
* their account is deactivated (checked on every request, not only at login).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.store.models import StaffSession, StaffUser

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "IDLE_TIMEOUT",
    "Signed",
    "hash_token",
    "load_session",
    "revoke_all",
    "revoke_session",
    "start_session",
]

IDLE_TIMEOUT = timedelta(minutes=60)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # don't write last_seen_at on every click


@dataclass(frozen=True)
class Signed:
    """A signed-in member of staff: who they are, and the session (with its CSRF token) they use."""

    staff: StaffUser
    session: StaffSession

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def start_session(session: AsyncSession, staff: StaffUser, now: datetime, *, replacing: str | None) -> str:
    """Open a new session for ``staff`` and return its cookie token (never stored as such).

    ``replacing`` is the token the browser already had, if any: it is revoked, so a token planted
    in someone's browser before they log in is worthless afterwards (session fixation).
    """
    if replacing:
        await revoke_session(session, replacing, now)
    if staff.id is None:
        raise ValueError("the staff user must be saved before they can sign in")
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=hash_token(token), staff_id=staff.id, csrf_token=secrets.token_urlsafe(32),
            created_at=now, last_seen_at=now, expires_at=now + ABSOLUTE_TIMEOUT,
        )
    )
    staff.last_login_at = now
    session.add(staff)
    return token


async def load_session(session: AsyncSession, token: str, now: datetime, *, touch: bool) -> Signed | None:
    """The live session for ``token``, or ``None`` if it is unknown, revoked, expired or its user is inactive.

    ``touch`` marks the request as the person's own activity, which keeps an idle session alive.
    """
    query = (
        select(StaffSession, StaffUser)
        .join(StaffUser, col(StaffUser.id) == StaffSession.staff_id)
        .where(StaffSession.token_hash == hash_token(token))
    )
    row = (await session.exec(query)).first()
    if row is None:
        return None
    staff_session, staff = row
    if (
        staff_session.revoked_at is not None
        or not staff.active
        or now >= staff_session.expires_at
        or now >= staff_session.last_seen_at + IDLE_TIMEOUT
    ):
        return None
    if touch and now - staff_session.last_seen_at >= TOUCH_EVERY:
        staff_session.last_seen_at = now
        session.add(staff_session)
    return Signed(staff, staff_session)


async def revoke_session(session: AsyncSession, token: str, now: datetime) -> None:
    await session.exec(
        update(StaffSession)
        .where(col(StaffSession.token_hash) == hash_token(token), col(StaffSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )


async def revoke_all(session: AsyncSession, staff_id: int, now: datetime, *, keep_token_hash: str | None = None) -> int:
    """End every session of one member of staff (they left the team, or a device was lost).

    ``keep_token_hash`` spares one session: the one changing its own password.
    """
    query = (
        update(StaffSession)
        .where(col(StaffSession.staff_id) == staff_id, col(StaffSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    if keep_token_hash:
        query = query.where(col(StaffSession.token_hash) != keep_token_hash)
    result = await session.exec(query)
    return int(result.rowcount or 0)
