"""Delivery and periodic work on procrastinate (PostgreSQL): what ``famsbot worker`` runs.

The outbox row is the contract; a job ``deliver(outbox_id)`` is only the trigger that makes a worker
look at it. ``store.outbox.enqueue`` defers the job on the business transaction's own connection, so
the two commit together. Any number of workers may run: each job claims its row with a lease before
sending (``delivery.claims.claim_one``), so a row is never sent by two workers at once, and a job
that finds its row leased, or due later, is simply retried at the right time (``RetryLater``).

Retries of failed *sends* are the outbox's (attempts, backoff, rate limits); procrastinate's own
retry strategy only reschedules a job at the time the outbox asks for, and retries a job that
crashed (a bug, the database going away) a few times with backoff. Safety nets, every minute:

* ``retry_stalled_jobs``: jobs whose worker died mid-job (no heartbeat) are run again;
* ``sweep``: a due row with no waiting job (a job that gave up, a row written without ``enqueue``)
  gets one, so nothing queued is ever forgotten.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import procrastinate
from procrastinate import JobContext, RetryDecision
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy
from procrastinate.types import JSONValue
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.delivery.claims import Waiting, claim_one
from famsbot.delivery.status import QUEUED, tier
from famsbot.store.database import Database
from famsbot.worker.periodic import run_periodic
from famsbot.worker.runtime import Runtime

__all__ = [
    "DELIVER_QUEUE",
    "RetryLater",
    "app",
    "defer_deliveries",
    "defer_delivery",
    "defer_orphans",
    "deliver",
    "sweep",
]

log = logging.getLogger(__name__)
DELIVER_QUEUE = "delivery"
PERIODIC_QUEUE = "periodic"
PRIORITIES = {0: 10, 1: 0, 2: -10}  # by tier: an alert never waits behind a reply, nor a reply behind a broadcast
CRASH_RETRIES = 8
SWEEP_AFTER = timedelta(minutes=2)  # a due row this overdue without a waiting job gets a new one

app = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=[__name__])


class RetryLater(Exception):  # noqa: N818 - it is an instruction, not an error
    """Run this job again at ``at`` (the row is due later, or another worker holds it)."""

    def __init__(self, at: datetime) -> None:
        super().__init__(f"retry at {at.isoformat()}")
        self.at = at


class _OutboxRetry(BaseRetryStrategy):
    """``RetryLater`` → exactly then, for as long as it takes; a crash → a few times, backing off."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, RetryLater):
            return RetryDecision(retry_at=exception.at)
        if job.attempts >= CRASH_RETRIES:
            return None
        return RetryDecision(retry_in={"seconds": min(600, 5 * 2**job.attempts)})


def _runtime(context: JobContext) -> Runtime:
    runtime = context.additional_context.get("runtime")
    if not isinstance(runtime, Runtime):
        raise RuntimeError("famsbot jobs need a worker started by famsbot.worker.run (no runtime in context)")
    return runtime


@app.task(name="famsbot.deliver", queue=DELIVER_QUEUE, pass_context=True, retry=_OutboxRetry())
async def deliver(context: JobContext, outbox_id: int) -> None:
    """Send one outbox row (if it still needs sending)."""
    runtime = _runtime(context)
    delivery = runtime.delivery
    claimed = await claim_one(delivery.db, outbox_id, delivery.owner, delivery.clock.now())
    if claimed is None:
        return  # sent, failed, skipped or deleted: nothing to do
    if isinstance(claimed, Waiting):
        raise RetryLater(claimed.until)
    outcome = await delivery.deliver(claimed)
    if outcome.status == QUEUED and outcome.retry_at is not None:
        raise RetryLater(outcome.retry_at)


async def _psycopg(session: AsyncSession, what: str) -> Any:
    """The session's psycopg connection, or ``None`` (logged) with another driver."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if type(driver).__module__.split(".")[0] != "psycopg":
        log.warning("%s: not deferring a job on a %s connection; the sweep will send it", what, type(driver).__name__)
        return None
    return driver


async def defer_delivery(session: AsyncSession, outbox_id: int, *, kind: str, at: datetime | None = None) -> None:
    """Defer ``deliver(outbox_id)`` on this session's connection: it commits or rolls back with it.

    Needs the psycopg driver (``postgresql+psycopg://``). With another driver the job is not
    deferred and the row waits for the sweep (within a couple of minutes) instead.
    """
    driver = await _psycopg(session, f"outbox row {outbox_id}")
    if driver is not None:
        job = deliver.configure(connection=driver, schedule_at=at, priority=PRIORITIES[tier(kind)])
        await job.defer_async(outbox_id=outbox_id)


async def defer_deliveries(session: AsyncSession, outbox_ids: list[int], *, kind: str, at: datetime | None) -> None:
    """:func:`defer_delivery` for many rows of one kind and time (a broadcast's), in one statement."""
    driver = await _psycopg(session, f"{len(outbox_ids)} outbox rows")
    if driver is not None and outbox_ids:
        job = deliver.configure(connection=driver, schedule_at=at, priority=PRIORITIES[tier(kind)])
        arguments: list[dict[str, JSONValue]] = [{"outbox_id": outbox_id} for outbox_id in outbox_ids]
        await job.batch_defer_async(*arguments)


@app.periodic(cron="* * * * *", periodic_id="famsbot-periodic")
@app.task(name="famsbot.periodic", queue=PERIODIC_QUEUE, pass_context=True, queueing_lock="famsbot.periodic")
async def periodic(context: JobContext, timestamp: int) -> None:
    """Escalations and retention, once a minute across all workers."""
    runtime = _runtime(context)
    await run_periodic(runtime.db, runtime.settings, runtime.content, runtime.clock.now())


@app.periodic(cron="* * * * *", periodic_id="famsbot-retry-stalled")
@app.task(
    name="famsbot.retry_stalled_jobs",
    queue=PERIODIC_QUEUE,
    pass_context=True,
    queueing_lock="famsbot.retry_stalled_jobs",
)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Jobs left "doing" by a worker that stopped sending heartbeats are run again (procrastinate howto)."""
    for job in await context.app.job_manager.get_stalled_jobs():
        log.warning("retrying stalled job %s (%s)", job.id, job.task_name)
        await context.app.job_manager.retry_job(job)


@app.periodic(cron="* * * * *", periodic_id="famsbot-sweep")
@app.task(name="famsbot.sweep", queue=PERIODIC_QUEUE, pass_context=True, queueing_lock="famsbot.sweep")
async def sweep(context: JobContext, timestamp: int) -> None:
    """The safety net for rows without a job (see the module docstring)."""
    runtime = _runtime(context)
    await defer_orphans(runtime.db, runtime.delivery.clock.now() - SWEEP_AFTER)


_ORPHANS = text(
    "SELECT o.id, o.kind FROM outbox o WHERE o.status = :queued AND o.next_attempt_at < :cutoff "
    "AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.task_name = :task "
    "AND j.status IN ('todo', 'doing') AND (j.args ->> 'outbox_id')::bigint = o.id) "
    "ORDER BY o.id LIMIT 1000"
)


async def defer_orphans(db: Database, cutoff: datetime) -> int:
    """Defer a job for every queued row due before ``cutoff`` that has none waiting; how many."""
    async with db.transaction() as session:
        connection = await session.connection()
        found = await connection.execute(_ORPHANS, {"queued": QUEUED, "cutoff": cutoff, "task": deliver.name})
        rows = found.all()
        for outbox_id, kind in rows:
            await defer_delivery(session, outbox_id, kind=kind)
    if rows:
        log.warning("sweep: deferred %d outbox row(s) that had no job", len(rows))
    return len(rows)
