"""Residents' issues (居民诉求) and the events of their workflow."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field

from gridwalker.store.tables.base import StreetField, Synced


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
    street_uuid: str | None = StreetField()


class IssueEvent(Synced, table=True):
    __tablename__ = "issue_event"

    issue_uuid: str = Field(foreign_key="issue.uuid", index=True)
    at: datetime
    actor: str
    action: str
    from_status: str | None = None
    to_status: str
    note: str = ""
    street_uuid: str | None = StreetField()
