"""Pacing sends to what a provider allows.

Telegram asks for at most ~30 messages a second overall and one a second per chat; Twilio queues
per segment at the sender's MPS (messaging-platforms §4). A send first waits for its recipient's
own slot, then takes the next overall slot: so a chat with ten waiting messages paces itself
without holding up everyone else. Slots are booked without awaiting, so concurrent sends in one
event loop never take the same one.

Bulk sends (broadcasts) pass ``within``: they may only book a slot that starts within that many
seconds, and are refused with :class:`Busy` otherwise (their row waits, uncounted, and is tried
again when the backlog has drained). Urgent alerts and replies book without that bound, so however
big a broadcast is, they never queue behind more than ``within`` seconds of it.

``RateLimiter`` holds its limits within one process: the embedded default, where one process sends
everything. On PostgreSQL, where several workers send, ``delivery.slots.SharedRateLimiter`` books
the same slots in the database instead; both are a :class:`Pacer`.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

__all__ = ["KEY_MARGIN", "Busy", "Pacer", "RateLimiter"]

PRUNE_EVERY = 1024  # sends between sweeps of idle recipients
# Added to each recipient's spacing: between a slot and the request reaching the provider there is
# a database write (``deliver``: the send is marked as started), whose time varies by tens of ms.
# Without room for that, two messages a second apart by the slots can arrive 0.9 s apart.
KEY_MARGIN = 0.25


class Busy(Exception):  # noqa: N818 - an answer ("not now"), not an error
    """No slot starts within the bound a bulk send asked for; room frees up in ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"no sending slot free within the bulk bound; room in {wait:.2f}s")
        self.wait = wait


class Pacer(Protocol):
    """Something that makes a send wait for its turn (in memory, or booked in the database)."""

    async def acquire(self, key: str, cost: int = 1, *, within: float | None = None) -> None:
        """Wait for this send's slot; raise :class:`Busy` if ``within`` is given and none is that close."""
        ...

    def room(self, within: float) -> int | None:
        """Roughly how many one-unit sends could book a slot within ``within`` seconds now
        (``None``: not known here, or no limit)."""
        ...


class RateLimiter:
    """At most ``per_second`` units overall and ``per_key_per_second`` sends per key (``None``: no limit)."""

    def __init__(
        self,
        per_second: float | None,
        per_key_per_second: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = 1 / per_second if per_second else 0.0
        self._key_interval = 1 / per_key_per_second + KEY_MARGIN if per_key_per_second else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._next_for: dict[str, float] = {}
        self._sends = 0

    async def acquire(self, key: str, cost: int = 1, *, within: float | None = None) -> None:
        """Wait until this send may go: the recipient's slot first, then an overall one."""
        now = self._clock()
        mine = max(now, self._next_for.get(key, 0.0))
        if within is not None:
            start = max(mine, self._next)  # the earliest this send could go, overall slot included
            if start - now > within:
                raise Busy(start - now - within)
        self._next_for[key] = mine + self._key_interval
        if mine > now:
            await self._sleep(mine - now)
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self._interval * max(cost, 1)
        if slot > now:
            await self._sleep(slot - now)
        # Held up overall: keep the recipient's spacing from when the send really goes.
        self._next_for[key] = max(self._next_for[key], slot + self._key_interval)
        self._sends += 1
        if self._sends % PRUNE_EVERY == 0:
            self._next_for = {k: t for k, t in self._next_for.items() if t > now}

    def room(self, within: float) -> int | None:
        if not self._interval:
            return None
        backlog = max(self._next - self._clock(), 0.0)
        return max(math.floor((within - backlog) / self._interval), 0)
