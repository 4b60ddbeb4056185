"""one delivery mechanism: procrastinate's schema dropped; worker heartbeats and periodic leases;
partial indexes for what the periodic jobs look for

* procrastinate's tables, functions and types (revision 0002) are dropped on PostgreSQL: the outbox
  dispatcher now runs in ``famsbot worker`` on both databases (``famsbot.worker``), so the outbox
  row is the only record of a message to send.
* ``workerbeat``: one row per running worker, touched every few seconds (``/readyz``, ``famsbot
  status``); ``periodiclease``: who runs each periodic job next, and when, so that a job runs once
  across any number of workers.
* partial indexes: due outbox rows (the dispatcher's claim), bodies of finished outbox rows and
  texts of handled inbound messages still to be cleared (retention), and concerns still waiting
  for an acknowledgement (escalation). Each holds only the rows its job looks for, so the jobs stay
  flat as history grows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from typing import Any

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _load_queue_revision() -> object:
    """Revision 0002, for its script runner and the SQL that drops (or, going down, restores) the queue."""
    spec = spec_from_file_location("famsbot_revision_0002", Path(__file__).with_name("0002_procrastinate_schema.py"))
    if spec is None or spec.loader is None:
        raise RuntimeError("revision 0002 is missing from the migrations folder")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_QUEUE: Any = _load_queue_revision()

INDEXES = [
    ("ix_outbox_due", "outbox", ["next_attempt_at"], "status = 'queued'"),
    ("ix_outbox_body_kept", "outbox", ["created_at"], "status <> 'queued' AND body <> ''"),
    ("ix_inboundmessage_text_kept", "inboundmessage", ["received_at"], "status = 'handled' AND text <> ''"),
    ("ix_answer_reply_kept", "answer", ["at"], "reply <> ''"),
    ("ix_concern_unacknowledged", "concern", ["created_at"], "acknowledged_at IS NULL AND closed_at IS NULL"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _QUEUE._run_script(_QUEUE.DROP_ALL)
    op.create_table(
        "workerbeat",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("beat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "periodiclease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("periodiclease")
    op.drop_table("workerbeat")
    if op.get_bind().dialect.name == "postgresql":
        _QUEUE._run_script(_QUEUE.SCHEMA.read_text(encoding="utf-8"))
