"""the desks' claims on records open for review (hub_claim): who has a record, until when

Several desks review one queue (issue #15): a desk that opens a record claims it for a lease
it renews while the record stays open; another desk sees who has it and cannot decide it.
The same table on SQLite and PostgreSQL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_claim",
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("uuid", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "uuid"),
    )
    op.create_index("ix_hub_claim_holder", "hub_claim", ["holder"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hub_claim_holder", table_name="hub_claim")
    op.drop_table("hub_claim")
