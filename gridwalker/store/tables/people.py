"""Residents (实有人口) of a household."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column
from sqlmodel import Field

from gridwalker.store.tables.base import JsonDoc, StreetField, Synced


class Resident(Synced, table=True):
    household_uuid: str = Field(foreign_key="household.uuid", index=True)
    name: str
    sex: str | None = None
    birth_date: date | None = None
    id_number: str | None = Field(default=None, index=True)
    phone: str | None = None
    relation: str = "self"
    residence_type: str = "permanent"
    care_tags: list[str] = Field(default_factory=list, sa_column=Column(JsonDoc, nullable=False))
    moved_out: bool = False
    moved_out_on: date | None = None  # the day of moving out (迁出), when known
    moved_to: str | None = None  # where to (free text)
    street_uuid: str | None = StreetField()
