"""Alembic environment: run programmatically by store.migrate on a given connection."""

from alembic import context
from sqlmodel import SQLModel

from gridwalker.store import tables  # noqa: F401 - registers the tables on the metadata
from gridwalker.store.tables import (
    hub,  # noqa: F401 - the sync tables (export log, hub books)
    review,  # noqa: F401 - the review desk and hub bundles back
)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite can only ALTER through table copies
)
with context.begin_transaction():
    context.run_migrations()
