"""On a laptop: the supervisor's decisions that came back in hub bundles, and what was returned.

`iter_decisions` is the hub's side: the decisions a device's next hub bundle carries.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from gridwalker.domain.choices import ReviewState
from gridwalker.store.reviewed import REVIEWED, described, title_of
from gridwalker.store.tables import Audit, CensusRecord, Enterprise, Household, Issue, Resident
from gridwalker.store.tables.review import HubDecision, HubReview, ReviewDecision
from gridwalker.store.writes import stamp

R = ReviewState

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


def _returned_decisions(conn: Connection, *, corrected: bool) -> list[ReturnedItem]:
    """Returned records on this laptop: still at the returned rev, or (`corrected`) at a
    newer one the supervisor has not decided on yet (a resubmission)."""
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
        stmt, model = described(entity)
        live = {r.uuid: r for r in conn.execute(stmt.where(model.uuid.in_([m.uuid for m in mine])))}
        for d in mine:
            row = live.get(d.uuid)
            if row is None or row.deleted or (row.rev != d.rev) is not corrected:
                continue  # gone, or not in the state asked for
            out.append(
                ReturnedItem(
                    entity,
                    d.uuid,
                    d.rev,
                    title_of(entity, row),
                    d.comment,
                    d.decided_by,
                    d.decided_at,
                )
            )
    out.sort(key=lambda item: item.decided_at)
    return out


def returned_items(conn: Connection) -> list[ReturnedItem]:
    """Returned records still at the returned revision on this laptop, with the comment."""
    return _returned_decisions(conn, corrected=False)


def resubmitted_items(conn: Connection) -> list[ReturnedItem]:
    """Returned records corrected on this laptop (a newer revision than the returned one),
    waiting for the supervisor's next decision: "resubmitted". The next export carries the
    new revision; the hub's next decision on it (in a hub bundle) ends this state."""
    return _returned_decisions(conn, corrected=True)


@dataclass(frozen=True)
class CorrectionTarget:
    """What the laptop opens to correct a returned record: the record's place and values.

    `household_uuid` for a visit, household or resident; `enterprise_uuid`, `tower_uuid` and
    `year` for a census record; `resident` (a ResidentRow) and `visit` (a StoredVisit) as the
    forms take them; `draft` a correction's draft waiting (the visit's)."""

    entity: str
    uuid: str
    household_uuid: str | None = None
    enterprise_uuid: str | None = None
    tower_uuid: str | None = None
    year: int | None = None
    resident: Any = None
    visit: Any = None
    draft: dict[str, Any] | None = None


def correction_target(conn: Connection, entity: str, uuid: str) -> CorrectionTarget | None:
    """Where and what a returned record is corrected; None when it is no longer on this
    laptop (never received, or deleted since)."""
    from gridwalker.store import rounds

    if entity == "visit":
        visit = rounds.stored_visit(conn, uuid)
        if visit is None:
            return None
        draft = rounds.load_draft(conn, rounds.visit_fix_draft_key(uuid))
        return CorrectionTarget(
            entity,
            uuid,
            household_uuid=visit.household_uuid,
            visit=visit,
            draft=draft.payload if draft else None,
        )
    if entity == "resident":
        resident = rounds.resident_row(conn, uuid)
        household = conn.execute(
            select(Resident.household_uuid).where(Resident.uuid == uuid)
        ).scalar()
        if resident is None or household is None:
            return None
        return CorrectionTarget(entity, uuid, household_uuid=household, resident=resident)
    if entity == "household":
        found = conn.execute(
            select(Household.uuid).where(Household.uuid == uuid, Household.deleted.is_(False))
        ).scalar()
        return None if found is None else CorrectionTarget(entity, uuid, household_uuid=uuid)
    if entity == "census_record":
        row = conn.execute(
            select(CensusRecord.enterprise_uuid, CensusRecord.year, Enterprise.building_uuid)
            .join(Enterprise, Enterprise.uuid == CensusRecord.enterprise_uuid)
            .where(
                CensusRecord.uuid == uuid,
                CensusRecord.deleted.is_(False),
                Enterprise.deleted.is_(False),
            )
        ).first()
        if row is None:
            return None
        return CorrectionTarget(
            entity,
            uuid,
            enterprise_uuid=row.enterprise_uuid,
            tower_uuid=row.building_uuid,
            year=row.year,
        )
    if entity == "issue":
        found = conn.execute(
            select(Issue.uuid).where(Issue.uuid == uuid, Issue.deleted.is_(False))
        ).scalar()
        return None if found is None else CorrectionTarget(entity, uuid)
    return None


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
