"""the review queue is read oldest record first (by the record's day), with an index for it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Partial, over the current revisions, and not led by `current`: an index led by a
    # yes/no column tempts SQLite's planner away from (entity, uuid) when a decision looks up
    # one record, and every return then scans the queue.
    op.create_index(
        "ix_hub_review_queue_day",
        "hub_review",
        ["state", "day", "received_at", "id"],
        sqlite_where=sa.text("current = 1"),
        postgresql_where=sa.text("current"),
    )


def downgrade() -> None:
    op.drop_index("ix_hub_review_queue_day", table_name="hub_review")
