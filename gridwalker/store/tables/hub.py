"""Tables of the sync bundle (BUNDLE.md): the laptop's export log and the hub's books.

Laptop side: `sync_export`, one row per bundle written (seq, the manifest hash that chains the
next bundle, the change range), so seq has no gaps and a crash between the rename and the
commit is recovered on the next run.

Hub side: enrolled device keys, the ledger of applied bundles, the backlog of bundles held
for a gap, the quarantine log, every row version ever received (rev history) and the
supervisor's conflict queue. All portable SQL (no SQLite-only features): a PostgreSQL hub
uses the same tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from gridwalker.store.tables.base import JsonDoc


class SyncExport(SQLModel, table=True):
    """One bundle written by this laptop (status pending until the file has its final name)."""

    __tablename__ = "sync_export"

    seq: int = Field(primary_key=True)
    bundle_id: str = Field(max_length=36)
    manifest_sha256: str = Field(max_length=64)
    kind: str = Field(max_length=8)
    from_change: int
    to_change: int
    audit_mark: int = 0  # highest audit id covered: what the next bundle calls `origin`
    records: int = 0
    file: str
    status: str = Field(default="pending", max_length=8)
    created_at: datetime


class HubDevice(SQLModel, table=True):
    """A laptop's device key trusted by this hub, for one member."""

    __tablename__ = "hub_device"

    key_id: str = Field(primary_key=True, max_length=16)
    member: str
    public_key: str  # minisign public key, base64 line
    recipient: str | None = None  # the laptop's age recipient, for hub bundles back
    device_id: str | None = Field(default=None, max_length=64, index=True)  # bound at enrolment
    enrolled_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    baseline: bool = False  # its first full bundle enters as the accepted baseline
    baseline_until: int | None = None  # … the hub's change numbers it wrote (set when applied)


class HubSupervisor(SQLModel, table=True):
    """Someone who decides at this hub's desk, over a street or a community (None: all)."""

    __tablename__ = "hub_supervisor"

    name: str = Field(primary_key=True, max_length=200)
    street_uuid: str | None = Field(default=None, max_length=36)
    community_uuid: str | None = Field(default=None, max_length=36)
    added_at: datetime


class HubLedger(SQLModel, table=True):
    """One applied bundle: (device, seq) is applied once; its manifest hash detects forks."""

    __tablename__ = "hub_ledger"
    __table_args__ = (UniqueConstraint("device_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(max_length=64, index=True)
    seq: int
    key_id: str = Field(max_length=16)
    member: str
    bundle_id: str = Field(max_length=36)
    manifest_sha256: str = Field(max_length=64)
    prev_manifest_sha256: str | None = Field(default=None, max_length=64)
    file_sha256: str = Field(max_length=64)
    kind: str = Field(max_length=8)
    from_change: int
    to_change: int
    records: int
    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    file: str
    imported_at: datetime
    forced_by: str | None = None  # a supervisor applied it before the bundles it follows


class HubBacklog(SQLModel, table=True):
    """A verified bundle held until the bundles before it arrive (a gap in seq)."""

    __tablename__ = "hub_backlog"
    __table_args__ = (UniqueConstraint("device_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(max_length=64, index=True)
    seq: int
    manifest_sha256: str = Field(max_length=64)
    path: str
    received_at: datetime


class HubQuarantine(SQLModel, table=True):
    """A refused bundle, moved to the quarantine folder with a reason file."""

    __tablename__ = "hub_quarantine"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    file: str
    path: str
    reason: str = Field(max_length=32)
    message: str
    device_id: str | None = None
    seq: int | None = None
    file_sha256: str | None = Field(default=None, max_length=64, index=True)  # the same file
    # coming again is noted, not quarantined again


class HubRev(SQLModel, table=True):
    """Every version of a row the hub received, with its links (nothing is lost).

    The live table shows the current version (or the merge of several heads); here are all
    versions as they arrived, with `origin` and the device, which the merge rule needs.
    `head` marks the versions a conflicting row was merged from.
    """

    __tablename__ = "hub_rev"

    entity: str = Field(primary_key=True, max_length=32)
    uuid: str = Field(primary_key=True, max_length=36)
    rev: str = Field(primary_key=True, max_length=40)
    base_rev: str | None = Field(default=None, max_length=40)
    origin: str | None = Field(default=None, max_length=40)
    deleted: bool = False
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonDoc, nullable=False))
    updated_at: datetime
    updated_by: str = Field(max_length=64)
    device_id: str | None = Field(default=None, max_length=64)
    head: bool = False


class HubConflict(SQLModel, table=True):
    """The same field edited differently on two laptops: for the supervisor to decide."""

    __tablename__ = "hub_conflict"

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32, index=True)
    uuid: str = Field(max_length=36, index=True)
    field: str
    base_rev: str | None = Field(default=None, max_length=40)
    chosen_rev: str = Field(max_length=40)
    candidates: list[Any] = Field(default_factory=list, sa_column=Column(JsonDoc, nullable=False))
    status: str = Field(default="open", max_length=16)
    created_at: datetime
    resolved_at: datetime | None = None


class HubUser(SQLModel, table=True):
    """A PostgreSQL login of this hub and the street it may see (`hub user add`).

    Read by the row-level security policies (`store.rls`) through `current_user`: a
    supervisor's rows confine it to its streets; an admin row lets the login see all.
    """

    __tablename__ = "hub_user"

    login: str = Field(primary_key=True, max_length=63)
    street_uuid: str = Field(primary_key=True, max_length=36)
    role: str = Field(max_length=16)  # supervisor, admin
    added_at: datetime
