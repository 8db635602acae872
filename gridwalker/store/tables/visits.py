"""Household visits (入户走访)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field

from gridwalker.store.tables.base import JsonDoc, StreetField, Synced


class Visit(Synced, table=True):
    __table_args__ = (Index("ix_visit_household_day", "household_uuid", "visited_on"),)

    household_uuid: str = Field(foreign_key="household.uuid")
    member_uuid: str | None = Field(default=None, foreign_key="member.uuid")
    visited_on: date = Field(index=True)
    visited_at: datetime
    outcome: str
    residents_seen: list[str] = Field(
        default_factory=list, sa_column=Column(JsonDoc, nullable=False)
    )
    care_checks: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonDoc, nullable=False)
    )
    concerns: str = ""
    follow_up: date | None = None
    roster_changes: list[Any] = Field(
        default_factory=list, sa_column=Column(JsonDoc, nullable=False)
    )
    street_uuid: str | None = StreetField()
