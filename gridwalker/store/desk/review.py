"""The supervisors' review desk on the hub (issue #7): review states, decisions, conflicts,
the bundle books, members and coverage; and, on a laptop, the decisions that came back.

Every received revision of a reviewed record (visits, roster rows, census records, issues)
gets a `hub_review` row: `received` on arrival, `corrected` when it is a new revision of a
returned record, then `approved` or `returned` (with a comment) by a supervisor. Arrivals are
picked up by `record_arrivals` from the hub's change counter (imports advance it), so the
import path needs no hook: call it after an import and when the desk opens. Decisions are
logged in `hub_decision`, which hub bundles carry back to the laptops.

Queries are portable SQLAlchemy expressions over the live tables and the hub's books; bulk
writes use Core executemany. Revisions the hub writes itself (conflict resolutions, the
supervisor's issue actions) go through `Writer` like every other write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)

from gridwalker.domain import clock
from gridwalker.domain.choices import IssueCategory, ReviewState, Role, VisitOutcome
from gridwalker.domain.validators import Invalid
from gridwalker.domain.workflow import IssueAction
from gridwalker.store import census, issues, rounds
from gridwalker.store.bulk import insert_rows
from gridwalker.store.desk import coverage_lists
from gridwalker.store.revs import generation, json_value, next_rev
from gridwalker.store.tables import (
    SYNCED_TABLES,
    Audit,
    Building,
    CensusRecord,
    Community,
    Device,
    Enterprise,
    Grid,
    Household,
    Issue,
    Member,
    Resident,
    Visit,
    data_columns,
)
from gridwalker.store.tables.hub import (
    HubBacklog,
    HubConflict,
    HubDevice,
    HubLedger,
    HubQuarantine,
    HubRev,
)
from gridwalker.store.tables.review import (
    HubDecision,
    HubMark,
    HubResolution,
    HubReview,
    ReviewDecision,
)
from gridwalker.store.writes import Writer, stamp

R = ReviewState
REVIEWED: tuple[str, ...] = ("visit", "household", "resident", "census_record", "issue")
QUEUE_STATES = frozenset({R.RECEIVED.value, R.CORRECTED.value})
FLAGS = ("conflict", "deleted", "new", "edited")
ARRIVALS_MARK = "arrivals"
WINDOW = 5000
SPARK_DAYS = 28
MERGE_LINK_ACTOR = "hub-merge"


class ReviewError(ValueError):
    """A review action that cannot be taken; `.invalid` says why in zh and en."""

    def __init__(self, invalid: Invalid) -> None:
        super().__init__(f"{invalid.zh} / {invalid.en}")
        self.invalid = invalid


def _not_found(entity: str, uuid: str) -> ReviewError:
    return ReviewError(
        Invalid(
            "review.not_found",
            f"找不到待审核的记录「{entity} {uuid}」",
            f"No received record {entity} {uuid}",
        )
    )


# --- arrivals -------------------------------------------------------------------------------


def _row_columns(model: Any) -> tuple[Any, ...]:
    """The columns every queue row starts with: which revision, and who wrote it when."""
    return (model.uuid, model.rev, model.deleted, model.updated_at, model.updated_by)


def _describe(entity: str) -> Select[Any]:
    """Per live row of a reviewed entity: sync columns, its day, place, member and title parts."""
    if entity == "visit":
        return (
            select(
                *_row_columns(Visit),
                Visit.visited_on.label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                func.coalesce(Visit.member_uuid, Grid.member_uuid).label("member_uuid"),
                Building.name.label("t1"),
                Household.unit.label("t2"),
                Household.room.label("t3"),
                Visit.outcome.label("t4"),
            )
            .select_from(Visit)
            .outerjoin(Household, Household.uuid == Visit.household_uuid)
            .outerjoin(Building, Building.uuid == Household.building_uuid)
            .outerjoin(Grid, Grid.uuid == Building.grid_uuid)
        ), Visit
    if entity == "household":
        return (
            select(
                *_row_columns(Household),
                literal(None).label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                Grid.member_uuid,
                Building.name.label("t1"),
                Household.unit.label("t2"),
                Household.room.label("t3"),
                Household.head_name.label("t4"),
            )
            .select_from(Household)
            .outerjoin(Building, Building.uuid == Household.building_uuid)
            .outerjoin(Grid, Grid.uuid == Building.grid_uuid)
        ), Household
    if entity == "resident":
        return (
            select(
                *_row_columns(Resident),
                literal(None).label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                Grid.member_uuid,
                Building.name.label("t1"),
                Household.unit.label("t2"),
                Household.room.label("t3"),
                Resident.name.label("t4"),
            )
            .select_from(Resident)
            .outerjoin(Household, Household.uuid == Resident.household_uuid)
            .outerjoin(Building, Building.uuid == Household.building_uuid)
            .outerjoin(Grid, Grid.uuid == Building.grid_uuid)
        ), Resident
    if entity == "census_record":
        return (
            select(
                *_row_columns(CensusRecord),
                CensusRecord.census_date.label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                func.coalesce(CensusRecord.member_uuid, Grid.member_uuid).label("member_uuid"),
                Building.name.label("t1"),
                CensusRecord.year.label("t2"),
                Enterprise.room.label("t3"),
                Enterprise.name.label("t4"),
            )
            .select_from(CensusRecord)
            .outerjoin(Enterprise, Enterprise.uuid == CensusRecord.enterprise_uuid)
            .outerjoin(Building, Building.uuid == Enterprise.building_uuid)
            .outerjoin(Grid, Grid.uuid == Building.grid_uuid)
        ), CensusRecord
    if entity == "issue":
        return (
            select(
                *_row_columns(Issue),
                Issue.reported_on.label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                func.coalesce(Issue.logged_by, Grid.member_uuid).label("member_uuid"),
                Issue.place.label("t1"),
                Issue.category.label("t2"),
                Issue.status.label("t3"),
                Issue.description.label("t4"),
            )
            .select_from(Issue)
            .outerjoin(Grid, Grid.uuid == Issue.grid_uuid)
        ), Issue
    raise ValueError(f"{entity!r} is not a reviewed entity ({', '.join(REVIEWED)})")


def _title(entity: str, row: Any) -> str:
    """A short, language-neutral line naming the record (place, name, year)."""
    address = " ".join(
        str(p)
        for p in (row.t1, f"{row.t2}单元" if row.t2 is not None else None, row.t3)
        if p not in (None, "")
    )
    if entity == "visit":
        try:
            outcome = VisitOutcome(row.t4).zh
        except ValueError:
            outcome = str(row.t4)
        return f"{address} · {outcome}"
    if entity == "household":
        return f"{address} · {row.t4}" if row.t4 else address
    if entity == "resident":
        return f"{row.t4} · {address}"
    if entity == "census_record":
        return f"{row.t4 or '?'} · {row.t1 or ''} {row.t3 or ''} · {row.t2}".replace("  ", " ")
    try:
        category = IssueCategory(row.t2).zh
    except ValueError:
        category = str(row.t2)
    first = next((line.strip() for line in (row.t4 or "").splitlines() if line.strip()), "")
    return f"{category} · {row.t1 or ''} · {first[:40]}"


def _mark(conn: Connection, name: str) -> int:
    value = conn.execute(select(HubMark.value).where(HubMark.name == name)).scalar()
    return int(value or 0)


def _set_mark(conn: Connection, name: str, value: int) -> None:
    done = conn.execute(update(HubMark).where(HubMark.name == name).values(value=value))
    if done.rowcount == 0:
        conn.execute(insert(HubMark).values(name=name, value=value))


def record_arrivals(conn: Connection) -> int:
    """Give every new revision since the last call its review row; returns how many.

    A revision the hub wrote itself (it is in the hub's audit trail) is the supervisor's own
    and counts as approved; a new revision of a returned record is `corrected`.
    """
    mark = _mark(conn, ARRIVALS_MARK)
    high = conn.execute(select(Device.change_counter).where(Device.id == 1)).scalar() or 0
    if high <= mark:
        return 0
    now = stamp()
    added = 0
    for low in range(mark, high, WINDOW):
        top = min(low + WINDOW, high)
        for entity in REVIEWED:
            stmt, model = _describe(entity)
            rows = conn.execute(stmt.where(model.change > low, model.change <= top)).all()
            if rows:
                added += _arrive(conn, entity, rows, now)
    _set_mark(conn, ARRIVALS_MARK, high)
    return added


def _arrive(conn: Connection, entity: str, rows: Sequence[Any], now: datetime) -> int:
    """Review rows for one window of changed rows of an entity."""
    uuids = [r.uuid for r in rows]
    known: dict[tuple[str, str], tuple[int, bool]] = {}
    previous: dict[str, str] = {}
    for r in conn.execute(
        select(
            HubReview.id, HubReview.uuid, HubReview.rev, HubReview.state, HubReview.current
        ).where(HubReview.entity == entity, HubReview.uuid.in_(uuids))
    ):
        known[r.uuid, r.rev] = (r.id, bool(r.current))
        if r.current:
            previous[r.uuid] = r.state
    devices = {
        (r.uuid, r.rev): r.device_id
        for r in conn.execute(
            select(HubRev.uuid, HubRev.rev, HubRev.device_id).where(
                HubRev.entity == entity, HubRev.uuid.in_(uuids)
            )
        )
    }
    written = {
        (r.uuid, r.rev): r.actor
        for r in conn.execute(
            select(Audit.uuid, Audit.rev, Audit.actor).where(
                Audit.entity == entity, Audit.uuid.in_(uuids)
            )
        )
    }
    new_rows: list[dict[str, Any]] = []
    revive: list[int] = []
    for r in rows:
        found = known.get((r.uuid, r.rev))
        if found is not None:
            if not found[1]:
                revive.append(found[0])
            continue
        prior = previous.get(r.uuid)
        by_hub = written.get((r.uuid, r.rev))
        if by_hub is not None:
            state, decided_at, decided_by = R.APPROVED.value, now, by_hub
        elif prior in (R.RETURNED.value, R.CORRECTED.value):
            state, decided_at, decided_by = R.CORRECTED.value, None, None
        else:
            state, decided_at, decided_by = R.RECEIVED.value, None, None
        new_rows.append(
            {
                "entity": entity,
                "uuid": r.uuid,
                "rev": r.rev,
                "state": state,
                "current": True,
                "title": _title(entity, r)[:200],
                "day": r.day if isinstance(r.day, date) else r.updated_at.date(),
                "grid_uuid": r.grid_uuid,
                "community_uuid": r.community_uuid,
                "member_uuid": r.member_uuid,
                "device_id": devices.get((r.uuid, r.rev)),
                "deleted": bool(r.deleted),
                "generation": generation(r.rev),
                "updated_at": r.updated_at,
                "updated_by": r.updated_by,
                "received_at": now,
                "decided_at": decided_at,
                "decided_by": decided_by,
                "comment": "",
            }
        )
    # Only records that already have review rows need their old rows set aside.
    reviewed = {uuid for uuid, _rev in known}
    changed = [row["uuid"] for row in new_rows if row["uuid"] in reviewed] + [
        uuid for (uuid, _rev), (rid, _c) in known.items() if rid in revive
    ]
    if changed:
        conn.execute(
            update(HubReview)
            .where(HubReview.entity == entity, HubReview.uuid.in_(changed))
            .values(current=False)
        )
    if revive:
        conn.execute(update(HubReview).where(HubReview.id.in_(revive)).values(current=True))
    insert_rows(conn, HubReview.__table__, new_rows)
    return len(new_rows)


def _supersede(
    conn: Connection, entity: str, uuid: str, rev: str, actor: str, comment: str
) -> None:
    """The review row of a revision the hub wrote itself: approved by its author."""
    stmt, model = _describe(entity)
    row = conn.execute(stmt.where(model.uuid == uuid)).first()
    if row is None:
        return
    now = stamp()
    conn.execute(
        update(HubReview)
        .where(HubReview.entity == entity, HubReview.uuid == uuid)
        .values(current=False)
    )
    conn.execute(
        insert(HubReview).values(
            entity=entity,
            uuid=uuid,
            rev=rev,
            state=R.APPROVED.value,
            current=True,
            title=_title(entity, row)[:200],
            day=row.day if isinstance(row.day, date) else row.updated_at.date(),
            grid_uuid=row.grid_uuid,
            community_uuid=row.community_uuid,
            member_uuid=row.member_uuid,
            device_id=None,
            deleted=bool(row.deleted),
            generation=generation(rev),
            updated_at=row.updated_at,
            updated_by=row.updated_by,
            received_at=now,
            decided_at=now,
            decided_by=actor,
            comment=comment,
        )
    )


# --- the queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """Which records the queue shows; None / empty means "any"."""

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


def queue_page(conn: Connection, flt: QueueFilter, offset: int, limit: int) -> list[QueueRow]:
    """One page of the queue, oldest arrival first."""
    conflict = case((_open_conflict(), literal(1)), else_=literal(0))
    stmt = (
        select(
            HubReview,
            func.coalesce(Community.name, "").label("community"),
            func.coalesce(Grid.code, "").label("grid_code"),
            func.coalesce(Member.name, "").label("member"),
            conflict.label("conflict"),
        )
        .outerjoin(Grid, Grid.uuid == HubReview.grid_uuid)
        .outerjoin(Community, Community.uuid == HubReview.community_uuid)
        .outerjoin(Member, Member.uuid == HubReview.member_uuid)
        .where(*_queue_where(flt))
        .order_by(HubReview.received_at, HubReview.id)
        .offset(max(0, offset))
        .limit(max(0, limit))
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


# --- one record -----------------------------------------------------------------------------


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

    @property
    def previous(self) -> Revision | None:
        """The revision the current one is compared with."""
        return self.revisions[-2] if len(self.revisions) > 1 else None


def _live(conn: Connection, entity: str, uuid: str) -> dict[str, Any] | None:
    table = SYNCED_TABLES[entity].__table__
    row = conn.execute(select(table).where(table.c.uuid == uuid)).mappings().first()
    return dict(row) if row is not None else None


def _json_data(entity: str, live: dict[str, Any]) -> dict[str, Any]:
    return {name: json_value(live[name]) for name in data_columns(entity)}


def record_detail(conn: Connection, entity: str, uuid: str) -> RecordDetail:
    """The record whole, its revision history from the hub's books and the diff to the previous."""
    if entity not in SYNCED_TABLES:
        raise _not_found(entity, uuid)
    live = _live(conn, entity, uuid)
    if live is None:
        raise _not_found(entity, uuid)
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
                origin=None,
                deleted=bool(live["deleted"]),
                data=_json_data(entity, live),
                updated_at=live["updated_at"],
                updated_by=live["updated_by"],
                device_id=None,
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
    now_data = _json_data(entity, live)
    base = by_rev.get(live["base_rev"] or "") or (revisions[-2] if len(revisions) > 1 else None)
    changes = []
    if base is not None:
        for name in data_columns(entity):
            if base.data.get(name) != now_data[name]:
                changes.append(FieldChange(name, base.data.get(name), now_data[name]))
        if base.deleted != bool(live["deleted"]):
            changes.append(FieldChange("deleted", base.deleted, bool(live["deleted"])))
    current = reviews.get(current_rev)
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
    )


# --- decisions ------------------------------------------------------------------------------


def _decide(
    conn: Connection, items: Iterable[tuple[str, str]], state: ReviewState, actor: str, comment: str
) -> int:
    """Set the state of the current revision of each item and log the decisions."""
    wanted: dict[str, set[str]] = {}
    for entity, uuid in items:
        wanted.setdefault(entity, set()).add(uuid)
    now = stamp()
    done = 0
    for entity, uuids in wanted.items():
        rows = conn.execute(
            select(
                HubReview.id,
                HubReview.uuid,
                HubReview.rev,
                HubReview.device_id,
                HubReview.member_uuid,
            ).where(
                HubReview.entity == entity,
                HubReview.uuid.in_(sorted(uuids)),
                HubReview.current == true(),
            )
        ).all()
        found = {r.uuid for r in rows}
        missing = sorted(uuids - found)
        if missing:
            raise _not_found(entity, missing[0])
        conn.execute(
            update(HubReview)
            .where(HubReview.id.in_([r.id for r in rows]))
            .values(state=state.value, decided_at=now, decided_by=actor, comment=comment)
        )
        insert_rows(
            conn,
            HubDecision.__table__,
            [
                {
                    "entity": entity,
                    "uuid": r.uuid,
                    "rev": r.rev,
                    "state": state.value,
                    "comment": comment,
                    "actor": actor,
                    "at": now,
                    "device_id": r.device_id,
                    "member_uuid": r.member_uuid,
                }
                for r in rows
            ],
        )
        done += len(rows)
    return done


def approve(
    conn: Connection, items: Iterable[tuple[str, str]], actor: str, comment: str = ""
) -> int:
    """Approve the current revision of each (entity, uuid); returns how many (all or none)."""
    return _decide(conn, items, R.APPROVED, actor, (comment or "").strip())


def return_item(conn: Connection, entity: str, uuid: str, comment: str, actor: str) -> None:
    """Return a record to its member for correction; the comment (the reason) is required."""
    comment = (comment or "").strip()
    if not comment:
        raise ReviewError(
            Invalid(
                "review.comment_required",
                "退回必须填写原因",
                "Say why in a comment to return a record",
            )
        )
    _decide(conn, [(entity, uuid)], R.RETURNED, actor, comment)


# --- conflicts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictRow:
    """A record with fields in conflict (one line of the conflict list)."""

    id: int  # the first conflict id of the record: opens the detail
    entity: str
    uuid: str
    title: str
    fields: list[str]
    created_at: datetime


@dataclass(frozen=True)
class ConflictField:
    """One field in conflict: the base value and the two values side by side."""

    conflict_id: int
    field: str
    base_value: Any
    mine: Any  # the value the row shows now (the winning version)
    theirs: Any  # the other version's value
    candidates: list[dict[str, Any]]


@dataclass(frozen=True)
class HeadVersion:
    """One of the versions a conflicting record was merged from."""

    rev: str
    data: dict[str, Any]
    deleted: bool
    device_id: str | None
    updated_by: str
    updated_at: datetime


@dataclass
class ConflictDetail:
    """A record in conflict: every field decided for it, and the versions side by side."""

    entity: str
    uuid: str
    title: str
    record: dict[str, Any]
    fields: list[ConflictField]
    versions: list[HeadVersion]


def conflict_count(conn: Connection) -> int:
    """How many records have open conflicts."""
    inner = (
        select(HubConflict.entity, HubConflict.uuid)
        .where(HubConflict.status == "open")
        .group_by(HubConflict.entity, HubConflict.uuid)
        .subquery()
    )
    return conn.execute(select(func.count()).select_from(inner)).scalar_one()


def conflict_page(conn: Connection, offset: int, limit: int) -> list[ConflictRow]:
    """One page of records with open conflicts, oldest first."""
    first = func.min(HubConflict.id).label("first")
    stmt = (
        select(HubConflict.entity, HubConflict.uuid, first, func.min(HubConflict.created_at))
        .where(HubConflict.status == "open")
        .group_by(HubConflict.entity, HubConflict.uuid)
        .order_by(first)
        .offset(max(0, offset))
        .limit(max(0, limit))
    )
    rows = conn.execute(stmt).all()
    if not rows:
        return []
    uuids = [r.uuid for r in rows]
    fields: dict[tuple[str, str], list[str]] = {}
    for r in conn.execute(
        select(HubConflict.entity, HubConflict.uuid, HubConflict.field)
        .where(HubConflict.status == "open", HubConflict.uuid.in_(uuids))
        .order_by(HubConflict.id)
    ):
        fields.setdefault((r.entity, r.uuid), []).append(r.field)
    titles = {
        (r.entity, r.uuid): r.title
        for r in conn.execute(
            select(HubReview.entity, HubReview.uuid, HubReview.title).where(
                HubReview.uuid.in_(uuids), HubReview.current == true()
            )
        )
    }
    return [
        ConflictRow(
            id=r.first,
            entity=r.entity,
            uuid=r.uuid,
            title=titles.get((r.entity, r.uuid), ""),
            fields=fields.get((r.entity, r.uuid), []),
            created_at=r[3],
        )
        for r in rows
    ]


def _open_conflicts(conn: Connection, conflict_id: int) -> tuple[Any, list[Any]]:
    one = conn.execute(select(HubConflict).where(HubConflict.id == conflict_id)).first()
    if one is None or one.status != "open":
        raise ReviewError(
            Invalid(
                "review.conflict_not_open",
                f"冲突 {conflict_id} 不存在或已处理",
                f"Conflict {conflict_id} does not exist or was already resolved",
            )
        )
    rows = conn.execute(
        select(HubConflict)
        .where(
            HubConflict.entity == one.entity,
            HubConflict.uuid == one.uuid,
            HubConflict.status == "open",
        )
        .order_by(HubConflict.id)
    ).all()
    return one, rows


def _theirs(conflict: Any) -> Any:
    for candidate in conflict.candidates:
        if candidate["rev"] != conflict.chosen_rev:
            return candidate["value"]
    return None


def _mine(conflict: Any) -> Any:
    for candidate in conflict.candidates:
        if candidate["rev"] == conflict.chosen_rev:
            return candidate["value"]
    return None


def conflict_detail(conn: Connection, conflict_id: int) -> ConflictDetail:
    """A record in conflict: its fields (base, mine, theirs) and the versions side by side."""
    one, rows = _open_conflicts(conn, conflict_id)
    live = _live(conn, one.entity, one.uuid) or {}
    heads = conn.execute(
        select(HubRev).where(
            HubRev.entity == one.entity, HubRev.uuid == one.uuid, HubRev.head == true()
        )
    ).all()
    title = conn.execute(
        select(HubReview.title).where(
            HubReview.entity == one.entity, HubReview.uuid == one.uuid, HubReview.current == true()
        )
    ).scalar()
    return ConflictDetail(
        entity=one.entity,
        uuid=one.uuid,
        title=title or "",
        record=live,
        fields=[
            ConflictField(
                conflict_id=c.id,
                field=c.field,
                base_value=None,
                mine=_mine(c),
                theirs=_theirs(c),
                candidates=list(c.candidates),
            )
            for c in rows
        ],
        versions=[
            HeadVersion(h.rev, dict(h.data), h.deleted, h.device_id, h.updated_by, h.updated_at)
            for h in sorted(heads, key=lambda h: (generation(h.rev), h.rev), reverse=True)
        ],
    )


def _link_heads(
    conn: Connection, entity: str, uuid: str, heads: list[str], live: dict[str, Any]
) -> str:
    """Record the merged row as versions descending from every head; returns the last link.

    The hub's merge keeps only the heads; a resolution must descend from all of them so a
    later import never revives a head the supervisor decided against. Two parent links per
    version (base_rev, origin): N heads take N-1 link versions, the last being the merge rev.
    """
    known = set(
        conn.execute(
            select(HubRev.rev).where(HubRev.entity == entity, HubRev.uuid == uuid)
        ).scalars()
    )
    data = _json_data(entity, live)
    ordered = sorted(heads, key=lambda r: (generation(r), r))
    prev = ordered[-1]
    others = list(reversed(ordered[:-1]))
    rows = []
    for i, other in enumerate(others):
        last = i == len(others) - 1
        rev = live["rev"] if last else next_rev(prev, {"merge_link": other})
        if rev not in known:
            rows.append(
                {
                    "entity": entity,
                    "uuid": uuid,
                    "rev": rev,
                    "base_rev": prev,
                    "origin": other,
                    "deleted": bool(live["deleted"]),
                    "data": data,
                    "updated_at": live["updated_at"],
                    "updated_by": MERGE_LINK_ACTOR,
                    "device_id": None,
                    "head": False,
                }
            )
        prev = rev
    if rows:
        conn.execute(insert(HubRev.__table__), rows)
    return prev


def resolve_conflict(
    conn: Connection,
    conflict_id: int,
    choices: dict[str, Any],
    actor: str,
    reason: str,
) -> str:
    """Decide a record's conflicting fields; the decision is a new revision. Returns its rev.

    `choices` maps a conflicting field to "mine" (the value the row shows), "theirs" (the
    other version's value) or a typed value (JSON types, as in a bundle record); a field left
    out keeps "mine". The revision is written by `actor`, logged with the reason.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(
            Invalid(
                "review.reason_required",
                "处理冲突必须说明理由",
                "Say why the values were chosen to resolve a conflict",
            )
        )
    one, rows = _open_conflicts(conn, conflict_id)
    entity, uuid = one.entity, one.uuid
    by_field = {c.field: c for c in rows}
    unknown = sorted(set(choices) - set(by_field))
    if unknown:
        raise ReviewError(
            Invalid(
                "review.not_in_conflict",
                f"字段「{unknown[0]}」不在冲突中",
                f"Field {unknown[0]!r} is not in conflict",
            )
        )
    live = _live(conn, entity, uuid)
    if live is None:
        raise _not_found(entity, uuid)
    data = {name: live[name] for name in data_columns(entity)}
    deleted = bool(live["deleted"])
    decided: dict[str, Any] = {}
    for name, conflict in by_field.items():
        choice = choices.get(name, "mine")
        if choice == "mine":
            value = _mine(conflict)
        elif choice == "theirs":
            value = _theirs(conflict)
        else:
            value = choice
        decided[name] = choice if choice in ("mine", "theirs") else {"value": json_value(value)}
        if name == "deleted":
            deleted = bool(value)
        else:
            data[name] = _db_value(entity, name, value)
    heads = list(
        conn.execute(
            select(HubRev.rev).where(
                HubRev.entity == entity, HubRev.uuid == uuid, HubRev.head == true()
            )
        ).scalars()
    )
    base = _link_heads(conn, entity, uuid, heads, live) if len(heads) > 1 else live["rev"]
    writer = Writer(conn, actor)
    changed = [name for name in by_field if name != "deleted"]
    rev = writer._write_rev(entity, uuid, live["rev"], data, changed, deleted=deleted)
    now = stamp()
    conn.execute(
        insert(HubRev).values(
            entity=entity,
            uuid=uuid,
            rev=rev,
            base_rev=base,
            origin=None,
            deleted=deleted,
            data={k: json_value(v) for k, v in data.items()},
            updated_at=now,
            updated_by=actor,
            device_id=None,
            head=False,
        )
    )
    conn.execute(
        update(HubRev).where(HubRev.entity == entity, HubRev.uuid == uuid).values(head=False)
    )
    conn.execute(
        update(HubConflict)
        .where(HubConflict.id.in_([c.id for c in rows]))
        .values(status="resolved", resolved_at=now)
    )
    conn.execute(
        insert(HubResolution).values(
            entity=entity,
            uuid=uuid,
            rev=rev,
            heads=heads,
            choices=decided,
            conflict_ids=[c.id for c in rows],
            actor=actor,
            reason=reason,
            at=now,
        )
    )
    _supersede(conn, entity, uuid, rev, actor, reason)
    _log_hub_decision(conn, entity, uuid, rev, actor, reason)
    return rev


def _db_value(entity: str, name: str, value: Any) -> Any:
    """A JSON-typed value as the column's database value; ReviewError when it does not fit."""
    column = SYNCED_TABLES[entity].__table__.c[name]
    try:
        # Some column types have no Python type (SQLAlchemy raises): such values pass as they are.
        kind = column.type.python_type
    except NotImplementedError:
        kind = object
    try:
        if value is None:
            if not column.nullable:
                raise ValueError("must not be empty")
            return None
        if kind is date and isinstance(value, str):
            return date.fromisoformat(value)
        if kind is datetime and isinstance(value, str):
            return datetime.fromisoformat(value)
        if kind is bool and not isinstance(value, bool):
            raise ValueError("expected true or false")
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("expected a whole number")
        if kind is str and not isinstance(value, str):
            raise ValueError("expected text")
    except ValueError as exc:
        raise ReviewError(
            Invalid(
                "review.bad_value",
                f"字段「{name}」的值无效：{exc}",
                f"Field {name!r}: the value does not fit ({exc})",
            )
        ) from None
    return value


def _log_hub_decision(
    conn: Connection, entity: str, uuid: str, rev: str, actor: str, comment: str
) -> None:
    member = conn.execute(
        select(HubReview.member_uuid).where(
            HubReview.entity == entity, HubReview.uuid == uuid, HubReview.rev == rev
        )
    ).scalar()
    conn.execute(
        insert(HubDecision).values(
            entity=entity,
            uuid=uuid,
            rev=rev,
            state=R.APPROVED.value,
            comment=comment,
            actor=actor,
            at=stamp(),
            device_id=None,
            member_uuid=member,
        )
    )


# --- issues at the hub ----------------------------------------------------------------------


def issue_action(
    conn: Connection, issue_uuid: str, action: IssueAction | str, actor: str, note: str = ""
) -> str:
    """The supervisor's side of the issue workflow, recorded as a hub revision; returns the status."""
    status = issues.transition(
        conn, issue_uuid, action, role=Role.SUPERVISOR, actor=actor, note=note
    )
    rev = conn.execute(select(Issue.rev).where(Issue.uuid == issue_uuid)).scalar_one()
    _supersede(conn, "issue", issue_uuid, rev, actor, (note or "").strip())
    return status.value


# --- bundles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    """One bundle applied at the hub."""

    device_id: str
    member: str
    seq: int
    kind: str
    records: int
    applied: int
    skipped: int
    conflicts: int
    imported_at: datetime
    file: str
    forced_by: str | None = None
    missing: tuple[int, ...] = ()  # of a forced bundle: the seqs before it not yet arrived


def _booked(conn: Connection, device_ids: set[str]) -> dict[str, tuple[set[int], int]]:
    """Per device: the seqs in the ledger, and the highest full bundle's seq (0: none)."""
    out: dict[str, tuple[set[int], int]] = {d: (set(), 0) for d in device_ids}
    for device_id, seq, kind in conn.execute(
        select(HubLedger.device_id, HubLedger.seq, HubLedger.kind).where(
            HubLedger.device_id.in_(sorted(device_ids))
        )
    ):
        seqs, floor = out[device_id]
        seqs.add(seq)
        if kind == "full":
            out[device_id] = (seqs, max(floor, seq))
    return out


def _missing_before(seq: int, booked: tuple[set[int], int], held: set[int]) -> tuple[int, ...]:
    """The seqs before `seq` neither applied, covered by a full bundle, nor held."""
    seqs, floor = booked
    return tuple(s for s in range(floor + 1, seq) if s not in seqs and s not in held)


def ledger_gaps(conn: Connection, device_id: str, before: int) -> list[int]:
    """The seqs of a device before `before` not applied and not covered by a full bundle."""
    booked = _booked(conn, {device_id})[device_id]
    return list(_missing_before(before, booked, set()))


def bundle_count(conn: Connection, device_id: str | None = None) -> int:
    """How many bundles the ledger holds (of one device, or all)."""
    stmt = select(func.count()).select_from(HubLedger)
    if device_id:
        stmt = stmt.where(HubLedger.device_id == device_id)
    return conn.execute(stmt).scalar_one()


def bundle_page(
    conn: Connection, offset: int, limit: int, device_id: str | None = None
) -> list[LedgerRow]:
    """One page of the ledger: what arrived from which device, newest first."""
    stmt = select(HubLedger).order_by(HubLedger.imported_at.desc(), HubLedger.id.desc())
    if device_id:
        stmt = stmt.where(HubLedger.device_id == device_id)
    rows = conn.execute(stmt.offset(max(0, offset)).limit(max(0, limit))).all()
    forced = {r.device_id for r in rows if r.forced_by}
    booked = _booked(conn, forced) if forced else {}
    return [
        LedgerRow(
            r.device_id,
            r.member,
            r.seq,
            r.kind,
            r.records,
            r.applied,
            r.skipped,
            r.conflicts,
            r.imported_at,
            r.file,
            r.forced_by,
            _missing_before(r.seq, booked[r.device_id], set()) if r.forced_by else (),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class HeldRow:
    """A bundle held for a gap in its device's seq."""

    id: int
    device_id: str
    seq: int
    missing: list[int]
    received_at: datetime
    path: str


def held_bundles(conn: Connection) -> list[HeldRow]:
    """Held bundles with the seq numbers still missing before each."""
    held = conn.execute(select(HubBacklog).order_by(HubBacklog.device_id, HubBacklog.seq)).all()
    if not held:
        return []
    held_seqs: dict[str, set[int]] = {}
    for h in held:
        held_seqs.setdefault(h.device_id, set()).add(h.seq)
    booked = _booked(conn, set(held_seqs))
    return [
        HeldRow(
            id=h.id,
            device_id=h.device_id,
            seq=h.seq,
            missing=list(_missing_before(h.seq, booked[h.device_id], held_seqs[h.device_id])),
            received_at=h.received_at,
            path=h.path,
        )
        for h in held
    ]


@dataclass(frozen=True)
class QuarantineRow:
    """A refused bundle file and the reason (a code of the bundle format, and its message)."""

    id: int
    at: datetime
    file: str
    path: str
    reason: str
    message: str
    device_id: str | None
    seq: int | None


def quarantined(conn: Connection) -> list[QuarantineRow]:
    """Refused bundles, newest first."""
    return [
        QuarantineRow(r.id, r.at, r.file, r.path, r.reason, r.message, r.device_id, r.seq)
        for r in conn.execute(
            select(HubQuarantine).order_by(HubQuarantine.at.desc(), HubQuarantine.id.desc())
        )
    ]


# --- members --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberStats:
    """One member's figures on the Members screen."""

    member_uuid: str
    name: str
    grid_uuid: str | None
    grid_code: str
    community: str
    visits_per_day: list[int]  # the last SPARK_DAYS days, oldest first (a sparkline)
    last_bundle_at: datetime | None
    last_bundle_age_days: int | None
    households: int
    households_covered: int
    care_not_seen: int
    returned_open: int


def _local_day(at: datetime) -> date:
    """The local calendar day of an instant (naive values are taken as local)."""
    return (at.astimezone(clock.LOCAL_TZ) if at.tzinfo else at).date()


def member_stats(conn: Connection, today: date | None = None) -> list[MemberStats]:
    """Per member with a grid: visits per day, last bundle, coverage, care, returned items."""
    today = today or clock.today()
    first = today - timedelta(days=SPARK_DAYS - 1)
    rows = conn.execute(
        select(Member.uuid, Member.name, Grid.uuid, Grid.code, Community.name)
        .join(Grid, Grid.member_uuid == Member.uuid)
        .join(Community, Community.uuid == Grid.community_uuid)
        .where(Member.deleted == false(), Grid.deleted == false())
        .order_by(Grid.code)
    ).all()
    per_day: dict[str, list[int]] = {}
    for member, day, n in conn.execute(
        select(Visit.member_uuid, Visit.visited_on, func.count())
        .where(Visit.deleted == false(), Visit.visited_on >= first, Visit.visited_on <= today)
        .group_by(Visit.member_uuid, Visit.visited_on)
    ):
        spark = per_day.setdefault(member, [0] * SPARK_DAYS)
        spark[(day - first).days] = n
    last_bundle = dict(
        conn.execute(
            select(HubLedger.member, func.max(HubLedger.imported_at)).group_by(HubLedger.member)
        ).all()
    )
    returned = dict(
        conn.execute(
            select(HubReview.member_uuid, func.count())
            .where(HubReview.current == true(), HubReview.state == R.RETURNED.value)
            .group_by(HubReview.member_uuid)
        ).all()
    )
    care = coverage_lists.care_by_grid(conn, today)  # the coverage table's "seen"
    out = []
    for member, name, grid, code, community in rows:
        cover = rounds.coverage(conn, grid, today)
        at = last_bundle.get(name)
        care_total, care_seen = care.get(grid, (0, 0))
        out.append(
            MemberStats(
                member_uuid=member,
                name=name,
                grid_uuid=grid,
                grid_code=code,
                community=community,
                visits_per_day=per_day.get(member, [0] * SPARK_DAYS),
                last_bundle_at=at,
                last_bundle_age_days=(today - _local_day(at)).days if at else None,
                households=cover.total,
                households_covered=cover.visited,
                care_not_seen=care_total - care_seen,
                returned_open=int(returned.get(member, 0)),
            )
        )
    return out


# --- coverage -------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    """Coverage figures of the street, a community or a grid."""

    level: str  # street, community, grid
    community_uuid: str | None
    community: str
    grid_uuid: str | None
    grid_code: str
    grid_name: str
    households: int = 0
    visited: int = 0
    care_residents: int = 0
    care_seen: int = 0
    enterprises: int = 0
    censused: int = 0
    with_org: int = 0
    open_issues: dict[str, int] = field(default_factory=dict)
    overdue_issues: dict[str, int] = field(default_factory=dict)

    @property
    def org_ratio(self) -> float | None:
        """Party-organisation coverage (组织覆盖率) of the enterprises present."""
        return self.with_org / self.enterprises if self.enterprises else None

    @property
    def visited_ratio(self) -> float | None:
        """Households covered this cycle, as a share."""
        return self.visited / self.households if self.households else None

    @property
    def open_total(self) -> int:
        """Open issues of every category."""
        return sum(self.open_issues.values())

    @property
    def overdue_total(self) -> int:
        """Overdue issues of every category."""
        return sum(self.overdue_issues.values())

    def add(self, other: CoverageRow) -> None:
        """Add a grid's figures into a community's or the street's."""
        for name in (
            "households",
            "visited",
            "care_residents",
            "care_seen",
            "enterprises",
            "censused",
            "with_org",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in (
            (self.open_issues, other.open_issues),
            (self.overdue_issues, other.overdue_issues),
        ):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n


def coverage_table(conn: Connection, today: date | None = None) -> list[CoverageRow]:
    """Per community then its grids, and the street last: every coverage figure of the desk.

    Each figure is the length of a list behind it: households, care-tagged residents and
    enterprises in `coverage_lists` (the same definitions, for a grid, a community or the
    street), issues in `issues.issue_page` with `IssueFilter(grid_uuid, open_only / overdue)`.
    """
    today = today or clock.today()
    grids = conn.execute(
        select(Grid.uuid, Grid.code, Grid.name, Community.uuid, Community.name)
        .join(Community, Community.uuid == Grid.community_uuid)
        .where(Grid.deleted == false())
        .order_by(Grid.code)
    ).all()
    care = coverage_lists.care_by_grid(conn, today)
    overdue = and_(
        Issue.status.in_(issues.OVERDUE_CAPABLE),
        Issue.due_date.is_not(None),
        Issue.due_date < today,
    )
    open_by: dict[str, dict[str, int]] = {}
    overdue_by: dict[str, dict[str, int]] = {}
    for grid, category, n_open, n_overdue in conn.execute(
        select(
            Issue.grid_uuid,
            Issue.category,
            func.coalesce(func.sum(case((Issue.status.in_(issues.OPEN_STATUSES), 1), else_=0)), 0),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        )
        .where(Issue.deleted == false())
        .group_by(Issue.grid_uuid, Issue.category)
    ):
        if n_open:
            open_by.setdefault(grid, {})[category] = int(n_open)
        if n_overdue:
            overdue_by.setdefault(grid, {})[category] = int(n_overdue)
    street = CoverageRow("street", None, "", None, "", "")
    communities: dict[str, CoverageRow] = {}
    children: dict[str, list[CoverageRow]] = {}
    for grid, code, name, community_uuid, community in grids:
        cover = rounds.coverage(conn, grid, today)
        enterprise = census.coverage(conn, grid_uuid=grid, year=today.year)
        total_care, care_seen = care.get(grid, (0, 0))
        row = CoverageRow(
            "grid",
            community_uuid,
            community,
            grid,
            code,
            name,
            households=cover.total,
            visited=cover.visited,
            care_residents=total_care,
            care_seen=care_seen,
            enterprises=enterprise.enterprises,
            censused=enterprise.censused,
            with_org=enterprise.with_org,
            open_issues=dict(open_by.get(grid, {})),
            overdue_issues=dict(overdue_by.get(grid, {})),
        )
        if community_uuid not in communities:
            communities[community_uuid] = CoverageRow(
                "community", community_uuid, community, None, "", ""
            )
        communities[community_uuid].add(row)
        children.setdefault(community_uuid, []).append(row)
        street.add(row)
    out: list[CoverageRow] = []
    for community_uuid, total in communities.items():
        out.append(total)
        out.extend(children[community_uuid])
    out.append(street)
    return out


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _coverage_columns() -> tuple[Any, ...]:
    from gridwalker.store.reports import Column

    level = {"street": ("全街道", "Street"), "community": ("小计", "Subtotal"), "grid": ("", "")}
    columns = [
        Column("社区", "Community", 12, lambda r, _l, _f: r.community),
        Column(
            "网格",
            "Grid",
            12,
            lambda r, lang, _f: r.grid_code or level[r.level][lang == "en"],
        ),
        Column("户数", "Households", 8, lambda r, _l, _f: r.households),
        Column("本轮已走访", "Visited this cycle", 10, lambda r, _l, _f: r.visited),
        Column("走访率", "Visited share", 8, lambda r, _l, _f: _ratio(r.visited_ratio)),
        Column("关爱对象", "Care-tagged residents", 10, lambda r, _l, _f: r.care_residents),
        Column("本轮已见", "Seen this cycle", 10, lambda r, _l, _f: r.care_seen),
        Column("企业数", "Enterprises", 8, lambda r, _l, _f: r.enterprises),
        Column("本年已普查", "Censused this year", 10, lambda r, _l, _f: r.censused),
        Column("已建党组织", "With party organisation", 10, lambda r, _l, _f: r.with_org),
        Column("组织覆盖率", "Party-org coverage", 10, lambda r, _l, _f: _ratio(r.org_ratio)),
        Column("未办结事件", "Open issues", 10, lambda r, _l, _f: r.open_total),
        Column("逾期事件", "Overdue issues", 10, lambda r, _l, _f: r.overdue_total),
    ]
    for category in IssueCategory:
        columns.append(
            Column(
                f"{category.zh}·未办结",
                f"{category.en}: open",
                10,
                lambda r, _l, _f, c=category.value: r.open_issues.get(c, 0),
            )
        )
        columns.append(
            Column(
                f"{category.zh}·逾期",
                f"{category.en}: overdue",
                10,
                lambda r, _l, _f, c=category.value: r.overdue_issues.get(c, 0),
            )
        )
    return tuple(columns)


def write_coverage_report(
    conn: Connection, out: Path, today: date | None = None, lang: str = "zh"
) -> int:
    """Write the coverage table to `out` (.csv or .xlsx); returns the rows written."""
    from gridwalker.store.reports import _check_suffix, _write_csv, _write_xlsx

    out = Path(out)
    suffix = _check_suffix(out)
    lang = "en" if lang == "en" else "zh"
    rows = coverage_table(conn, today)
    tmp = out.with_name(f".{out.name}.part")
    columns = _coverage_columns()
    try:
        if suffix == ".csv":
            count = _write_csv(tmp, iter(rows), columns, lang, False)
        else:
            title = "覆盖情况" if lang == "zh" else "Coverage"
            count = _write_xlsx(tmp, iter(rows), columns, lang, False, title)
        tmp.replace(out)
    except BaseException:
        if tmp.is_file():
            tmp.unlink()
        raise
    return count


# --- devices of the hub ---------------------------------------------------------------------


def device_grids(conn: Connection, device_id: str) -> set[str]:
    """The grids a device reports on: of its records here, and of its member's name."""
    grids = set(
        conn.execute(
            select(HubReview.grid_uuid)
            .where(HubReview.device_id == device_id, HubReview.grid_uuid.is_not(None))
            .distinct()
        ).scalars()
    )
    names = select(HubLedger.member).where(HubLedger.device_id == device_id).distinct()
    grids |= set(
        conn.execute(
            select(Grid.uuid)
            .join(Member, Member.uuid == Grid.member_uuid)
            .where(Member.name.in_(names), Grid.deleted == false())
        ).scalars()
    )
    return grids


def enrolled_devices(conn: Connection) -> list[tuple[str, str, str | None]]:
    """(device id, member, recipient) of every device that sent a bundle with a live key."""
    return [
        (r.device_id, r.member, r.recipient)
        for r in conn.execute(
            select(HubLedger.device_id, HubLedger.member, HubDevice.recipient)
            .join(HubDevice, HubDevice.key_id == HubLedger.key_id)
            .where(HubDevice.revoked_at.is_(None))
            .group_by(HubLedger.device_id, HubLedger.member, HubDevice.recipient)
            .order_by(HubLedger.device_id)
        )
    ]


# --- on a laptop: the decisions that came back ----------------------------------------------

DECISION_ENTITY = ReviewDecision.__tablename__  # the records file hub bundles carry them in


@dataclass(frozen=True)
class ReturnedItem:
    """A record the supervisor returned and the member has not corrected yet."""

    entity: str
    uuid: str
    rev: str
    title: str
    comment: str
    decided_by: str
    decided_at: datetime


def store_decisions(conn: Connection, decisions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the latest decision per record (from a hub bundle); returns the decisions taken in.

    Each decision: `decision_uuid` and `decision_rev` (its own record's), `entity`, `uuid` and
    `rev` (the decided record's), `state`, `comment`, `actor`, `at`; in the hub's order, so a
    later one replaces an earlier one. A decision taken in before (the same decision_uuid, say
    in a hub bundle sent again) writes nothing: each one taken in leaves an audit row (entity
    `review_decision`, uuid the decision's), and that is how a repeat is known.
    """
    ids = [d["decision_uuid"] for d in decisions]
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        known.update(
            conn.execute(
                select(Audit.uuid).where(
                    Audit.entity == DECISION_ENTITY, Audit.uuid.in_(ids[start : start + 500])
                )
            ).scalars()
        )
    fresh = []
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for d in decisions:
        if d["decision_uuid"] not in known:
            known.add(d["decision_uuid"])
            fresh.append(d)
            latest[(d["entity"], d["uuid"])] = d
    if not fresh:
        return []
    now = stamp()
    for (entity, uuid), d in latest.items():
        values = {
            "rev": d["rev"],
            "state": d["state"],
            "comment": d["comment"],
            "decided_by": d["actor"],
            "decided_at": d["at"],
            "received_at": now,
        }
        done = conn.execute(
            update(ReviewDecision)
            .where(ReviewDecision.entity == entity, ReviewDecision.uuid == uuid)
            .values(**values)
        )
        if done.rowcount == 0:
            conn.execute(insert(ReviewDecision).values(entity=entity, uuid=uuid, **values))
    conn.execute(
        insert(Audit.__table__),
        [
            {
                "at": now,
                "actor": d["actor"],
                "entity": DECISION_ENTITY,
                "uuid": d["decision_uuid"],
                "op": "hub",
                "rev": d["decision_rev"],
                "fields": ["state", "comment"],
            }
            for d in fresh
        ],
    )
    return fresh


def returned_items(conn: Connection) -> list[ReturnedItem]:
    """Returned records still at the returned revision on this laptop, with the comment."""
    rows = conn.execute(
        select(ReviewDecision)
        .where(ReviewDecision.state == R.RETURNED.value)
        .order_by(ReviewDecision.decided_at)
    ).all()
    out = []
    for entity in REVIEWED:
        mine = [r for r in rows if r.entity == entity]
        if not mine:
            continue
        stmt, model = _describe(entity)
        live = {r.uuid: r for r in conn.execute(stmt.where(model.uuid.in_([m.uuid for m in mine])))}
        for d in mine:
            row = live.get(d.uuid)
            if row is None or row.rev != d.rev or row.deleted:
                continue  # corrected (a newer revision) or gone
            out.append(
                ReturnedItem(
                    entity,
                    d.uuid,
                    d.rev,
                    _title(entity, row),
                    d.comment,
                    d.decided_by,
                    d.decided_at,
                )
            )
    out.sort(key=lambda item: item.decided_at)
    return out


@dataclass(frozen=True)
class LocalDecision:
    """The supervisor's latest decision on a record, as this laptop received it."""

    entity: str
    uuid: str
    rev: str
    state: ReviewState
    comment: str
    decided_by: str
    decided_at: datetime


def decision_of(conn: Connection, entity: str, uuid: str) -> LocalDecision | None:
    """The latest decision received for a record on this laptop, if any."""
    row = conn.execute(
        select(ReviewDecision).where(ReviewDecision.entity == entity, ReviewDecision.uuid == uuid)
    ).first()
    if row is None:
        return None
    return LocalDecision(
        row.entity, row.uuid, row.rev, R(row.state), row.comment, row.decided_by, row.decided_at
    )


def iter_decisions(
    conn: Connection, above: int, device_id: str, grids: set[str], upto: int | None = None
) -> Iterator[dict[str, Any]]:
    """Decisions logged after id `above` (up to `upto`) for a device: its records and its grids'."""
    conds = [HubDecision.device_id == device_id]
    if grids:
        conds.append(
            HubDecision.uuid.in_(
                select(HubReview.uuid).where(HubReview.grid_uuid.in_(sorted(grids)))
            )
        )
    stmt = select(HubDecision).where(HubDecision.id > above, or_(*conds)).order_by(HubDecision.id)
    if upto is not None:
        stmt = stmt.where(HubDecision.id <= upto)
    for d in conn.execute(stmt):
        yield {
            "id": d.id,
            "entity": d.entity,
            "uuid": d.uuid,
            "rev": d.rev,
            "state": d.state,
            "comment": d.comment,
            "actor": d.actor,
            "at": d.at.isoformat(),
        }
