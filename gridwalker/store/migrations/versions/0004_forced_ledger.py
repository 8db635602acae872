"""a forced bundle is booked in the ledger: hub_ledger gets prev_manifest_sha256 and forced_by

A held bundle a supervisor forces is now applied with its ledger row (forced_by says who),
and the bundle that was missing is applied when it arrives, checked against the chain of the
bundles on both sides of it (prev_manifest_sha256 of the later one). hub_forced, which kept
forced bundles beside the backlog, is no longer needed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_ledger", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "prev_manifest_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("forced_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    op.drop_table("hub_forced")


def downgrade() -> None:
    op.create_table(
        "hub_forced",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "seq"),
    )
    with op.batch_alter_table("hub_ledger", schema=None) as batch_op:
        batch_op.drop_column("forced_by")
        batch_op.drop_column("prev_manifest_sha256")
