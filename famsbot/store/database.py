"""The database handle: one async engine, sessions that never expire on commit, and real locking.

A conversation is read, changed and written back for every message. Two messages from one person
arriving together must not interleave, so transactions are serialised per backend:

* SQLite: every transaction starts with ``BEGIN IMMEDIATE`` (the default deferred ``BEGIN``
  fails with "database is locked" under concurrency), in WAL mode, with a busy timeout (30 s, or
  the URL's ``?timeout=`` in seconds: a webhook should fail over to the spool before Twilio's 15 s). Within one
  process, transactions also queue on an asyncio lock: SQLite has one writer at a time anyway, and
  a fair queue beats SQLite's sleep-and-retry busy handler (measured in ``bench/engine.py``).
* PostgreSQL: the conversation row is read with ``SELECT … FOR UPDATE`` (see ``conversations``);
  on SQLite that clause compiles to nothing and ``BEGIN IMMEDIATE`` does the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["Database", "insert_for"]


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT for this session's backend, so ``on_conflict_do_nothing`` works on both."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class Database:
    """Owns the engine and hands out transactions."""

    def __init__(self, url: str, *, pool_size: int = 10, null_pool: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # SQL errors without their parameters: those are a family's words and numbers, and the
        # errors end up in logs and tracebacks.
        kwargs: dict[str, Any] = {"hide_parameters": True}
        if null_pool:
            kwargs["poolclass"] = NullPool
        elif not self.is_sqlite:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        if self.is_sqlite and "timeout=" not in url:  # the busy timeout; ``?timeout=2`` in the URL sets it
            kwargs["connect_args"] = {"timeout": 30}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _serialise_sqlite(self.engine)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._writer = asyncio.Lock() if self.is_sqlite else None
        self._writer_task: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        if self._writer is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        task = asyncio.current_task()
        if task is not None and task is self._writer_task:
            # Waiting here would wait for ourselves forever: fail loudly instead of hanging.
            raise RuntimeError("a transaction was opened inside another one on SQLite; finish the first")
        async with self._writer:
            self._writer_task = task
            try:
                async with self._sessions() as session, session.begin():
                    yield session
            finally:
                self._writer_task = None

    async def ping(self) -> bool:
        """Does the database answer? (``/healthz``)"""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


def _serialise_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
