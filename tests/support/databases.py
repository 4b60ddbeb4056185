"""Test databases: a private, migrated database per run, emptied between tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from famsbot.store.database import Database
from famsbot.store.migrate import upgrade

SQLITE = "sqlite+aiosqlite:///{path}"
POSTGRES_URL = os.environ.get("FAMSBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def postgres_server() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards. Skips (or fails in CI) if it is down."""
    try:
        admin = psycopg.connect(_libpq(POSTGRES_URL), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {POSTGRES_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    name = f"famsbot_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def temporary_database(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    await upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


async def reset(db: Database) -> None:
    """Empty every table (keeping the schema), children before parents."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    async with db.transaction() as session:
        if db.is_sqlite:
            for table in tables:
                await session.exec(text(f'DELETE FROM "{table}"'))  # type: ignore[call-overload]  # noqa: S608
        else:
            joined = ", ".join(f'"{t}"' for t in tables)  # our own table names, not input
            await session.exec(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))  # type: ignore[call-overload]  # noqa: S608
