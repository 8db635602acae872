"""The hub's live row names the device and origin of its version

Every synced table gets `device_id` (the device whose bundle brought the live version; null
for a version the hub made or merged, and always on a laptop) and `origin` (that version's
origin link, BUNDLE.md Records). With them the live row is a whole version of the hub's
books, as a `hub_rev` row is: readers of a version's device take it from `hub_rev` and, for
the live version, from the row itself. Neither travels in a bundle nor enters a rev.

Nothing to fill: every version a hub holds so far is in `hub_rev` too.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNCED = (
    "street",
    "community",
    "member",
    "grid",
    "building",
    "household",
    "resident",
    "visit",
    "enterprise",
    "census_record",
    "issue",
    "issue_event",
    "consultation",
    "consult_room",
    "consult_vote",
)


def upgrade() -> None:
    for table in SYNCED:
        op.add_column(table, sa.Column("device_id", sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column("origin", sa.String(length=40), nullable=True))


def downgrade() -> None:
    for table in SYNCED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("origin")
            batch.drop_column("device_id")
