"""``famsbot worker``: deliver the outbox and run periodic work until told to stop (SIGINT, SIGTERM).

The same on SQLite and PostgreSQL: the outbox dispatcher (any number of workers share it through
leases and ``SKIP LOCKED``), the periodic loop (once a minute across all workers) and a heartbeat.

A database outage is not an error to stop for: every loop waits it out with backoff, logging it once,
and the backlog goes out when the database returns. The worker stops with a non-zero status only
for what waiting cannot fix: a schema that is not at the code's migration head, or a bug that
escapes every loop.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from famsbot.clock import SystemClock
from famsbot.config import Settings
from famsbot.content.loader import get_content
from famsbot.errors import ConfigError
from famsbot.store.availability import Patience
from famsbot.store.database import Database
from famsbot.store.migrate import migration_state, open_database
from famsbot.worker.embedded import embedded
from famsbot.worker.periodic import PeriodicLoop
from famsbot.worker.runtime import open_runtime

__all__ = ["run_worker", "wait_for_schema"]

log = logging.getLogger(__name__)


async def wait_for_schema(db: Database, stop: asyncio.Event) -> bool:
    """Wait (with backoff) until the database answers; ``False`` if told to stop first. Raises
    ``ConfigError`` when it answers with a schema other than the code's (``famsbot db upgrade``)."""
    patience = Patience("worker start-up", log)
    while not stop.is_set():
        try:
            current, head = await migration_state(db)
        except Exception as exc:  # noqa: BLE001 - unreachable now; waited out
            delay = patience.failed(exc)
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
                continue
            return False
        patience.succeeded()
        if current != head:
            raise ConfigError(f"the database schema is at {current}, not {head}: run `famsbot db upgrade`")
        return True
    return False


async def run_worker(settings: Settings, *, concurrency: int = 16) -> None:
    """Deliver the outbox and run periodic jobs until SIGINT or SIGTERM; then stop gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    db = await open_database(settings.database_url)
    try:
        if not await wait_for_schema(db, stop):
            return
        async with open_runtime(db, settings, content=get_content(), clock=SystemClock()) as runtime:
            owner = runtime.delivery.owner
            periodic = PeriodicLoop(db, settings, runtime.content, runtime.clock, owner=owner)
            log.info("worker %s: delivering the outbox (%d sends at once per channel)", owner, concurrency)
            async with embedded(
                runtime.delivery, periodic=periodic, heartbeat=True, concurrency=concurrency
            ) as dispatcher:
                await stop.wait()
            done = ", ".join(f"{n} {status}" for status, n in sorted(dispatcher.outcomes.items())) or "nothing"
            log.info("worker %s: stopped; outbox rows dealt with: %s", owner, done)
    finally:
        await db.dispose()
