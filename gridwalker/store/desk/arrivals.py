"""Review rows for what arrives at the hub (issue #7), and for what the hub writes itself.

Every received revision of a reviewed record (visits, roster rows, census records, issues)
gets a `hub_review` row: `received` on arrival, `corrected` when it is a new revision of a
returned record, then `approved` or `returned` (with a comment) by a supervisor. Arrivals are
picked up by `record_arrivals` from the hub's change counter (imports advance it), so the
import path needs no hook: call it after an import and when the desk opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gridwalker.domain.choices import ReviewState
from gridwalker.store import ledger, rls
from gridwalker.store.bulk import insert_rows
from gridwalker.store.reviewed import REVIEWED, described, title_of
from gridwalker.store.revs import generation
from gridwalker.store.tables import Audit, Device
from gridwalker.store.tables.hub import HubRev
from gridwalker.store.tables.review import HubMark, HubReview
from gridwalker.store.writes import stamp

R = ReviewState
ARRIVALS_MARK = "arrivals"
WINDOW = 5000


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

    A login confined to some streets (PostgreSQL, `store.rls`) records nothing: it sees only
    its streets' rows, and the mark it would advance is the whole hub's. The import, run as
    the hub's own role, records every street's arrivals.
    """
    if rls.confined(conn):
        return 0
    mark = _mark(conn, ARRIVALS_MARK)
    high = conn.execute(select(Device.change_counter).where(Device.id == 1)).scalar() or 0
    if high <= mark:
        return 0
    now = stamp()
    added = 0
    for low in range(mark, high, WINDOW):
        top = min(low + WINDOW, high)
        for entity in REVIEWED:
            stmt, model = described(entity)
            # In the hub's change order: review ids (the queue's last tie-breaker) then follow
            # the order rows arrived, the same on both engines (PostgreSQL's joins give no order).
            rows = conn.execute(
                stmt.where(model.change > low, model.change <= top).order_by(model.change)
            ).all()
            if rows:
                added += _arrive(conn, entity, rows, now)
    _set_mark(conn, ARRIVALS_MARK, high)
    return added


BASELINE = "基线 / baseline"  # who "approved" a laptop's history taken as its baseline


def _in_baseline(rule: ledger.Baseline, day: date, change: int) -> bool:
    """A record of a laptop's history: dated before its enrolment, or written by its
    baseline full bundle (enrolled with --baseline)."""
    if rule.until_change is not None and change <= rule.until_change:
        return True
    return rule.before_day is not None and day < rule.before_day


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
    baseline = ledger.baselines(conn)
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
        day = r.day if isinstance(r.day, date) else r.updated_at.date()
        # The version's device: from hub_rev, else from the live row's own books.
        device = devices.get((r.uuid, r.rev), r.device_id)
        rule = baseline.get(device or "")
        if by_hub is not None:
            state, decided_at, decided_by = R.APPROVED.value, now, by_hub
        elif prior is None and rule is not None and _in_baseline(rule, day, r.change):
            state, decided_at, decided_by = R.APPROVED.value, now, BASELINE
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
                "title": title_of(entity, r)[:200],
                "day": day,
                "grid_uuid": r.grid_uuid,
                "community_uuid": r.community_uuid,
                "street_uuid": r.street_uuid,
                "member_uuid": r.member_uuid,
                "device_id": device,
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


def supersede(conn: Connection, entity: str, uuid: str, rev: str, actor: str, comment: str) -> None:
    """The review row of a revision the hub wrote itself: approved by its author."""
    stmt, model = described(entity)
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
            title=title_of(entity, row)[:200],
            day=row.day if isinstance(row.day, date) else row.updated_at.date(),
            grid_uuid=row.grid_uuid,
            community_uuid=row.community_uuid,
            street_uuid=row.street_uuid,
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
