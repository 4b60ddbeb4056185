"""The database handle: health, and a clear error instead of a hang for nested SQLite transactions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from famsbot.app import create_app
from famsbot.config import Settings
from famsbot.store.database import Database


async def test_a_nested_sqlite_transaction_fails_loudly_instead_of_hanging(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'nested.db'}")
    try:
        async with db.transaction():
            with pytest.raises(RuntimeError, match="inside another one"):
                async with db.transaction():
                    pass
        async with db.transaction():  # and the lock is free again afterwards
            pass
    finally:
        await db.dispose()


async def test_ping_says_whether_the_database_answers(db: Database, tmp_path: Path) -> None:
    assert await db.ping()
    missing = Database(f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    assert not await missing.ping()
    await missing.dispose()


async def test_healthz_is_200_when_the_database_answers(settings: Settings) -> None:
    app = create_app(settings)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    async with app.router.lifespan_context(app), client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_is_503_when_the_database_does_not_answer(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        working = app.state.db
        app.state.db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'x.db'}")
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                response = await client.get("/healthz")
        finally:
            await app.state.db.dispose()
            app.state.db = working
    assert response.status_code == 503
