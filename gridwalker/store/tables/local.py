"""Tables of one database only, never synced: device counter, audit trail, drafts, search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from gridwalker.store.tables.base import JsonDoc


class Device(SQLModel, table=True):
    """This database's identity and its monotonic change counter (one row, id 1)."""

    id: int = Field(default=1, primary_key=True)
    device_id: str
    change_counter: int = 0
    exported_change: int = 0
    last_export_at: datetime | None = None
    last_export_file: str | None = None


class Audit(SQLModel, table=True):
    """Append-only trail of who changed what (field names, never values: no personal data)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str
    entity: str
    uuid: str = Field(index=True)
    op: str
    rev: str
    fields: list[str] = Field(default_factory=list, sa_column=Column(JsonDoc, nullable=False))


class Draft(SQLModel, table=True):
    """A form in progress, saved on every change so nothing typed is lost."""

    key: str = Field(primary_key=True)  # e.g. "visit:<household uuid>"
    kind: str
    title: str = ""
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonDoc, nullable=False))
    updated_at: datetime


class SearchDoc(SQLModel, table=True):
    """One searchable record; the FTS5 index (store/search.py) mirrors the `text` column."""

    __tablename__ = "search_doc"
    __table_args__ = (UniqueConstraint("entity", "uuid"),)

    id: int | None = Field(default=None, primary_key=True)
    entity: str
    uuid: str
    grid_uuid: str | None = Field(default=None, index=True)
    title: str
    subtitle: str = ""
    name: str = Field(default="", index=True)
    initials: str = Field(default="", index=True)
    spell: str = Field(default="", index=True)
    room: str = Field(default="", index=True)
    place: str = Field(default="", index=True)  # community name (households)
    text: str = ""
    pairs: str = ""  # pairs of adjacent Chinese characters in text
