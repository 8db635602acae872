"""PostgreSQL: a partial index of the records waiting for review, in the queue's order

The review queue's first page (store.desk.queue: current rows in state received or
corrected, by day, arrival and id) took 2.6 s at three demo streets on PostgreSQL: the
planner walked the plain day index and filtered out every decided row (530,000 of them).
This index holds the waiting rows only, in the page's order, so the page reads its 50 rows
and stops (30 ms measured on the same database). SQLite already finds its page fast through
0013's choice of indexes; nothing changes there.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The states of the default queue (store.desk.queue.QUEUE_STATES), written as the queue's
# statement writes them, so that the planner matches the index's predicate.
WAITING = "current AND state IN ('corrected', 'received')"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX ix_hub_review_waiting ON hub_review (day, received_at, id) WHERE {WAITING}"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_hub_review_waiting")
