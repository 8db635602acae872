"""The sync columns every synced row carries (BUNDLE.md, Records).

They are maintained by `store.writes.Writer` in the same transaction as the write; nothing
else writes synced rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# Marks a column the database derives or keeps beside the row's fields (its street, the
# hub's books of its version): no field of the record, so it never travels in a bundle and
# never enters a rev (`data_columns`).
DERIVED = "derived"

# JSON columns: text on SQLite, JSONB on PostgreSQL (indexable, with its operators).
JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class Synced(SQLModel):
    """Columns every synced row carries (BUNDLE.md, Records)."""

    uuid: str = Field(primary_key=True, max_length=36)
    rev: str = Field(max_length=40)
    base_rev: str | None = Field(default=None, max_length=40)
    change: int = Field(index=True)
    updated_at: datetime
    updated_by: str = Field(max_length=64)
    deleted: bool = Field(default=False)
    # The hub's books for the live version (null on a laptop): the device whose bundle
    # brought it (null when the hub made or merged it) and its origin link. With them the
    # live row is a whole version, as a `hub_rev` row is (sync.hub.apply).
    device_id: str | None = Field(
        default=None, max_length=64, sa_column_kwargs={"info": {DERIVED: True}}
    )
    origin: str | None = Field(
        default=None, max_length=40, sa_column_kwargs={"info": {DERIVED: True}}
    )


def StreetField() -> Any:  # noqa: N802 - used like sqlmodel's Field
    """The street a place-bound row belongs to, derived from its place chain
    (`store.streets.fill_streets`); what the filters and row-level security read."""
    return Field(
        default=None, max_length=36, index=True, sa_column_kwargs={"info": {DERIVED: True}}
    )
