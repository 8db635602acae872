"""consultation closing: when and by whom a consultation was closed, and the votes it counted

A supervisor closes a consultation at the hub (issue #17): its result is fixed from then on.
`counted` holds the ids of the votes the fixed result was made from and `counted_rooms` the
owner register as it stood (room id → owner for the head count, area), so every database (the
hub, each laptop of the grid) counts the closed consultation the same: a vote that arrives
later is kept but reported as after closing, never counted, and a register change that arrives
later does not move the result.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        # Existing rows are open: nothing counted yet (a literal both engines cast to JSON).
        batch_op.add_column(
            sa.Column(
                "counted",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
        batch_op.add_column(
            sa.Column(
                "counted_rooms",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.drop_column("counted_rooms")
        batch_op.drop_column("counted")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_at")
