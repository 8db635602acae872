"""the review queue's page is read through the day index alone: the index led by `current`
goes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # With (current, state, received_at) beside it, SQLite's planner took that index for the
    # queue's page (two equality terms beat one) and sorted every waiting record to show 50;
    # the partial day index (state, day, received_at, id WHERE current) gives them in order.
    op.drop_index("ix_hub_review_queue", table_name="hub_review")


def downgrade() -> None:
    op.create_index(
        "ix_hub_review_queue", "hub_review", ["current", "state", "received_at"], unique=False
    )
