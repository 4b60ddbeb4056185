"""``famsbot worker``: run delivery and periodic work until told to stop (SIGINT or SIGTERM)."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from typing import Any

from famsbot.clock import SystemClock
from famsbot.config import Settings
from famsbot.content.loader import get_content
from famsbot.store.migrate import open_database
from famsbot.worker.embedded import embedded
from famsbot.worker.periodic import PeriodicLoop
from famsbot.worker.runtime import Runtime, open_runtime

__all__ = ["run_worker", "worker_options"]

log = logging.getLogger(__name__)
POLL_INTERVAL = 1.0  # seconds between looks for jobs scheduled for later (new jobs wake it at once)


async def run_worker(settings: Settings, *, concurrency: int = 10) -> None:
    """Deliver the outbox and run periodic jobs: on procrastinate (PostgreSQL) or in-process (SQLite)."""
    db = await open_database(settings.database_url)
    try:
        async with open_runtime(db, settings, content=get_content(), clock=SystemClock()) as runtime:
            if db.is_sqlite:
                await _run_embedded(runtime)
            else:
                await _run_procrastinate(runtime, concurrency)
    finally:
        await db.dispose()


async def _run_embedded(runtime: Runtime) -> None:
    log.info("worker: delivering from the SQLite outbox in this process")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    periodic = PeriodicLoop(runtime.db, runtime.settings, runtime.content, runtime.clock)
    async with embedded(runtime.delivery, periodic=periodic):
        await stop.wait()


async def _run_procrastinate(runtime: Runtime, concurrency: int) -> None:
    import procrastinate

    from famsbot.worker.queue import app

    conninfo = runtime.settings.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with app.replace_connector(procrastinate.PsycopgConnector(conninfo=conninfo)):
        async with app.open_async():
            log.info("worker: running procrastinate jobs (concurrency %d)", concurrency)
            await app.run_worker_async(
                name=f"famsbot-{socket.gethostname()}", concurrency=concurrency, **worker_options(runtime)
            )


def worker_options(runtime: Runtime) -> dict[str, Any]:
    """How every famsbot worker runs: jobs see the runtime; a succeeded job is deleted (the outbox row
    is the record); jobs scheduled for later are looked for every second (new ones wake it at once)."""
    return {
        "fetch_job_polling_interval": POLL_INTERVAL,
        "delete_jobs": "successful",
        "additional_context": {"runtime": runtime},
    }
