"""The dispatcher: drains the outbox, in ``famsbot worker`` (both databases) and, on the embedded
SQLite default, inside ``famsbot serve`` or ``famsbot chat`` too.

A task in the event loop claims due rows in batches (``claims``: leases and ``SKIP LOCKED``, so any
number of worker processes share the outbox without sending a row twice), sends them, and sleeps
briefly when there is nothing to do. Rows to the same person go one after another, in order (a
reply and its follow-up must not cross); different people are served concurrently. It is durable
across restarts because the rows are in the database.

Each round claims, per channel, only what the channel's rate limit can send in the next
``BULK_WITHIN`` seconds (urgent rows first), so a broadcast is taken in small bites and a new alert
waits for one bite at most. Stopping is graceful: no new round starts, and the sends under way
finish and are recorded (up to ``GRACE``), so a restart or deploy leaves no message in doubt. When
the database goes away the loop waits it out with backoff, logging the outage once
(``store.availability``), and carries on with the backlog when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from famsbot.delivery.claims import claim_due
from famsbot.delivery.deliver import BULK_WITHIN, Delivery, Outcome
from famsbot.delivery.status import QUEUED
from famsbot.store.availability import Patience
from famsbot.store.models import Outbox

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)
GRACE = 30.0  # seconds a stopping dispatcher gives the sends under way to finish and be recorded


def by_person(rows: list[Outbox]) -> list[list[Outbox]]:
    """``rows`` (as claimed: most urgent first) grouped by recipient, each group oldest first.

    Groups keep the order of their most urgent row, so an alert starts first and books the first
    sending slot of the round: sorted by address, it could land behind a whole bite of a broadcast.
    """
    groups: dict[tuple[str, str], list[Outbox]] = {}
    for row in rows:
        groups.setdefault((row.channel, row.address), []).append(row)
    return [sorted(group, key=lambda row: row.id or 0) for group in groups.values()]


class Dispatcher:
    """Claim → send → record, in a loop. ``run_once`` does one batch (tests and ``drain`` use it)."""

    def __init__(self, delivery: Delivery, *, batch: int = 50, concurrency: int = 16, idle: float = 1.0) -> None:
        self.delivery = delivery
        self.batch = batch
        self.idle = idle
        self._concurrency = concurrency
        self._gates: dict[str, asyncio.Semaphore] = {}  # per channel: a slow one never holds up another
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._more = False  # did the last round leave due rows behind (a channel took its full bite)?
        self.outcomes: Counter[str] = Counter()  # rows dealt with by this dispatcher, by the status they ended in

    async def run_once(self) -> int:
        """Claim one round of due rows and deliver them; the number of rows claimed."""
        now = self.delivery.clock.now()
        rows: list[Outbox] = []
        full = False
        for channel in self.delivery.senders:
            bite = self._bite(channel)
            claimed = await claim_due(self.delivery.db, self.delivery.owner, now, channels=[channel], limit=bite)
            full = full or len(claimed) == bite
            rows.extend(claimed)
        results = await asyncio.gather(*(self._deliver_in_order(group) for group in by_person(rows)),
                                       return_exceptions=True)  # every send finishes before the round ends
        for result in results:
            if isinstance(result, BaseException):
                raise result
        self._more = full and sum(r for r in results if isinstance(r, int)) > 0  # more is due and moving
        return len(rows)

    def _bite(self, channel: str) -> int:
        """How many rows of ``channel`` to claim this round: what its limit can send soon, at least one."""
        limiter = self.delivery.limits.get(channel)
        room = limiter.room(BULK_WITHIN) if limiter is not None else None
        return self.batch if room is None else max(1, min(self.batch, room))

    async def drain(self, *, rounds: int = 20) -> None:
        """Deliver whatever is due now, batch after batch, then return (``famsbot chat`` at the end)."""
        for _ in range(rounds):
            if not await self.run_once():
                return

    def wake(self) -> None:
        """Look at the outbox now rather than after the idle wait."""
        self._wake.set()

    async def run(self) -> None:
        """Until stopped. A failure (the database restarting) is logged once and waited out with
        backoff; the loop carries on when it passes."""
        patience = Patience("outbox dispatch", log, cap=5.0)
        while not self._stopping.is_set():
            pause = self.idle
            try:
                await self.run_once()
                patience.succeeded()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the dispatcher must outlive a bad moment
                pause = max(pause, patience.failed(exc))
                self._more = False
            if not self._more and not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=pause)
                self._wake.clear()

    @asynccontextmanager
    async def running(self, *, grace: float = GRACE) -> AsyncIterator[Dispatcher]:
        """Run in the background for the duration of the block (the app's lifespan); on the way out,
        let the round under way finish for up to ``grace`` seconds, then cancel it."""
        self._stopping.clear()
        task = asyncio.create_task(self.run(), name="famsbot-outbox-dispatcher")
        try:
            yield self
        finally:
            self._stopping.set()
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=grace)
            except TimeoutError:
                log.warning("outbox dispatcher: sends still under way after %.0fs; stopping them", grace)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _deliver_in_order(self, rows: list[Outbox]) -> int:
        """One person's rows, oldest first; if one must wait, the later ones wait behind it. How many
        rows were dealt with (not queued again)."""
        waiting: Outcome | None = None
        went = 0
        gate = self._gates.setdefault(rows[0].channel, asyncio.Semaphore(self._concurrency))
        for row in rows:
            async with gate:
                if waiting is not None and waiting.retry_at is not None:
                    await self.delivery.release(row, waiting.retry_at)
                    continue
                outcome = await self.delivery.deliver(row)
            self.outcomes[outcome.status] += 1
            if outcome.status == QUEUED:
                waiting = outcome
            else:
                went += 1
        return went
