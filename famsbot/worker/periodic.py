"""Work done every minute, whatever else is happening: escalations, forgetting old message texts,
marking finished broadcasts done, and pruning idle rate-limit slots.

``PeriodicLoop`` runs in every ``famsbot worker`` (and inside ``famsbot serve`` on the embedded
default), but each round runs once across all of them: a worker runs it only if it moves the
``periodiclease`` row's ``due_at`` a minute forward itself, in one conditional ``UPDATE`` (the row
lock makes a second worker's ``UPDATE`` see the new time and match nothing). The same on SQLite and
PostgreSQL, and nothing to clean up when a worker dies mid-round: the next is due a minute later.
Turns are timed on each worker's clock; every job is safe to repeat (escalations are de-duplicated,
purges and upkeep are idempotent), so clocks a little apart cost at most an early round.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from famsbot.broadcasts.lifecycle import settle
from famsbot.clock import Clock, SystemClock
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.delivery.slots import prune_slots
from famsbot.store.availability import Patience, unavailable
from famsbot.store.database import Database, insert_for
from famsbot.store.models import PeriodicLease
from famsbot.worker.retention import purge

__all__ = ["EVERY", "PeriodicLoop", "escalate", "run_periodic", "take_turn"]

log = logging.getLogger(__name__)
EVERY = 60.0  # seconds between rounds, across all workers
TICK = 5.0  # seconds between a worker's looks at whether a round is due
ROUND = "famsbot-periodic"
_ESCALATION_MODULES = {"famsbot.concerns", "famsbot.concerns.escalation"}


async def escalate(db: Database, settings: Settings, content: Content, now: datetime) -> int | None:
    """Escalate unacknowledged concerns; ``None`` when the escalation module is not installed yet."""
    try:
        from famsbot.concerns.escalation import run_escalations
    except ImportError as exc:
        if exc.name not in _ESCALATION_MODULES:
            raise  # the module exists but is broken: that must be seen
        log.info("escalations skipped: famsbot.concerns.escalation is not available")
        return None
    result: Any = run_escalations(db, settings, content, now)
    if inspect.isawaitable(result):
        result = await result
    return int(result)


def _failed(what: str, exc: Exception) -> None:
    if unavailable(exc):
        log.warning("%s skipped this round: the database is unavailable (%s)", what, type(exc).__name__)
    else:
        log.error("%s failed", what, exc_info=exc)


async def run_periodic(db: Database, settings: Settings, content: Content, now: datetime) -> None:
    """One round of periodic work; each part runs even if the other fails."""
    try:
        escalated = await escalate(db, settings, content, now)
        if escalated:
            log.info("escalated %d concern(s)", escalated)
    except Exception as exc:  # noqa: BLE001 - retention must still run; the failure is logged
        _failed("escalations", exc)
    try:
        purged = await purge(db, now)
        if any(purged.values()):
            log.info("retention cleared %s", ", ".join(f"{n} {what}" for what, n in purged.items() if n))
    except Exception as exc:  # noqa: BLE001
        _failed("retention purge", exc)
    try:
        finished = await settle(db, now)
        if finished:
            log.info("%d broadcast(s) finished sending", finished)
        await prune_slots(db, now)
    except Exception as exc:  # noqa: BLE001
        _failed("broadcast and rate-limit upkeep", exc)


async def take_turn(db: Database, owner: str, now: datetime, every: timedelta, name: str = ROUND) -> bool:
    """Is it ``owner``'s turn to run ``name`` now? If so the next turn is moved ``every`` ahead."""
    async with db.transaction() as session:
        await session.exec(
            insert_for(session, PeriodicLease).values(name=name, owner=None, due_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )  # fmt: skip
        taken = await session.exec(
            update(PeriodicLease)
            .where(col(PeriodicLease.name) == name, col(PeriodicLease.due_at) <= now)
            .values(owner=owner, due_at=now + every)
            .returning(col(PeriodicLease.name))
        )
        return taken.first() is not None


@dataclass
class PeriodicLoop:
    """``run_periodic`` once a minute across every process running this loop.

    Args:
        clock: business time, handed to the jobs (escalation deadlines); turns are taken on real time.
        owner: this process's name on the lease.
    """

    db: Database
    settings: Settings
    content: Content
    clock: Clock
    owner: str = "famsbot"
    every: float = EVERY
    tick: float = TICK
    timer: Clock = field(default_factory=SystemClock)

    async def run(self) -> None:
        patience = Patience("periodic work", log)
        while True:
            pause = self.tick
            try:
                if await take_turn(self.db, self.owner, self.timer.now(), timedelta(seconds=self.every)):
                    await run_periodic(self.db, self.settings, self.content, self.clock.now())
                patience.succeeded()
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a database outage
                pause = max(pause, patience.failed(exc))
            await asyncio.sleep(pause)
