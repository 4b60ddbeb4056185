"""Fixtures only. Builders and fakes live in ``tests/support/``.

Every database test runs on SQLite and on PostgreSQL (``db`` is parametrised). PostgreSQL tests
need the server at ``FAMSBOT_TEST_POSTGRES_URL`` (default: 127.0.0.1:5432, database ``test``):
locally they are skipped when it is down; in CI (``CI=true``) an unreachable server fails the run.
Each run gets its own PostgreSQL database, migrated with Alembic, so parallel runs never meet.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from famsbot.clock import FixedClock
from famsbot.config import Settings
from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database
from tests.support.chat import Chat
from tests.support.databases import SQLITE, postgres_server, reset, temporary_database

# A message the database cannot take is spooled to disk (``dialogue.spool``): never into the work tree.
os.environ.setdefault("FAMSBOT_SPOOL_DIR", tempfile.mkdtemp(prefix="famsbot-spool-"))

# Monday 23 November 2026, 10:00 in London: tests that depend on "now" say so explicitly.
DEFAULT_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
async def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    path: Path = tmp_path_factory.mktemp("db") / "famsbot.db"
    async with temporary_database(SQLITE.format(path=path)) as db:
        yield db


@pytest.fixture(scope="session")
async def postgres_db(postgres_url: str) -> AsyncIterator[Database]:
    async with temporary_database(postgres_url) as db:
        yield db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Database:
    """The session's migrated database for one backend (looked up outside the event loop)."""
    database: Database = request.getfixturevalue(f"{request.param}_db")
    return database


@pytest.fixture
async def db(backend: Database) -> Database:
    """A migrated, empty database: every test using it runs on SQLite and on PostgreSQL."""
    await reset(backend)
    return backend


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def settings(db: Database) -> Settings:
    return Settings(environment="test", database_url=db.url)


@pytest.fixture
def engine(db: Database, settings: Settings, clock: FixedClock) -> Engine:
    return Engine(db, settings, clock=clock)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    """A family member on SMS, talking to the real engine and database."""
    return Chat(engine, channel="sms", address="+447700900123")
