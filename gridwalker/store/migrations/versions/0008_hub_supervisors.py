"""the supervisors a hub knows: who may decide at its desk, and over which street or community

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_supervisor",
        sa.Column("name", sa.String(length=200), primary_key=True),
        sa.Column("street_uuid", sa.String(length=36), nullable=True),
        sa.Column("community_uuid", sa.String(length=36), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_supervisor")
