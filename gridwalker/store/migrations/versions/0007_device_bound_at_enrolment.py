"""a device key names its device at enrolment; a revoked key keeps its reason

`hub enroll PAIRFILE` binds the device id of the pairing file to the key, so a bundle signed by
that key must name that device, and a bundle naming that device must be signed by that key,
from the first bundle on (before, a key was bound by the first bundle applied). `hub revoke`
keeps why, for the refusal's message.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_device") as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sa.String(), nullable=True))
    op.create_index("ix_hub_device_device_id", "hub_device", ["device_id"])


def downgrade() -> None:
    op.drop_index("ix_hub_device_device_id", table_name="hub_device")
    with op.batch_alter_table("hub_device") as batch_op:
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("device_id")
