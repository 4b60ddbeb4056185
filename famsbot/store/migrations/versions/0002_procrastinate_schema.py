"""procrastinate job queue schema (PostgreSQL only)

On PostgreSQL, ``famsbot worker`` runs delivery and periodic jobs on procrastinate, whose tables
and functions must exist before the first job is deferred. Applying them here, rather than with
procrastinate's ``schema_manager`` at start-up, means one command (``famsbot db upgrade``, the
release step) brings the whole database to the version the code expects, and test databases get
the schema through the same migrations as production.

The SQL is a verbatim copy of the schema shipped with procrastinate 3.10.0 (the pinned version),
kept beside this file so that this revision never changes under us. When procrastinate is
upgraded, add a revision that runs its shipped migration files for the versions in between
(``procrastinate/sql/migrations/``). SQLite has no job queue (the in-process dispatcher drains
the outbox), so nothing happens there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = Path(__file__).resolve().parents[1] / "sql" / "procrastinate-3.10.0.sql"

# Everything the schema creates is named procrastinate_*: drop it all, tables first.
DROP_ALL = """
DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT tablename FROM pg_tables
                WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.tablename);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', item.signature);
    END LOOP;
    FOR item IN SELECT t.typname FROM pg_type t
                JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
                  AND t.typtype IN ('e', 'c')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname);
    END LOOP;
END;
$$;
"""


def _run_script(sql: str) -> None:
    # Through the DB-API cursor without parameters: the script holds literal % signs (in RAISE
    # messages) that SQLAlchemy's execute would hand to psycopg as placeholders.
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(DROP_ALL)
