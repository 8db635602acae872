"""a refused file is known by its sha256: hub_quarantine gets file_sha256

The same file refused again (the stick was read-only, or the file was copied back) is noted
in one line by the next import, not quarantined into a new entry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_quarantine", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("file_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_hub_quarantine_file_sha256"), ["file_sha256"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hub_quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_quarantine_file_sha256"))
        batch_op.drop_column("file_sha256")
