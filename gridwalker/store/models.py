"""SQLModel tables for the whole model of DOMAIN.md.

Every synced table carries the sync columns of BUNDLE.md (uuid, rev, base_rev, change,
updated_at, updated_by, deleted). They are maintained by `store.writes.Writer` in the same
transaction as the write; nothing else writes synced rows.

Enum-valued columns hold the code of a `domain.choices` enum (e.g. "owner"), so the
database stays readable and portable; the domain layer turns codes into labels.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Synced(SQLModel):
    """Columns every synced row carries (BUNDLE.md, Records)."""

    uuid: str = Field(primary_key=True, max_length=36)
    rev: str = Field(max_length=40)
    base_rev: str | None = Field(default=None, max_length=40)
    change: int = Field(index=True)
    updated_at: datetime
    updated_by: str = Field(max_length=64)
    deleted: bool = Field(default=False)


# --- places ---------------------------------------------------------------------------------


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


class Grid(Synced, table=True):
    community_uuid: str = Field(foreign_key="community.uuid", index=True)
    code: str = Field(index=True, unique=True)
    name: str
    member_uuid: str | None = Field(default=None, foreign_key="member.uuid")


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


class Household(Synced, table=True):
    __table_args__ = (Index("ix_household_walk", "building_uuid", "unit", "floor", "room"),)

    building_uuid: str = Field(foreign_key="building.uuid")
    unit: int = 1
    floor: int = 1
    room: str
    occupancy: str = "owner"
    head_name: str | None = None
    phone: str | None = None


class Resident(Synced, table=True):
    household_uuid: str = Field(foreign_key="household.uuid", index=True)
    name: str
    sex: str | None = None
    birth_date: date | None = None
    id_number: str | None = Field(default=None, index=True)
    phone: str | None = None
    relation: str = "self"
    residence_type: str = "permanent"
    care_tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    moved_out: bool = False


class Visit(Synced, table=True):
    __table_args__ = (Index("ix_visit_household_day", "household_uuid", "visited_on"),)

    household_uuid: str = Field(foreign_key="household.uuid")
    member_uuid: str | None = Field(default=None, foreign_key="member.uuid")
    visited_on: date = Field(index=True)
    visited_at: datetime
    outcome: str
    residents_seen: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    care_checks: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    concerns: str = ""
    follow_up: date | None = None
    roster_changes: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# --- enterprises ----------------------------------------------------------------------------


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


class CensusRecord(Synced, table=True):
    __tablename__ = "census_record"
    __table_args__ = (UniqueConstraint("enterprise_uuid", "year"),)

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


# --- issues ---------------------------------------------------------------------------------


class Issue(Synced, table=True):
    grid_uuid: str | None = Field(default=None, foreign_key="grid.uuid", index=True)
    building_uuid: str | None = Field(default=None, foreign_key="building.uuid")
    household_uuid: str | None = Field(default=None, foreign_key="household.uuid", index=True)
    enterprise_uuid: str | None = Field(default=None, foreign_key="enterprise.uuid", index=True)
    visit_uuid: str | None = Field(default=None, foreign_key="visit.uuid")
    place: str = ""
    reporter_kind: str = "resident"
    reporter_name: str | None = None
    category: str
    description: str
    people_affected: int | None = None
    urgency: str = "normal"
    status: str = Field(default="reported", index=True)
    held_from: str | None = None
    reported_on: date
    due_date: date | None = Field(default=None, index=True)
    logged_by: str | None = Field(default=None, foreign_key="member.uuid")


class IssueEvent(Synced, table=True):
    __tablename__ = "issue_event"

    issue_uuid: str = Field(foreign_key="issue.uuid", index=True)
    at: datetime
    actor: str
    action: str
    from_status: str | None = None
    to_status: str
    note: str = ""


# --- local, not synced ----------------------------------------------------------------------


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
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Draft(SQLModel, table=True):
    """A form in progress, saved on every change so nothing typed is lost."""

    key: str = Field(primary_key=True)  # e.g. "visit:<household uuid>"
    kind: str
    title: str = ""
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
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


# The synced entities in dependency order (parents before children): the order of writes
# in a bundle, and the names used in records/<entity>.jsonl.
SYNCED_TABLES: dict[str, type[Synced]] = {
    "street": Street,
    "community": Community,
    "member": Member,
    "grid": Grid,
    "building": Building,
    "household": Household,
    "resident": Resident,
    "visit": Visit,
    "enterprise": Enterprise,
    "census_record": CensusRecord,
    "issue": Issue,
    "issue_event": IssueEvent,
}

SYNC_COLUMNS = ("uuid", "rev", "base_rev", "change", "updated_at", "updated_by", "deleted")


def data_columns(entity: str) -> list[str]:
    """The row's own fields (what a record's `data` holds and the rev hashes)."""
    table = SYNCED_TABLES[entity].__table__
    return [c.name for c in table.columns if c.name not in SYNC_COLUMNS]
