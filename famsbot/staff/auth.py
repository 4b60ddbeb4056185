"""Checking a login: throttle first, then argon2, with one answer for every kind of failure.

An unknown email, a wrong password and a deactivated account all get the same refusal after the
same amount of work, so the login page does not reveal who has an account.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.errors import LoginRefused
from famsbot.staff.passwords import hash_password, needs_rehash, verify_password, waste_time
from famsbot.staff.throttle import LoginThrottle
from famsbot.store.models import StaffUser

__all__ = ["LoginRefused", "authenticate", "normalise_email"]




def normalise_email(email: str) -> str:
    return email.strip().lower()


async def authenticate(
    session: AsyncSession, email: str, password: str, *, address: str, now: datetime, throttle: LoginThrottle
) -> StaffUser:
    """The active member of staff with this email and password; raises :class:`LoginRefused` otherwise."""
    email = normalise_email(email)
    if wait := throttle.retry_after(email, address, now):
        raise LoginRefused(wait)
    staff = (await session.exec(select(StaffUser).where(StaffUser.email == email))).first()
    if staff is None:
        waste_time(password)
        ok = False
    else:
        ok = verify_password(staff.password_hash, password) and staff.active
    if not ok or staff is None:
        throttle.failed(email, address, now)
        raise LoginRefused()
    throttle.succeeded(email)
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
        session.add(staff)
    return staff
