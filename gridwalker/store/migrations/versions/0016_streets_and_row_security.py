"""Several streets in one hub: every place-bound row carries its street; PostgreSQL confines
a supervisor's login to its street by row-level security

Adds `street_uuid` (indexed) to every table whose rows hang from a place (grid, member,
building, household, resident, visit, enterprise, census_record, issue, issue_event, the
consultation tables) and to `hub_review`, fills it from the place chain, and adds
`hub_user` (a PostgreSQL login and the street it may see). On PostgreSQL it installs the
row-level security functions and policies (`store.rls`). On SQLite only the columns.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents before children (the order of the backfill), as store.streets.PLACE_OF says.
BOUND = (
    "grid",
    "member",
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
REVIEWED = ("visit", "household", "resident", "census_record", "issue")


def upgrade() -> None:
    for table in (*BOUND, "hub_review"):
        op.add_column(table, sa.Column("street_uuid", sa.String(length=36), nullable=True))
        op.create_index(f"ix_{table}_street_uuid", table, ["street_uuid"])
    op.create_table(
        "hub_user",
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("street_uuid", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("login", "street_uuid"),
    )
    # Imported here, not at the top: the revision file is read before the store is needed.
    from gridwalker.store import rls, streets

    bind = op.get_bind()
    streets.fill_all_streets(bind)
    for entity in REVIEWED:
        op.execute(
            f"UPDATE hub_review SET street_uuid = (SELECT r.street_uuid FROM {entity} AS r "
            f"WHERE r.uuid = hub_review.uuid) WHERE hub_review.entity = '{entity}'"
        )
    rls.install(bind)


def downgrade() -> None:
    from gridwalker.store import rls

    rls.uninstall(op.get_bind())
    op.drop_table("hub_user")
    for table in (*BOUND, "hub_review"):
        op.drop_index(f"ix_{table}_street_uuid", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("street_uuid")
