"""console security: the audit trail (shared login throttle) and two-factor sign-in

* ``securityevent``: sign-ins, failures, slow-downs and account changes, shown to admins; the login
  throttle counts recent failures here, so every web worker shares the same counts.
* ``staffuser.totp_secret``: the TOTP secret of an account that turned on two-factor sign-in.
* ``staffuser.must_change_password``: signed in with an admin's one-time code; a new password first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "securityevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("securityevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_securityevent_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_securityevent_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_securityevent_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_securityevent_address"), ["address"], unique=False)
    with op.batch_alter_table("staffuser", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("staffuser", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("totp_secret")
    op.drop_table("securityevent")
