"""a deleted census record never blocks a new one: the (enterprise, year) key holds live rows

The table's unnamed UNIQUE (enterprise_uuid, year) counted tombstones too, so a census entry
deleted and entered again for the same enterprise and year was refused, on a laptop and at the
hub. It becomes a partial unique index over the rows not deleted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Reflection names the unnamed constraint by this convention, so batch mode can drop it.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


# PostgreSQL named the unnamed constraint itself when 0001 made it (table_columns_key).
PG_NAME = "census_record_enterprise_uuid_year_key"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(PG_NAME, "census_record", type_="unique")
    else:
        with op.batch_alter_table("census_record", naming_convention=NAMING) as batch_op:
            batch_op.drop_constraint("uq_census_record_enterprise_uuid", type_="unique")
    op.create_index(
        "uq_census_record_live",
        "census_record",
        ["enterprise_uuid", "year"],
        unique=True,
        sqlite_where=sa.text("deleted = 0"),
        postgresql_where=sa.text("NOT deleted"),
    )


def downgrade() -> None:
    op.drop_index("uq_census_record_live", table_name="census_record")
    with op.batch_alter_table("census_record", naming_convention=NAMING) as batch_op:
        batch_op.create_unique_constraint(
            "uq_census_record_enterprise_uuid", ["enterprise_uuid", "year"]
        )
