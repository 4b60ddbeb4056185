"""Login throttling that slows guessing down without letting anyone lock a team out.

The counts are the recent ``login_failed`` entries of the audit trail (``famsbot.staff.audit``),
so every web worker sees the same numbers and a restart forgets nothing. There is no hard lock:

* **per account**: after :data:`FREE_PER_EMAIL` failures in :data:`WINDOW`, each further attempt
  must wait a delay that doubles with every failure (1 s, 2 s, 4 s …) up to :data:`MAX_DELAY`,
  counted from the latest failure. Guessing becomes slow; the owner waits at most two minutes.
* **per address**: the same after :data:`FREE_PER_ADDRESS` failures from one address, which stops
  one machine spraying many accounts.
* **known places are not punished for strangers**: someone signing in from an address where their
  account signed in successfully in the last :data:`KNOWN_FOR` is not slowed by failures from
  other addresses, nor by the address count. So an attacker elsewhere cannot hold a named officer
  out, and one spraying from outside cannot slow a whole prison office behind one address.
* a correct sign-in clears its account's count; an admin can lift a slow-down from the console
  (an ``unlocked`` entry), with no restart.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.staff.audit import LOGIN_FAILED, LOGIN_OK, THROTTLED, UNLOCKED
from famsbot.store.models import SecurityEvent

__all__ = [
    "FREE_PER_ADDRESS",
    "FREE_PER_EMAIL",
    "KNOWN_FOR",
    "MAX_DELAY",
    "WINDOW",
    "delay_for",
    "recently_throttled",
    "retry_after",
]

WINDOW: Final = timedelta(minutes=15)
FREE_PER_EMAIL: Final = 5
FREE_PER_ADDRESS: Final = 20
MAX_DELAY: Final = timedelta(minutes=2)
KNOWN_FOR: Final = timedelta(days=30)
NOTE_EVERY: Final = timedelta(minutes=1)


def delay_for(failures: int, free: int) -> timedelta:
    """How long to wait after the latest failure: nothing within ``free``, then 1 s doubling to the cap."""
    if failures < free:
        return timedelta(0)
    return min(MAX_DELAY, timedelta(seconds=2 ** min(failures - free, 16)))


async def _latest(session: AsyncSession, kinds: tuple[str, ...], **where: str) -> datetime | None:
    query: Any = select(func.max(SecurityEvent.at)).where(col(SecurityEvent.kind).in_(kinds))
    for name, value in where.items():
        query = query.where(getattr(SecurityEvent, name) == value)
    latest: datetime | None = (await session.exec(query)).one()
    return latest


async def _failures(session: AsyncSession, since: datetime, **where: str) -> tuple[int, datetime | None]:
    query: Any = select(func.count(), func.max(SecurityEvent.at)).where(
        SecurityEvent.kind == LOGIN_FAILED, col(SecurityEvent.at) > since
    )
    for name, value in where.items():
        query = query.where(getattr(SecurityEvent, name) == value)
    count, last = (await session.exec(query)).one()
    return int(count), last


def _wait(count: int, last: datetime | None, free: int, now: datetime) -> timedelta | None:
    if last is None:
        return None
    remaining = last + delay_for(count, free) - now
    return remaining if remaining > timedelta(0) else None


async def retry_after(session: AsyncSession, email: str, address: str, now: datetime) -> timedelta | None:
    """``None`` when a sign-in may be tried now, else how long to wait before trying again."""
    since = now - WINDOW
    cleared = await _latest(session, (LOGIN_OK, UNLOCKED), email=email)
    known_ok = await _latest(session, (LOGIN_OK,), email=email, address=address)
    known = known_ok is not None and known_ok > now - KNOWN_FOR
    email_since = max(since, cleared) if cleared else since
    waits = []
    if known:
        waits.append(_wait(*await _failures(session, email_since, email=email, address=address), FREE_PER_EMAIL, now))
    else:
        waits.append(_wait(*await _failures(session, email_since, email=email), FREE_PER_EMAIL, now))
        lifted = await _latest(session, (UNLOCKED,), address=address)
        address_since = max(since, lifted) if lifted else since
        waits.append(_wait(*await _failures(session, address_since, address=address), FREE_PER_ADDRESS, now))
    return max((w for w in waits if w is not None), default=None)


async def recently_throttled(session: AsyncSession, email: str, address: str, now: datetime) -> bool:
    """Was this slow-down noted in the last minute? Refused attempts cost no argon2 work, so an attacker
    could send thousands: the trail notes the slow-down once a minute, not once per attempt."""
    latest = await _latest(session, (THROTTLED,), email=email, address=address)
    return latest is not None and latest > now - NOTE_EVERY
