"""Delivery on procrastinate (PostgreSQL): jobs deferred with the row, workers sharing the load.

Only the first test runs on SQLite too: the job queue's schema exists on PostgreSQL alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import procrastinate
import pytest
from sqlalchemy import text

from famsbot.config import Settings
from famsbot.store.database import Database
from famsbot.store.models import Outbox
from famsbot.store.outbox import enqueue
from famsbot.worker.queue import DELIVER_QUEUE, app, defer_orphans, deliver
from famsbot.worker.run import worker_options
from famsbot.worker.runtime import open_runtime
from tests.support.databases import reset
from tests.support.fake_twilio import FakeTwilio
from tests.support.rows import all_rows
from tests.support.webhooks import PUBLIC_URL, eventually, with_twilio

ROOT = Path(__file__).resolve().parents[2]
QUEUE_TABLES = "procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, procrastinate_workers"


async def test_the_job_queue_schema_exists_on_postgresql_only(db: Database) -> None:
    sqlite = "SELECT name FROM sqlite_master WHERE name LIKE 'procrastinate%'"
    postgres = "SELECT tablename FROM pg_tables WHERE tablename LIKE 'procrastinate%'"
    async with db.engine.connect() as connection:
        found = await connection.execute(text(sqlite if db.is_sqlite else postgres))
        tables = sorted(row[0] for row in found)

    assert tables == ([] if db.is_sqlite else sorted(QUEUE_TABLES.split(", ")))


@pytest.fixture(scope="module")
def served_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def twilio(served_twilio: FakeTwilio) -> FakeTwilio:
    served_twilio.reset()
    return served_twilio


@pytest.fixture
async def pg(postgres_db: Database) -> Database:
    """The PostgreSQL test database, emptied, job queue included."""
    await reset(postgres_db)
    async with postgres_db.transaction() as session:
        await session.exec(text(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE"))  # type: ignore[call-overload]
    return postgres_db


@pytest.fixture
def pg_settings(pg: Database, twilio: FakeTwilio) -> Settings:
    return with_twilio(Settings(environment="test", database_url=pg.url), twilio, sms_per_second=1000.0)


async def jobs(db: Database) -> list[dict[str, Any]]:
    async with db.engine.connect() as connection:
        found = await connection.execute(
            text(
                "SELECT task_name, status::text, args, scheduled_at FROM procrastinate_jobs "
                "WHERE queue_name = 'delivery' ORDER BY id"
            )
        )
        return [dict(row._mapping) for row in found]


async def queue_sms(db: Database, n: int, *, send_at: datetime | None = None) -> Outbox:
    async with db.transaction() as session:
        row = await enqueue(session, kind="broadcast", channel="sms", address=f"+4477009{n:05d}",
                            body=f"Family day news {n}", dedupe_key=f"broadcast:1:{n}", send_at=send_at)  # fmt: skip
    assert row is not None
    return row


@pytest.fixture
async def run_jobs(pg: Database, pg_settings: Settings, postgres_url: str) -> AsyncIterator[Any]:
    """``await run_jobs()``: one in-process worker runs every job that is due, then stops."""
    conninfo = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    async with open_runtime(pg, pg_settings) as runtime:

        async def run() -> None:
            with app.replace_connector(procrastinate.PsycopgConnector(conninfo=conninfo)):
                async with app.open_async():
                    await app.run_worker_async(queues=[DELIVER_QUEUE], wait=False, install_signal_handlers=False,
                                               **worker_options(runtime))  # fmt: skip

        yield run


@pytest.mark.postgres
async def test_enqueue_defers_a_job_in_the_same_transaction(pg: Database) -> None:
    row = await queue_sms(pg, 1)

    [job] = await jobs(pg)
    assert (job["task_name"], job["status"], job["args"]) == (deliver.name, "todo", {"outbox_id": row.id})

    async def alert_then_fail() -> None:
        async with pg.transaction() as session:
            await enqueue(session, kind="alert", channel="sms", address="+447700900999", body="URGENT",
                          dedupe_key="alert:9:duty")  # fmt: skip
            raise RuntimeError("the concern could not be saved")

    with pytest.raises(RuntimeError, match="the concern could not be saved"):
        await alert_then_fail()

    assert len(await all_rows(pg, Outbox)) == 1
    assert len(await jobs(pg)) == 1  # the rolled-back alert took its job with it


@pytest.mark.postgres
async def test_a_worker_runs_the_job_and_the_row_is_sent(pg: Database, twilio: FakeTwilio, run_jobs: Any) -> None:
    row = await queue_sms(pg, 1)

    await run_jobs()

    assert twilio.sent_to(row.address) == ["Family day news 1"]
    [row] = await all_rows(pg, Outbox)
    assert (row.status, row.provider_id) == ("sent", twilio.messages[0].sid)
    assert await jobs(pg) == []  # succeeded jobs are deleted; the outbox row is the record


@pytest.mark.postgres
async def test_a_rate_limited_send_reschedules_its_job_at_the_providers_time(
    pg: Database, twilio: FakeTwilio, run_jobs: Any
) -> None:
    row = await queue_sms(pg, 1)
    twilio.fail_next(1, status=429)

    await run_jobs()

    [waiting] = await all_rows(pg, Outbox)
    assert (waiting.status, waiting.attempts) == ("queued", 0)
    [job] = await jobs(pg)
    assert job["status"] == "todo"
    assert job["scheduled_at"] == waiting.next_attempt_at

    await asyncio.sleep((waiting.next_attempt_at - datetime.now(UTC)).total_seconds() + 0.1)
    await run_jobs()

    assert twilio.sent_to(row.address) == ["Family day news 1"]
    assert await jobs(pg) == []


@pytest.mark.postgres
async def test_a_scheduled_message_is_not_sent_early(pg: Database, twilio: FakeTwilio, run_jobs: Any) -> None:
    await queue_sms(pg, 1, send_at=datetime.now(UTC) + timedelta(hours=1))

    await run_jobs()

    assert twilio.messages == []
    [job] = await jobs(pg)
    assert job["status"] == "todo"
    assert job["scheduled_at"] > datetime.now(UTC)


@pytest.mark.postgres
async def test_the_sweep_gives_a_row_without_a_job_a_new_one(pg: Database, twilio: FakeTwilio, run_jobs: Any) -> None:
    await queue_sms(pg, 1)
    async with pg.transaction() as session:
        await session.exec(text("DELETE FROM procrastinate_jobs"))  # type: ignore[call-overload]

    assert await defer_orphans(pg, datetime.now(UTC) + timedelta(minutes=1)) == 1
    assert await defer_orphans(pg, datetime.now(UTC) + timedelta(minutes=1)) == 0  # it has one now
    await run_jobs()

    assert len(twilio.messages) == 1


def test_periodic_work_is_scheduled_every_minute() -> None:
    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}

    assert periodic == {
        "famsbot.periodic": "* * * * *",
        "famsbot.retry_stalled_jobs": "* * * * *",
        "famsbot.sweep": "* * * * *",
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "famsbot.cli", "worker", "--concurrency", "4"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip


@pytest.mark.postgres
async def test_two_worker_processes_share_the_load_without_sending_anything_twice(
    pg: Database, twilio: FakeTwilio, postgres_url: str, tmp_path: Path
) -> None:
    for n in range(120):
        await queue_sms(pg, n)
    env = {
        **os.environ, "FAMSBOT_DATABASE_URL": postgres_url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url, "FAMSBOT_SMS_PER_SECOND": "1000",
    }  # fmt: skip
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
    workers = [start_worker(env, log) for log in logs]
    try:
        with contextlib.suppress(AssertionError):
            await eventually(lambda: len(twilio.messages) >= 120, within=90)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)

    assert len(twilio.messages) == 120, [log.read_text()[-3000:] for log in logs]
    assert twilio.duplicates == 0
    assert {row.status for row in await all_rows(pg, Outbox)} == {"sent"}
    shares = [log.read_text().count("Job famsbot.deliver") for log in logs]
    assert all(share > 0 for share in shares), shares  # both workers took some
