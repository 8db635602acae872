"""Places: street, community, member, grid, building, household (DOMAIN.md, Places)."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field

from gridwalker.store.tables.base import StreetField, Synced


class Street(Synced, table=True):
    name: str
    area_code: str = Field(max_length=6)


class Community(Synced, table=True):
    street_uuid: str = Field(foreign_key="street.uuid", index=True)
    name: str


class Member(Synced, table=True):
    name: str
    phone: str | None = None
    role: str = "member"
    grid_uuid: str | None = Field(default=None, index=True)
    street_uuid: str | None = StreetField()


class Grid(Synced, table=True):
    community_uuid: str = Field(foreign_key="community.uuid", index=True)
    code: str = Field(index=True, unique=True)
    name: str
    member_uuid: str | None = Field(default=None, foreign_key="member.uuid")
    street_uuid: str | None = StreetField()


class Building(Synced, table=True):
    grid_uuid: str = Field(foreign_key="grid.uuid", index=True)
    name: str
    seq: int = 0  # walking order within the grid
    kind: str = "residential"
    floors: int | None = None
    units: int | None = None
    has_elevator: bool = False
    property_company: str | None = None
    property_phone: str | None = None
    head_name: str | None = None
    head_phone: str | None = None
    street_uuid: str | None = StreetField()


class Household(Synced, table=True):
    __table_args__ = (Index("ix_household_walk", "building_uuid", "unit", "floor", "room"),)

    building_uuid: str = Field(foreign_key="building.uuid")
    unit: int = 1
    floor: int = 1
    room: str
    occupancy: str = "owner"
    head_name: str | None = None
    phone: str | None = None
    street_uuid: str | None = StreetField()
