"""PostgreSQL: the waiting records of one street, in the queue's order

A street's supervisor sees the queue filtered by street (store.desk.queue, `street_uuid`).
At three demo streets on PostgreSQL its count took 187 ms: 0017's index gives the waiting
rows but not their street, so every one of them was read from the table to test it. This
index leads with the street, so the count and the page of one street read it alone (7 ms
measured on the same database). SQLite hubs hold one street in practice; nothing changes there.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 06:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0017 writes it, so that the planner matches the index's predicate.
WAITING = "current AND state IN ('corrected', 'received')"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_hub_review_waiting_street "
        f"ON hub_review (street_uuid, day, received_at, id) WHERE {WAITING}"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_hub_review_waiting_street")
