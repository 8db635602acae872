"""Building consultations (意见征询): the consultation, its owner register, the owners' votes.

Areas and amounts are decimal text ("85.30"): exact wherever the row travels (a bundle line,
PostgreSQL, SQLite), never a float. A vote is never overwritten: an owner's later vote is a
new row, the earlier stays as history, and the count takes each room's latest
(`store.consult.votes.effective_votes`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field

from gridwalker.store.tables.base import JsonDoc, StreetField, Synced


class Consultation(Synced, table=True):
    grid_uuid: str = Field(foreign_key="grid.uuid", index=True)
    building_uuid: str = Field(foreign_key="building.uuid", index=True)
    unit: int | None = None  # one 单元 of the building (elevators are decided per unit)
    title: str
    kind: str = "decision"
    matter: str | None = None  # decisions: major / ordinary (Civil Code art. 278)
    options: list[str] = Field(default_factory=list, sa_column=Column(JsonDoc, nullable=False))
    opens: date | None = None
    closes: date | None = None
    cost: str | None = None  # yuan, decimal text (elevator cost sharing)
    subsidy: str | None = None
    coefficients: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonDoc, nullable=False)
    )  # floor number (text) → coefficient (decimal text)
    status: str = "open"
    # Set when a supervisor closes it at the hub: the result is fixed from then on, made of
    # the votes in `counted` only (a vote arriving later is kept, reported, never counted).
    closed_at: datetime | None = None
    closed_by: str | None = None
    counted: list[str] = Field(default_factory=list, sa_column=Column(JsonDoc, nullable=False))
    # the owner register as it was counted: room uuid → {"owner": owner_key, "area": "85.30"}
    counted_rooms: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonDoc, nullable=False)
    )
    street_uuid: str | None = StreetField()


class ConsultRoom(Synced, table=True):
    """One room (专有部分) of a consultation's owner register."""

    __tablename__ = "consult_room"
    __table_args__ = (Index("ix_consult_room_place", "consultation_uuid", "unit", "room"),)

    consultation_uuid: str = Field(foreign_key="consultation.uuid")
    unit: int | None = None
    floor: int | None = None
    room: str
    owner: str
    unsold: bool = False  # the developer's unsold room (all of them count as one owner)
    area: str  # m², decimal text
    household_uuid: str | None = Field(default=None, foreign_key="household.uuid")
    street_uuid: str | None = StreetField()


class ConsultVote(Synced, table=True):
    """One vote of a room's owner; a later vote of the same room replaces it in the count."""

    __tablename__ = "consult_vote"

    consultation_uuid: str = Field(foreign_key="consultation.uuid", index=True)
    room_uuid: str = Field(foreign_key="consult_room.uuid", index=True)
    choice: str  # a VoteChoice code (decision) or the option's text (survey)
    way: str = "signed"
    form_no: str | None = None  # the paper form's number (在场签字)
    proxy_name: str | None = None  # who signed for the owner (委托)
    voted_on: date
    recorded_at: datetime
    recorded_by: str | None = None  # the member's name
    street_uuid: str | None = StreetField()
