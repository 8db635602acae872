"""Tables of the supervisors' review desk (issue #7) and of hub bundles back to the laptops.

Hub side: the review state of every received revision (`hub_review`, one row per entity,
uuid and rev; `current` marks the row's live revision), the append-only log of decisions
(`hub_decision`), the desks' claims on records open for review (`hub_claim`), conflict resolutions with who and why (`hub_resolution`), hub bundles
written per device (`hub_outbox`) and small counters (`hub_mark`). A bundle a supervisor
forced is booked in the ledger (`hub_ledger.forced_by`, store.tables.hub).

Laptop side: hub bundles applied (`hub_inbox`) and the supervisor's latest decision per
record (`review_decision`), so the Today screen lists returned items with their comment.
All portable SQL: a PostgreSQL hub uses the same tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from gridwalker.store.tables.base import JsonDoc


class HubReview(SQLModel, table=True):
    """The review state of one received revision of a record (visit, roster row, census, issue)."""

    __tablename__ = "hub_review"
    __table_args__ = (
        UniqueConstraint("entity", "uuid", "rev"),
        Index(
            "ix_hub_review_queue_day",
            "state",
            "day",
            "received_at",
            "id",
            sqlite_where=text("current = 1"),
            postgresql_where=text("current"),
        ),
        Index("ix_hub_review_record", "entity", "uuid"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32)
    uuid: str = Field(max_length=36)
    rev: str = Field(max_length=40)
    state: str = Field(max_length=16)
    current: bool = True
    title: str = ""
    day: date | None = Field(default=None, index=True)
    grid_uuid: str | None = Field(default=None, max_length=36, index=True)
    community_uuid: str | None = Field(default=None, max_length=36, index=True)
    street_uuid: str | None = Field(default=None, max_length=36, index=True)
    member_uuid: str | None = Field(default=None, max_length=36, index=True)
    device_id: str | None = Field(default=None, max_length=64)
    deleted: bool = False
    generation: int = 1
    updated_at: datetime
    updated_by: str = Field(max_length=64)
    received_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    comment: str = ""


class HubDecision(SQLModel, table=True):
    """One supervisor decision (approve / return with a comment): the log hub bundles send."""

    __tablename__ = "hub_decision"

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32)
    uuid: str = Field(max_length=36, index=True)
    rev: str = Field(max_length=40)
    state: str = Field(max_length=16)
    comment: str = ""
    actor: str
    at: datetime
    device_id: str | None = Field(default=None, max_length=64, index=True)
    member_uuid: str | None = Field(default=None, max_length=36)


class HubClaim(SQLModel, table=True):
    """A desk's claim on one record under review: who has it open, since when, until when.

    One row per record at most; a claim whose lease ran out counts as none (store.desk.claims
    says why a lease rather than a lock the server holds).
    """

    __tablename__ = "hub_claim"

    entity: str = Field(primary_key=True, max_length=32)
    uuid: str = Field(primary_key=True, max_length=36)
    holder: str = Field(max_length=64, index=True)  # the desk (one run of it), not the person
    actor: str = Field(max_length=64)  # the supervisor shown to other desks
    claimed_at: datetime
    expires_at: datetime


class HubResolution(SQLModel, table=True):
    """A conflict decided by a supervisor: the new revision, who and why."""

    __tablename__ = "hub_resolution"

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32)
    uuid: str = Field(max_length=36, index=True)
    rev: str = Field(max_length=40)
    heads: list[str] = Field(default_factory=list, sa_column=Column(JsonDoc, nullable=False))
    choices: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonDoc, nullable=False))
    conflict_ids: list[int] = Field(default_factory=list, sa_column=Column(JsonDoc, nullable=False))
    actor: str
    reason: str
    at: datetime


class HubOutbox(SQLModel, table=True):
    """One hub bundle written for a device: its own seq and hash chain, and what it covered."""

    __tablename__ = "hub_outbox"

    device_id: str = Field(primary_key=True, max_length=64)
    seq: int = Field(primary_key=True)
    bundle_id: str = Field(max_length=36)
    manifest_sha256: str = Field(max_length=64)
    audit_mark: int = 0  # highest hub audit id covered (hub-side writes)
    decision_mark: int = 0  # highest hub_decision id covered
    consult_mark: int = 0  # highest hub change number of consultation rows covered
    records: int = 0
    decisions: int = 0
    file: str
    created_at: datetime


class HubMark(SQLModel, table=True):
    """A named counter of the hub (e.g. the change number up to which arrivals are reviewed)."""

    __tablename__ = "hub_mark"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class HubInbox(SQLModel, table=True):
    """A hub bundle applied on this laptop: seq per device, no gaps, hash chained."""

    __tablename__ = "hub_inbox"

    seq: int = Field(primary_key=True)
    bundle_id: str = Field(max_length=36)
    manifest_sha256: str = Field(max_length=64)
    file_sha256: str = Field(max_length=64)
    hub_key_id: str = Field(max_length=16)
    records: int = 0
    decisions: int = 0
    file: str
    imported_at: datetime


class ReviewDecision(SQLModel, table=True):
    """The supervisor's latest decision on a record, as received on this laptop."""

    __tablename__ = "review_decision"

    entity: str = Field(primary_key=True, max_length=32)
    uuid: str = Field(primary_key=True, max_length=36)
    rev: str = Field(max_length=40)
    state: str = Field(max_length=16, index=True)
    comment: str = ""
    decided_by: str = ""
    decided_at: datetime
    received_at: datetime
