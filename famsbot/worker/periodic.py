"""Work done every minute, whatever else is happening: escalations, forgetting old message texts,
marking finished broadcasts done, and pruning idle rate-limit slots.

On PostgreSQL these are procrastinate periodic tasks (``famsbot.worker.queue``), deferred once per
minute however many workers run. On the embedded default, ``PeriodicLoop`` runs them inside
``famsbot serve`` (and ``famsbot worker``) instead.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from famsbot.broadcasts.lifecycle import settle
from famsbot.clock import Clock
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.delivery.slots import prune_slots
from famsbot.store.database import Database
from famsbot.worker.retention import purge_inbound_texts

__all__ = ["EVERY", "PeriodicLoop", "escalate", "run_periodic"]

log = logging.getLogger(__name__)
EVERY = 60.0  # seconds
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


async def run_periodic(db: Database, settings: Settings, content: Content, now: datetime) -> None:
    """One round of periodic work; each part runs even if the other fails."""
    try:
        escalated = await escalate(db, settings, content, now)
        if escalated:
            log.info("escalated %d concern(s)", escalated)
    except Exception:  # noqa: BLE001 - retention must still run; the failure is logged
        log.exception("escalations failed")
    try:
        purged = await purge_inbound_texts(db, now)
        if purged:
            log.info("cleared the text of %d old inbound message(s)", purged)
    except Exception:  # noqa: BLE001
        log.exception("retention purge failed")
    try:
        finished = await settle(db, now)
        if finished:
            log.info("%d broadcast(s) finished sending", finished)
        await prune_slots(db, now)
    except Exception:  # noqa: BLE001
        log.exception("broadcast and rate-limit upkeep failed")


@dataclass
class PeriodicLoop:
    """``run_periodic`` every minute, in this process (the embedded default)."""

    db: Database
    settings: Settings
    content: Content
    clock: Clock
    every: float = EVERY

    async def run(self) -> None:
        while True:
            await run_periodic(self.db, self.settings, self.content, self.clock.now())
            await asyncio.sleep(self.every)
