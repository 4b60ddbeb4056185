"""Staff accounts: creating them (``famsbot staff add``), and switching access off.

Accounts are created from the command line by whoever runs the service; the console only lets an
admin end sessions and deactivate or reactivate people, which is what a team change needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.errors import AccountError
from famsbot.staff.auth import normalise_email
from famsbot.staff.passwords import MIN_LENGTH, hash_password
from famsbot.staff.roles import account_problems
from famsbot.staff.sessions import revoke_all
from famsbot.store.models import StaffUser

__all__ = ["AccountError", "create_staff", "find_staff", "list_staff", "set_active"]




def _email_problems(email: str) -> list[str]:
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or any(ch.isspace() for ch in email) or len(email) > 254:
        return [f"{email!r} is not an email address"]
    return []


async def create_staff(
    session: AsyncSession, *, email: str, role: str, prison_id: str | None, password: str, now: datetime
) -> StaffUser:
    """Add an account; raises :class:`AccountError` listing every problem with the request."""
    email = normalise_email(email)
    problems = _email_problems(email) + account_problems(role, prison_id)
    if len(password) < MIN_LENGTH:
        problems.append(f"the password must be at least {MIN_LENGTH} characters")
    if await find_staff(session, email) is not None:
        problems.append(f"there is already an account for {email}")
    if problems:
        raise AccountError("; ".join(problems))
    staff = StaffUser(
        email=email, password_hash=hash_password(password), role=role, prison_id=prison_id, active=True,
        created_at=now,
    )
    session.add(staff)
    await session.flush()
    return staff


async def find_staff(session: AsyncSession, email: str) -> StaffUser | None:
    return (await session.exec(select(StaffUser).where(StaffUser.email == normalise_email(email)))).first()


async def list_staff(session: AsyncSession) -> Sequence[StaffUser]:
    return (await session.exec(select(StaffUser).order_by(col(StaffUser.email)))).all()


async def set_active(session: AsyncSession, staff: StaffUser, active: bool, now: datetime) -> int:
    """Switch an account on or off; switching off also ends its sessions (returns how many)."""
    staff.active = active
    session.add(staff)
    if active or staff.id is None:
        return 0
    return await revoke_all(session, staff.id, now)
