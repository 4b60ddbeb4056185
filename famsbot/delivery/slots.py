"""Rate limits held across every worker: sending slots booked in PostgreSQL.

With one process, pacing in memory is enough (``delivery.ratelimit.RateLimiter``). With several
``famsbot worker`` processes each pacing itself, two workers would send 60 Telegram messages a
second where Telegram allows 30. So on PostgreSQL each send books its slot in the ``rateslot``
table, one row per limit::

    INSERT INTO rateslot (key, next_at) VALUES (:key, now + :step)
    ON CONFLICT (key) DO UPDATE SET next_at = greatest(rateslot.next_at, now) + :step
    RETURNING next_at - :step            -- this send's slot

The statement is atomic and takes the row's lock, so concurrent bookings queue and each gets its
own slot, ``step`` apart: the limit holds however many workers there are. Times are the database
server's clock, the one clock every worker shares. A booking costs one short statement (about a
millisecond), a few per message at most; Telegram's whole allowance is 30 a second.

A bulk send's bound (``within``) is checked in the same statement: if the next free slot is further
away, nothing is booked and :class:`~famsbot.delivery.ratelimit.Busy` says when to try again.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import text

from famsbot.delivery.ratelimit import KEY_MARGIN, Busy
from famsbot.store.database import Database

__all__ = ["IDLE_AFTER", "SharedRateLimiter", "prune_slots"]

IDLE_AFTER = timedelta(minutes=10)  # a limit's row unused this long is deleted (it is recreated on use)

_BOOK = text(
    "WITH t AS (SELECT clock_timestamp() AS at) "
    "INSERT INTO rateslot AS s (key, next_at) SELECT :key, t.at + make_interval(secs => :step) FROM t "
    "ON CONFLICT (key) DO UPDATE SET next_at = greatest(s.next_at, (SELECT at FROM t)) + make_interval(secs => :step) "
    "WHERE CAST(:within AS double precision) IS NULL "
    "OR s.next_at <= (SELECT at FROM t) + make_interval(secs => CAST(:within AS double precision)) "
    "RETURNING extract(epoch FROM (s.next_at - make_interval(secs => :step) - clock_timestamp()))"
)
_BACKLOG = text("SELECT extract(epoch FROM (next_at - clock_timestamp())) FROM rateslot WHERE key = :key")


class SharedRateLimiter:
    """The same limits as ``RateLimiter``, for all workers together (see the module docstring).

    Args:
        db: the PostgreSQL database whose ``rateslot`` table holds the slots.
        name: the limit's key prefix, the channel (``telegram``, ``sms``).
    """

    def __init__(
        self,
        db: Database,
        name: str,
        per_second: float | None,
        per_key_per_second: float | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db, self.name = db, name
        self._interval = 1 / per_second if per_second else 0.0
        self._key_interval = 1 / per_key_per_second + KEY_MARGIN if per_key_per_second else 0.0
        self._sleep = sleep

    async def acquire(self, key: str, cost: int = 1, *, within: float | None = None) -> None:
        """The recipient's slot first, then an overall one, as ``RateLimiter`` does."""
        if self._key_interval:
            await self._take(f"{self.name}:{key}", self._key_interval, within)
        if self._interval:
            await self._take(self.name, self._interval * max(cost, 1), within)

    def room(self, within: float) -> int | None:
        return None  # only the database knows; bulk sends find out by booking

    async def _take(self, key: str, step: float, within: float | None) -> None:
        async with self.db.transaction() as session:
            connection = await session.connection()
            wait = (await connection.execute(_BOOK, {"key": key, "step": step, "within": within})).scalar()
            if wait is None:  # refused: the backlog is longer than ``within``
                backlog = (await connection.execute(_BACKLOG, {"key": key})).scalar() or 0.0
        if wait is None:
            # Spread the retries over the next slot's width, so refused sends do not all return together.
            raise Busy(max(float(backlog) - (within or 0.0), 0.0) + random.uniform(0, step))  # noqa: S311
        if wait > 0:
            await self._sleep(float(wait))


async def prune_slots(db: Database, now: datetime) -> int:
    """Delete the slots of limits nobody has used for ``IDLE_AFTER`` (one per chat ever messaged)."""
    async with db.transaction() as session:
        connection = await session.connection()
        result = await connection.execute(
            text("DELETE FROM rateslot WHERE next_at < :cutoff"), {"cutoff": now - IDLE_AFTER}
        )
    return int(result.rowcount or 0)
