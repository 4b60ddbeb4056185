"""``/readyz`` and ``famsbot status``: ready or not, and what an operator needs to see beside it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from famsbot.app import create_app
from famsbot.cli import main
from famsbot.clock import FixedClock
from famsbot.config import Settings, get_settings
from famsbot.health import git_commit
from famsbot.store.database import Database
from famsbot.store.migrate import migration_head, upgrade
from famsbot.store.outbox import enqueue
from famsbot.worker.heartbeat import Heartbeat

COMMIT = "0123456789abcdef0123456789abcdef01234567"


async def migrate(url: str) -> None:
    migrated = Database(url)
    await upgrade(migrated)
    await migrated.dispose()


@pytest.fixture(autouse=True)
def deployed_commit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The commit as a platform announces it (Heroku's ``SOURCE_VERSION``)."""
    monkeypatch.setenv("SOURCE_VERSION", COMMIT)
    git_commit.cache_clear()
    yield
    git_commit.cache_clear()


async def readyz(settings: Settings, db: Database, clock: FixedClock) -> httpx.Response:
    app = create_app(settings, clock=clock)
    app.state.db = db  # no lifespan: nothing in the background changes what is being looked at
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get("/readyz")


async def test_ready_with_the_oldest_waiting_message_and_the_workers_last_beat(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    async with db.transaction() as session:
        await enqueue(session, kind="alert", channel="sms", address="+447700900111", body="URGENT",
                      dedupe_key="alert:1", now=clock.now() - timedelta(seconds=90))  # fmt: skip
        await enqueue(session, kind="broadcast", channel="sms", address="+447700900222", body="Later",
                      dedupe_key="broadcast:1", now=clock.now() - timedelta(hours=1),
                      send_at=clock.now() + timedelta(days=1))  # scheduled: not late  # fmt: skip
    await Heartbeat(db, "worker-1", clock=FixedClock(clock.now() - timedelta(seconds=4))).beat()

    response = await readyz(settings, db, clock)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ready", "ok")
    assert body["migration"] == body["migration_head"] == migration_head()
    assert (body["version"], body["commit"]) == ("0.1.0", COMMIT)
    assert body["oldest_undelivered_age_seconds"] == 90.0
    assert body["worker_heartbeat_age_seconds"] == 4.0


async def test_ready_with_nothing_waiting_and_no_worker_yet(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    body = (await readyz(settings, db, clock)).json()

    assert body["status"] == "ready"
    assert body["oldest_undelivered_age_seconds"] is None
    assert body["worker_heartbeat_age_seconds"] is None


async def test_not_ready_before_the_migrations_have_run(tmp_path: Path, clock: FixedClock) -> None:
    fresh = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        response = await readyz(Settings(environment="test", database_url=fresh.url), fresh, clock)
    finally:
        await fresh.dispose()

    assert response.status_code == 503
    assert (response.json()["status"], response.json()["migration"]) == ("unavailable", None)


async def test_not_ready_when_the_database_does_not_answer(tmp_path: Path, clock: FixedClock) -> None:
    gone = Database(f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    try:
        response = await readyz(Settings(environment="test", database_url=gone.url), gone, clock)
    finally:
        await gone.dispose()

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_famsbot_status_prints_the_same_and_exits_by_readiness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'status.db'}"
    monkeypatch.setenv("FAMSBOT_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        not_yet = main(["status"])
        printed = capsys.readouterr().out
        asyncio.run(migrate(url))
        ready = main(["status", "--json"])
        as_json = json.loads(capsys.readouterr().out)
    finally:
        get_settings.cache_clear()

    assert not_yet == 1
    assert "status: unavailable" in printed
    assert f"commit: {COMMIT}" in printed
    assert ready == 0
    assert (as_json["status"], as_json["commit"], as_json["worker_heartbeat_age_seconds"]) == ("ready", COMMIT, None)
