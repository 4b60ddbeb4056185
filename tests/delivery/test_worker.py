"""``famsbot worker``: one delivery mechanism on both databases, periodic work once across workers.

The outbox dispatcher runs in every worker; there is no job queue beside it (procrastinate's schema
is dropped by migration 0004), and periodic work takes turns through a lease row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from famsbot.store.database import Database
from famsbot.store.models import Outbox, WorkerBeat
from famsbot.store.outbox import enqueue
from famsbot.worker.periodic import take_turn
from tests.support.databases import postgres_server, reset
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows
from tests.support.webhooks import eventually
from tests.support.workers import sent_by, start_worker, stop_worker, worker_env

MINUTE = timedelta(minutes=1)


async def test_no_job_queue_is_left_beside_the_outbox(db: Database) -> None:
    sqlite = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'procrastinate%'"
    postgres = "SELECT tablename FROM pg_tables WHERE tablename LIKE 'procrastinate%'"
    async with db.engine.connect() as connection:
        tables = (await connection.execute(text(sqlite if db.is_sqlite else postgres))).all()

    assert tables == []


async def test_periodic_work_runs_once_across_workers(db: Database) -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

    first = await asyncio.gather(*(take_turn(db, f"worker-{n}", now, MINUTE) for n in range(5)))
    too_soon = await take_turn(db, "worker-1", now + timedelta(seconds=59), MINUTE)
    a_minute_on = await asyncio.gather(*(take_turn(db, f"worker-{n}", now + MINUTE, MINUTE) for n in range(5)))

    assert sum(first) == 1
    assert too_soon is False
    assert sum(a_minute_on) == 1


@pytest.fixture(scope="module")
def served_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def twilio(served_twilio: FakeTwilio) -> FakeTwilio:
    served_twilio.reset()
    return served_twilio


async def queue_sms(db: Database, n: int) -> None:
    async with db.transaction() as session:
        await enqueue(session, kind="broadcast", channel="sms", address=f"+4477009{n:05d}",
                      body=f"Family day news {n}", dedupe_key=f"broadcast:1:{n}")  # fmt: skip


@pytest.mark.postgres
async def test_two_worker_processes_share_the_load_without_sending_anything_twice(
    postgres_db: Database, twilio: FakeTwilio, tmp_path: Path
) -> None:
    await reset(postgres_db)
    for n in range(120):
        await queue_sms(postgres_db, n)
    env = worker_env(postgres_db.url, twilio=twilio, FAMSBOT_SMS_PER_SECOND="200")
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
    workers = [start_worker(env, log, concurrency=4) for log in logs]
    try:
        await eventually(lambda: len(twilio.messages) >= 120, within=60)
    finally:
        statuses = [stop_worker(worker) for worker in workers]

    assert statuses == [0, 0], [log.read_text()[-3000:] for log in logs]
    assert len(twilio.messages) == 120
    assert twilio.duplicates == 0
    assert {row.status for row in await all_rows(postgres_db, Outbox)} == {"sent"}
    shares = [sent_by(log) for log in logs]
    assert sum(shares) == 120, shares
    assert all(share > 0 for share in shares), shares  # both workers took some
    beats = await all_rows(postgres_db, WorkerBeat)
    assert len(beats) == 2  # each worker said it was alive


@pytest.mark.postgres
def test_a_worker_refuses_a_database_whose_schema_is_not_the_codes(tmp_path: Path) -> None:
    """A real fatal error: waiting cannot fix it, so the worker says what to do and exits non-zero."""
    log = tmp_path / "worker.log"
    with postgres_server() as url:  # a new, empty database: never migrated
        worker = start_worker(worker_env(url), log)
        status = worker.wait(timeout=30)

    assert status == 1
    assert "famsbot db upgrade" in log.read_text()
