"""One record at the desk: the row whole, its revisions from the hub's books, what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from gridwalker.domain.choices import ReviewState
from gridwalker.store.desk.errors import not_found
from gridwalker.store.desk.names import names_of
from gridwalker.store.revs import generation, json_value
from gridwalker.store.tables import SYNCED_TABLES, data_columns
from gridwalker.store.tables.hub import HubConflict, HubRev
from gridwalker.store.tables.review import HubDecision, HubReview

R = ReviewState


@dataclass(frozen=True)
class Revision:
    """One revision of a record as the hub received (or wrote) it."""

    rev: str
    base_rev: str | None
    origin: str | None
    deleted: bool
    data: dict[str, Any]
    updated_at: datetime
    updated_by: str
    device_id: str | None
    state: ReviewState | None
    comment: str
    head: bool = False


@dataclass(frozen=True)
class FieldChange:
    """A field whose value differs from the previous revision."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class DecisionRow:
    """One logged decision on a record."""

    rev: str
    state: ReviewState
    comment: str
    actor: str
    at: datetime


@dataclass
class RecordDetail:
    """A record whole, its revisions (oldest first), what changed, its review and decisions."""

    entity: str
    uuid: str
    title: str
    record: dict[str, Any]
    revisions: list[Revision]
    changes: list[FieldChange]
    state: ReviewState | None
    comment: str
    decided_by: str | None
    decided_at: datetime | None
    decisions: list[DecisionRow] = field(default_factory=list)
    conflict_fields: list[str] = field(default_factory=list)
    # A resubmission (a new revision of a returned record): the return it answers, and the
    # changes are then against the returned revision.
    returned: DecisionRow | None = None
    names: dict[str, str] = field(default_factory=dict)  # uuid -> a name or a place, in words

    @property
    def previous(self) -> Revision | None:
        """The revision the current one is compared with."""
        return self.revisions[-2] if len(self.revisions) > 1 else None


def live_row(conn: Connection, entity: str, uuid: str) -> dict[str, Any] | None:
    table = SYNCED_TABLES[entity].__table__
    row = conn.execute(select(table).where(table.c.uuid == uuid)).mappings().first()
    return dict(row) if row is not None else None


def json_data(entity: str, live: dict[str, Any]) -> dict[str, Any]:
    return {name: json_value(live[name]) for name in data_columns(entity)}


def record_detail(conn: Connection, entity: str, uuid: str) -> RecordDetail:
    """The record whole, its revision history from the hub's books and the diff to the previous."""
    if entity not in SYNCED_TABLES:
        raise not_found(entity, uuid)
    live = live_row(conn, entity, uuid)
    if live is None:
        raise not_found(entity, uuid)
    reviews = {
        r.rev: r
        for r in conn.execute(
            select(HubReview).where(HubReview.entity == entity, HubReview.uuid == uuid)
        )
    }
    versions = conn.execute(
        select(HubRev).where(HubRev.entity == entity, HubRev.uuid == uuid)
    ).all()
    revisions = []
    for v in versions:
        review = reviews.get(v.rev)
        revisions.append(
            Revision(
                rev=v.rev,
                base_rev=v.base_rev,
                origin=v.origin,
                deleted=v.deleted,
                data=dict(v.data),
                updated_at=v.updated_at,
                updated_by=v.updated_by,
                device_id=v.device_id,
                state=R(review.state) if review else None,
                comment=review.comment if review else "",
                head=v.head,
            )
        )
    if live["rev"] not in {r.rev for r in revisions}:
        review = reviews.get(live["rev"])
        revisions.append(
            Revision(
                rev=live["rev"],
                base_rev=live["base_rev"],
                origin=live["origin"],
                deleted=bool(live["deleted"]),
                data=json_data(entity, live),
                updated_at=live["updated_at"],
                updated_by=live["updated_by"],
                device_id=live["device_id"],
                state=R(review.state) if review else None,
                comment=review.comment if review else "",
            )
        )
    revisions.sort(key=lambda r: (generation(r.rev), r.updated_at, r.rev == live["rev"]))
    current_rev = live["rev"]
    revisions = [r for r in revisions if r.rev != current_rev] + [
        r for r in revisions if r.rev == current_rev
    ]
    by_rev = {r.rev: r for r in revisions}
    now_data = json_data(entity, live)
    base = by_rev.get(live["base_rev"] or "") or (revisions[-2] if len(revisions) > 1 else None)
    changes = [] if base is None else diff(entity, base, now_data, bool(live["deleted"]))
    current = reviews.get(current_rev)
    returned = None
    if current is not None and current.state == R.CORRECTED.value:
        returned = conn.execute(
            select(HubDecision)
            .where(
                HubDecision.entity == entity,
                HubDecision.uuid == uuid,
                HubDecision.state == R.RETURNED.value,
                HubDecision.rev != current_rev,
            )
            .order_by(HubDecision.id.desc())
        ).first()
    if returned is not None and returned.rev in by_rev:
        changes = diff(entity, by_rev[returned.rev], now_data, bool(live["deleted"]))
    decisions = [
        DecisionRow(d.rev, R(d.state), d.comment, d.actor, d.at)
        for d in conn.execute(
            select(HubDecision)
            .where(HubDecision.entity == entity, HubDecision.uuid == uuid)
            .order_by(HubDecision.id)
        )
    ]
    conflict_fields = list(
        conn.execute(
            select(HubConflict.field)
            .where(
                HubConflict.entity == entity,
                HubConflict.uuid == uuid,
                HubConflict.status == "open",
            )
            .order_by(HubConflict.id)
        ).scalars()
    )
    return RecordDetail(
        entity=entity,
        uuid=uuid,
        title=current.title if current else "",
        record=live,
        revisions=revisions,
        changes=changes,
        state=R(current.state) if current else None,
        comment=current.comment if current else "",
        decided_by=current.decided_by if current else None,
        decided_at=current.decided_at if current else None,
        decisions=decisions,
        conflict_fields=conflict_fields,
        returned=None
        if returned is None
        else DecisionRow(returned.rev, R.RETURNED, returned.comment, returned.actor, returned.at),
        names=names_of(conn, [live, *(r.data for r in revisions)]),
    )


def diff(entity: str, before: Revision, now: dict[str, Any], deleted: bool) -> list[FieldChange]:
    """The fields whose value differs between a revision and the record now."""
    changes = [
        FieldChange(name, before.data.get(name), now[name])
        for name in data_columns(entity)
        if before.data.get(name) != now[name]
    ]
    if before.deleted != deleted:
        changes.append(FieldChange("deleted", before.deleted, deleted))
    return changes
