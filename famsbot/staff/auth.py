"""Checking a sign-in: throttle first, then argon2, with one answer for every kind of failure.

An unknown email, a wrong password and a deactivated account all get the same refusal after the
same amount of work, so the login page does not reveal who has an account. The argon2 work runs
in a worker thread *between* two short transactions (read, then record), so a sign-in never holds
the database or the event loop while it hashes (issue 14).

Accounts with two-factor sign-in get a second step: a correct password yields a short-lived
signed *pending* token instead of a session, and the session starts only when the authenticator
code is right. Wrong codes count as failures in the same throttle.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.errors import LoginRefused
from famsbot.staff.audit import LOGIN_FAILED, LOGIN_OK, THROTTLED, record
from famsbot.staff.passwords import hash_async, needs_rehash, verify_async
from famsbot.staff.sessions import start_session
from famsbot.staff.throttle import recently_throttled, retry_after
from famsbot.staff.totp import code_ok
from famsbot.store.database import Database
from famsbot.store.models import StaffUser

__all__ = ["LoginRefused", "check_code", "check_password", "normalise_email", "pending_token", "sign_in"]

PENDING_FOR = timedelta(minutes=5)


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def check_password(db: Database, email: str, password: str, *, address: str, now: datetime) -> StaffUser:
    """The active member of staff with this email and password; raises :class:`LoginRefused` otherwise."""
    email = normalise_email(email)[:254]
    async with db.transaction() as session:
        wait = await retry_after(session, email, address, now)
        staff = None
        if wait:
            if not await recently_throttled(session, email, address, now):
                record(session, THROTTLED, email=email, address=address, now=now,
                       detail=f"asked to wait {int(wait.total_seconds()) + 1} s")
        else:
            staff = (await session.exec(select(StaffUser).where(StaffUser.email == email))).first()
    if wait:
        raise LoginRefused(wait)
    ok = await verify_async(staff.password_hash if staff else None, password)
    ok = ok and staff is not None and staff.active
    rehashed = await hash_async(password) if ok and staff and needs_rehash(staff.password_hash) else None
    async with db.transaction() as session:
        if not ok:
            why = "no such account" if staff is None else ("account deactivated" if not staff.active
                                                           else "wrong password")
            record(session, LOGIN_FAILED, email=email, address=address, now=now, detail=why)
        elif staff is not None and rehashed:
            staff.password_hash = rehashed
            session.add(staff)
    if not ok or staff is None:
        raise LoginRefused()
    return staff


async def sign_in(session: AsyncSession, staff: StaffUser, *, address: str, now: datetime,
                  replacing: str | None) -> str:
    """Record the sign-in and start the session; returns the cookie token."""
    record(session, LOGIN_OK, email=staff.email, address=address, now=now)
    return await start_session(session, staff, now, replacing=replacing)


def _pending_mac(secret_key: str, staff: StaffUser, expires: int) -> str:
    # The password hash is part of what is signed, so a password change voids a pending sign-in.
    message = f"pending:{staff.id}:{expires}:{staff.password_hash}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def pending_token(secret_key: str, staff: StaffUser, now: datetime) -> str:
    """Proof, for :data:`PENDING_FOR`, that this person gave the right password (the code step's form)."""
    expires = int((now + PENDING_FOR).timestamp())
    return f"{staff.id}.{expires}.{_pending_mac(secret_key, staff, expires)}"


async def check_code(db: Database, secret_key: str, token: str, code: str, *, address: str,
                     now: datetime) -> StaffUser:
    """The second step: the pending token must be genuine and fresh and the code right, within the throttle."""
    staff_id, _, rest = token.partition(".")
    expires, _, mac = rest.partition(".")
    if not (staff_id.isdigit() and expires.isdigit()) or int(expires) < now.timestamp():
        raise LoginRefused()
    async with db.transaction() as session:
        staff = await session.get(StaffUser, int(staff_id))
        genuine = staff is not None and staff.active and hmac.compare_digest(
            _pending_mac(secret_key, staff, int(expires)), mac)
        if not genuine or staff is None:
            wait, right = None, False
        else:
            wait = await retry_after(session, staff.email, address, now)
            right = not wait and staff.totp_secret is not None and code_ok(staff.totp_secret, code, now)
            if wait and not await recently_throttled(session, staff.email, address, now):
                record(session, THROTTLED, email=staff.email, address=address, now=now, detail="two-factor code")
            elif not right:
                record(session, LOGIN_FAILED, email=staff.email, address=address, now=now,
                       detail="wrong two-factor code")
    if wait:
        raise LoginRefused(wait)
    if not right or staff is None:
        raise LoginRefused()
    return staff
