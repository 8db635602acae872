"""PostgreSQL's own pieces: search by pg_trgm and the pairs array; the append-only audit trail

0001 gave SQLite its FTS5 tables (trigrams for three characters or more, the pairs of Chinese
characters for two) and the triggers that keep `audit` append-only. PostgreSQL gets the same:
a pg_trgm GIN index on search_doc.text (LIKE '%…%' from three characters; pg_trgm reads
Chinese only under a non-C LC_CTYPE, C.UTF-8 will do), a GIN index on the pairs as an array
(a two-character name is one element), and a trigger refusing any UPDATE or DELETE of an
audit row. Nothing changes on SQLite.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
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
    op.execute(
        "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'the audit trail is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_append_only ON audit")
    op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    op.execute("DROP INDEX IF EXISTS ix_search_doc_pairs")
    op.execute("DROP INDEX IF EXISTS ix_search_doc_text_trgm")
