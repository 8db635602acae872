"""Records in conflict at the hub: the list, one record's fields side by side, the resolution.

A resolution is a new revision written through `Writer` like every other write, descending
from every head the merge kept, and logged as an approved decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, true, update

from gridwalker.domain import fields
from gridwalker.domain.choices import ReviewState
from gridwalker.domain.validators import Invalid
from gridwalker.store.desk.arrivals import supersede
from gridwalker.store.desk.errors import ReviewError, not_found
from gridwalker.store.desk.records import json_data, live_row
from gridwalker.store.revs import generation, json_value, next_rev
from gridwalker.store.tables import SYNCED_TABLES, data_columns
from gridwalker.store.tables.hub import HubConflict, HubRev
from gridwalker.store.tables.review import HubDecision, HubResolution, HubReview
from gridwalker.store.writes import Writer, stamp

R = ReviewState
MERGE_LINK_ACTOR = "hub-merge"


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
    live = live_row(conn, one.entity, one.uuid) or {}
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
    data = json_data(entity, live)
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
    live = live_row(conn, entity, uuid)
    if live is None:
        raise not_found(entity, uuid)
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
    supersede(conn, entity, uuid, rev, actor, reason)
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
    bad = fields.check_text("review_decision", "comment", comment)
    if bad is not None:  # the laptop checks a decision's comment by the same rule
        raise ReviewError(bad)
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
