"""The review queue: which current review rows a filter holds, a page at a time, and counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Connection, and_, case, exists, func, literal, select, true

from gridwalker.domain.choices import ReviewState
from gridwalker.store.dialect import db_now
from gridwalker.store.tables import Community, Grid, Member
from gridwalker.store.tables.hub import HubConflict
from gridwalker.store.tables.review import HubClaim, HubReview

R = ReviewState
QUEUE_STATES = frozenset({R.RECEIVED.value, R.CORRECTED.value})
FLAGS = ("conflict", "deleted", "new", "edited")


@dataclass(frozen=True)
class QueueFilter:
    """Which records the queue shows; None / empty means "any"."""

    street_uuid: str | None = None
    community_uuid: str | None = None
    grid_uuid: str | None = None
    member_uuid: str | None = None
    entity: str | None = None  # the kind: visit, household, resident, census_record, issue
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    states: frozenset[str] = QUEUE_STATES
    flags: frozenset[str] = frozenset()  # conflict, deleted, new (first revision), edited


@dataclass(frozen=True)
class QueueRow:
    """One line of the review queue."""

    id: int
    entity: str
    uuid: str
    rev: str
    state: ReviewState
    title: str
    day: date | None
    community: str
    grid_code: str
    member: str
    device_id: str | None
    updated_by: str
    updated_at: datetime
    received_at: datetime
    deleted: bool
    generation: int
    conflict: bool
    comment: str
    claimed_by: str = ""  # the supervisor whose desk has the record open (a live claim)


def _open_conflict() -> ColumnElement[bool]:
    return exists().where(
        HubConflict.entity == HubReview.entity,
        HubConflict.uuid == HubReview.uuid,
        HubConflict.status == "open",
    )


def _queue_where(flt: QueueFilter) -> list[ColumnElement[bool]]:
    unknown = set(flt.flags) - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown flag(s) {sorted(unknown)}; known: {', '.join(FLAGS)}")
    conds: list[ColumnElement[bool]] = [HubReview.current == true()]
    if flt.states:
        conds.append(HubReview.state.in_(sorted(flt.states)))
    if flt.street_uuid:
        conds.append(HubReview.street_uuid == flt.street_uuid)
    if flt.community_uuid:
        conds.append(HubReview.community_uuid == flt.community_uuid)
    if flt.grid_uuid:
        conds.append(HubReview.grid_uuid == flt.grid_uuid)
    if flt.member_uuid:
        conds.append(HubReview.member_uuid == flt.member_uuid)
    if flt.entity:
        conds.append(HubReview.entity == flt.entity)
    if flt.date_from:
        conds.append(HubReview.day >= flt.date_from)
    if flt.date_to:
        conds.append(HubReview.day <= flt.date_to)
    if "conflict" in flt.flags:
        conds.append(_open_conflict())
    if "deleted" in flt.flags:
        conds.append(HubReview.deleted == true())
    if "new" in flt.flags:
        conds.append(HubReview.generation == 1)
    if "edited" in flt.flags:
        conds.append(HubReview.generation > 1)
    return conds


def queue_page(
    conn: Connection, flt: QueueFilter, offset: int, limit: int, *, desk: str | None = None
) -> list[QueueRow]:
    """One page of the queue, the oldest record first (by its day: a visit's date …), then
    the oldest arrival. `claimed_by` names who has a record open at a desk other than `desk`."""
    order = (HubReview.day, HubReview.received_at, HubReview.id)
    # The page's ids first, from hub_review alone: its index gives them in order and the
    # search stops at the page; names and flags are then looked up for those rows only (with
    # the joins in the same query, every waiting record was joined before the sort).
    page = (
        select(HubReview.id)
        .where(*_queue_where(flt))
        .order_by(*order)
        .offset(max(0, offset))
        .limit(max(0, limit))
        .subquery()
    )
    conflict = case((_open_conflict(), literal(1)), else_=literal(0))
    stmt = (
        select(
            HubReview,
            func.coalesce(Community.name, "").label("community"),
            func.coalesce(Grid.code, "").label("grid_code"),
            func.coalesce(Member.name, "").label("member"),
            conflict.label("conflict"),
            func.coalesce(HubClaim.actor, "").label("claimed_by"),
        )
        .join(page, page.c.id == HubReview.id)
        .outerjoin(Grid, Grid.uuid == HubReview.grid_uuid)
        .outerjoin(Community, Community.uuid == HubReview.community_uuid)
        .outerjoin(Member, Member.uuid == HubReview.member_uuid)
        .outerjoin(
            HubClaim,
            and_(
                HubClaim.entity == HubReview.entity,
                HubClaim.uuid == HubReview.uuid,
                HubClaim.expires_at > db_now(conn),
                HubClaim.holder != (desk or ""),
            ),
        )
        .order_by(*order)
    )
    out = []
    for r in conn.execute(stmt):
        out.append(
            QueueRow(
                id=r.id,
                entity=r.entity,
                uuid=r.uuid,
                rev=r.rev,
                state=R(r.state),
                title=r.title,
                day=r.day,
                community=r.community,
                grid_code=r.grid_code,
                member=r.member,
                device_id=r.device_id,
                updated_by=r.updated_by,
                updated_at=r.updated_at,
                received_at=r.received_at,
                deleted=r.deleted,
                generation=r.generation,
                conflict=bool(r.conflict),
                comment=r.comment,
                claimed_by=r.claimed_by,
            )
        )
    return out


def queue_count(conn: Connection, flt: QueueFilter) -> int:
    """How many records a queue filter holds."""
    stmt = select(func.count()).select_from(HubReview).where(*_queue_where(flt))
    return conn.execute(stmt).scalar_one()


def state_counts(conn: Connection, flt: QueueFilter) -> dict[str, int]:
    """Current records per review state under a filter's other conditions."""
    conds = _queue_where(QueueFilter(**{**flt.__dict__, "states": frozenset()}))
    counts = {s.value: 0 for s in ReviewState}
    for state, n in conn.execute(
        select(HubReview.state, func.count()).where(*conds).group_by(HubReview.state)
    ):
        counts[state] = n
    return counts
