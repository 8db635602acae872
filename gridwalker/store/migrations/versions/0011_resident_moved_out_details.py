"""a resident's move out (迁出) keeps its day and where to

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("resident") as batch_op:
        batch_op.add_column(sa.Column("moved_out_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("moved_to", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resident") as batch_op:
        batch_op.drop_column("moved_to")
        batch_op.drop_column("moved_out_on")
