"""concern path under faults: stored replies, hashed provider ids, honest routing

* ``inboundmessage.replies``: the replies a committed turn produced, sent again when the provider
  retries after a crash between commit and reply.
* ``inboundmessage.replayed``: the message came back from the spool (``dialogue.spool``); its
  replies went out through the outbox.
* ``inboundmessage.provider_id`` now holds a SHA-256 of channel and provider id, so the row can
  outlive "forget me" without naming anything of the person; existing ids are hashed here.
* ``concern.routed_to``: ``prison``, ``national`` or ``console`` (who was really alerted).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    from sqlalchemy.dialects import postgresql

    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replies", _json(), nullable=True))
        batch_op.add_column(sa.Column("replayed", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routed_to", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_concern_routed_to"), ["routed_to"], unique=False)
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, channel, provider_id FROM inboundmessage WHERE provider_id IS NOT NULL")
    ).all()
    for row_id, channel, provider_id in rows:
        hashed = hashlib.sha256(f"{channel}:{provider_id}".encode()).hexdigest()
        connection.execute(sa.text("UPDATE inboundmessage SET provider_id = :p WHERE id = :i"),
                           {"p": hashed, "i": row_id})  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_routed_to"))
        batch_op.drop_column("routed_to")
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.drop_column("replayed")
        batch_op.drop_column("replies")
