"""search on PostgreSQL: pg_trgm for text anywhere, the character pairs as an array

SQLite has its FTS5 tables since 0001 (trigrams for three characters or more, the pairs of
Chinese characters for two). PostgreSQL gets the same two look-ups as indexes on search_doc:
a pg_trgm GIN index on `text` (LIKE '%…%' from three characters; pg_trgm reads Chinese only
under a non-C LC_CTYPE, C.UTF-8 will do) and a GIN index on the pairs as an array (a
two-character name is one element). Nothing changes on SQLite.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The expression of the pairs index; store/search.py writes the same, so the planner uses it.
PAIRS_ARRAY = "string_to_array(pairs, ' ')"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_search_doc_text_trgm ON search_doc USING gin (text gin_trgm_ops)")
    op.execute(f"CREATE INDEX ix_search_doc_pairs ON search_doc USING gin (({PAIRS_ARRAY}))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_doc_pairs")
    op.execute("DROP INDEX IF EXISTS ix_search_doc_text_trgm")
