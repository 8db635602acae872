"""a laptop's history enters the hub as its accepted baseline, not as the review queue

`hub enroll PAIRFILE --baseline` marks the device: the records of its first full bundle
(`baseline`), up to the hub change number written into `baseline_until` when it is applied,
arrive approved as the baseline. Without the flag, a laptop enrolled from a pairing file has
its records dated before the enrolment taken as the baseline.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_device") as batch_op:
        batch_op.add_column(
            sa.Column("baseline", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("baseline_until", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hub_device") as batch_op:
        batch_op.drop_column("baseline_until")
        batch_op.drop_column("baseline")
