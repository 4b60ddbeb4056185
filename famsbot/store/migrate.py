"""Apply the Alembic migrations from code (``famsbot db upgrade``, the embedded default, tests).

Tests run these migrations rather than ``create_all`` so that a model change without a migration
fails the suite on both databases.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from famsbot.store.database import Database

__all__ = ["alembic_config", "migration_head", "migration_state", "open_database", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest)."""

    def _run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(_run)


async def open_database(url: str) -> Database:
    """A database handle; the embedded SQLite default brings itself up to date on first use."""
    db = Database(url)
    if db.is_sqlite:
        await upgrade(db)
    return db


async def migration_state(db: Database) -> tuple[str | None, str]:
    """``(the database's revision, the code's head)``: equal when the schema is what the code expects.
    Raises if the database cannot be reached (``/readyz``, ``famsbot status``, the worker's start)."""
    head = migration_head()

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as connection:
        current = await connection.run_sync(_current)
    return current, head


def migration_head() -> str:
    """The newest revision this code ships."""
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())
