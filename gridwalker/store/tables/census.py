"""Enterprises in commercial towers and their yearly census records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index, text
from sqlmodel import Field

from gridwalker.store.tables.base import StreetField, Synced


class Enterprise(Synced, table=True):
    building_uuid: str = Field(foreign_key="building.uuid", index=True)
    floor: int | None = None
    room: str | None = None
    uscc: str | None = Field(default=None, index=True)
    name: str
    industry: str | None = None
    ownership: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    operating_status: str = "normal"
    street_uuid: str | None = StreetField()


class CensusRecord(Synced, table=True):
    __tablename__ = "census_record"
    # One live record per enterprise and year; a tombstone (deleted) never blocks a new one.
    __table_args__ = (
        Index(
            "uq_census_record_live",
            "enterprise_uuid",
            "year",
            unique=True,
            sqlite_where=text("deleted = 0"),
            postgresql_where=text("NOT deleted"),
        ),
    )

    enterprise_uuid: str = Field(foreign_key="enterprise.uuid", index=True)
    year: int
    census_date: date
    member_uuid: str | None = Field(default=None, foreign_key="member.uuid")
    industry: str | None = None
    ownership: str | None = None
    scale: str | None = None
    employees: int | None = None
    operating_status: str = "normal"
    contact_name: str | None = None
    contact_phone: str | None = None
    party_org_status: str = "none"
    party_org_kind: str | None = None
    party_members: int = 0
    instructor_assigned: bool = False
    has_union: bool = False
    has_youth_league: bool = False
    street_uuid: str | None = StreetField()
