"""broadcast delivery: in-flight sends, shared rate-limit slots, the broadcast record

* ``outbox.send_started_at``: set just before a provider is called and cleared when the outcome is
  recorded, so a row whose worker died mid-send can be recognised and reconciled rather than
  blindly sent again (``famsbot.delivery.ambiguous``).
* ``rateslot``: the next free slot of each rate limit, booked by every worker on PostgreSQL so that
  several workers together hold Telegram's and Twilio's limits (``famsbot.delivery.slots``). The
  table exists on SQLite too (one schema everywhere), where the single process paces in memory.
* ``broadcast.finished_at`` (when its last message was dealt with) and ``broadcast.request_key``
  (the composer form's key: a double click creates one broadcast, not two).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_broadcast_request_key", ["request_key"])
    op.create_table(
        "rateslot",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("next_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("rateslot")
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_constraint("uq_broadcast_request_key", type_="unique")
        batch_op.drop_column("request_key")
        batch_op.drop_column("finished_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("send_started_at")
