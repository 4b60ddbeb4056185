"""Staff accounts: creating them (``famsbot staff add`` or an admin in the console), and changing them.

Every change made in the console is written to the security audit trail by the route, in the same
transaction. Passwords are hashed by the caller, outside the transaction (argon2 is slow on
purpose), so these functions take a ready hash; the command line passes the password itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.errors import AccountError
from famsbot.staff.auth import normalise_email
from famsbot.staff.passwords import hash_password, password_problems
from famsbot.staff.roles import account_problems
from famsbot.staff.sessions import revoke_all
from famsbot.store.models import StaffUser

__all__ = ["AccountError", "change_role", "create_staff", "find_staff", "list_staff", "set_active", "set_password"]




def _email_problems(email: str) -> list[str]:
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or any(ch.isspace() for ch in email) or len(email) > 254:
        return [f"{email!r} is not an email address"]
    return []


async def create_staff(
    session: AsyncSession, *, email: str, role: str, prison_id: str | None, password: str | None = None,
    password_hash: str | None = None, now: datetime, must_change_password: bool = False,
) -> StaffUser:
    """Add an account; raises :class:`AccountError` listing every problem with the request.

    Give ``password`` (checked for strength, then hashed) or a ready ``password_hash`` of one the
    caller already checked (the console's one-time code).
    """
    email = normalise_email(email)
    problems = _email_problems(email) + account_problems(role, prison_id)
    if password is not None:
        problems += [p[0].lower() + p[1:].rstrip(".") for p in password_problems(password, email)]
    if await find_staff(session, email) is not None:
        problems.append(f"there is already an account for {email}")
    if problems:
        raise AccountError("; ".join(problems))
    if password_hash is None:
        if password is None:
            raise AccountError("a password is needed")
        password_hash = hash_password(password)
    staff = StaffUser(
        email=email, password_hash=password_hash, role=role, prison_id=prison_id, active=True, created_at=now,
        must_change_password=must_change_password,
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


async def set_password(session: AsyncSession, staff: StaffUser, password_hash: str, now: datetime, *,
                       one_time: bool, keep_token_hash: str | None = None) -> int:
    """Store a new password hash and end the account's other sessions (returns how many).

    ``one_time``: an admin's reset code, which only lets its holder choose a new password.
    ``keep_token_hash``: the session of the person changing their own password stays signed in.
    """
    staff.password_hash = password_hash
    staff.must_change_password = one_time
    session.add(staff)
    if staff.id is None:
        return 0
    return await revoke_all(session, staff.id, now, keep_token_hash=keep_token_hash)


def change_role(staff: StaffUser, role: str, prison_id: str | None) -> str:
    """Change someone's role and prison; returns what changed, in words, for the audit trail."""
    problems = account_problems(role, prison_id)
    if problems:
        raise AccountError("; ".join(problems))
    before = f"{staff.role} ({staff.prison_id or 'all prisons'})"
    staff.role, staff.prison_id = role, prison_id
    return f"{before} → {role} ({prison_id or 'all prisons'})"
