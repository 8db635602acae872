"""The supervisor's decisions: approve, return, and the issue workflow's supervisor side.

Decisions are logged in `hub_decision`, which hub bundles carry back to the laptops. Several
desks may review at once: a decision respects the other desks' claims (`claims`) and is
taken once, whoever else decides the same record at the same moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select, true, update

from gridwalker.domain import fields
from gridwalker.domain.choices import ReviewState, Role
from gridwalker.domain.clock import LOCAL_TZ
from gridwalker.domain.validators import Invalid
from gridwalker.domain.workflow import IssueAction
from gridwalker.store import issues
from gridwalker.store.bulk import insert_rows
from gridwalker.store.desk import claims
from gridwalker.store.desk.arrivals import supersede
from gridwalker.store.desk.errors import ReviewError, not_found
from gridwalker.store.tables import Issue
from gridwalker.store.tables.review import HubDecision, HubReview
from gridwalker.store.writes import stamp

R = ReviewState


def _decided_elsewhere(conn: Connection, review_id: int) -> ReviewError:
    """The refusal for a record another desk decided since this one showed it."""
    row = conn.execute(
        select(
            HubReview.state,
            HubReview.decided_by,
            HubReview.decided_at,
            HubReview.entity,
            HubReview.uuid,
        ).where(HubReview.id == review_id)
    ).one()
    state = R(row.state)
    at = row.decided_at.astimezone(LOCAL_TZ).strftime("%H:%M") if row.decided_at else "—"
    who = row.decided_by or "—"
    return ReviewError(
        Invalid(
            "review.decided_elsewhere",
            f"这条记录已由 {who} 于 {at} 处理（{state.zh}），不能再处理",
            f"{who} already decided this record at {at} ({state.en}); it cannot be decided again",
        )
    )


def _decide(
    conn: Connection,
    items: Iterable[tuple[str, str]],
    state: ReviewState,
    actor: str,
    comment: str,
    *,
    desk: str | None = None,
    seen: Mapping[tuple[str, str], ReviewState] | None = None,
) -> int:
    """Set the state of the current revision of each item and log the decisions (all or none).

    Several desks share the queue: refused (nothing written) when another desk holds a live
    claim on any item (`claims`; `desk` is this desk's), or when an item is no longer in the
    state this desk showed (`seen`; without it, as the caller reads it now). The update is
    conditional on the state read, so two desks deciding at once, each with what it showed
    (`seen`, as the desk always passes), make one decision: the
    second's update finds the row changed (PostgreSQL re-reads a row locked by a concurrent
    update; SQLite has one writer) and the whole decision is refused.
    """
    # The comment travels to the laptop, which checks it by the same rule (a note's).
    bad = fields.check_text("review_decision", "comment", comment)
    if bad is not None:
        raise ReviewError(bad)
    wanted: dict[str, set[str]] = {}
    for entity, uuid in items:
        wanted.setdefault(entity, set()).add(uuid)
    held = claims.claimed_by_others(
        conn, ((e, u) for e, uuids in wanted.items() for u in uuids), desk
    )
    if held:
        raise ReviewError(held[0].refusal())
    now = stamp()
    done = 0
    for entity, uuids in wanted.items():
        rows = conn.execute(
            select(
                HubReview.id,
                HubReview.uuid,
                HubReview.rev,
                HubReview.state,
                HubReview.device_id,
                HubReview.member_uuid,
            )
            .where(
                HubReview.entity == entity,
                HubReview.uuid.in_(sorted(uuids)),
                HubReview.current == true(),
            )
            # The log's order is the records' (engines return unordered rows each their own way).
            .order_by(HubReview.uuid)
        ).all()
        found = {r.uuid for r in rows}
        missing = sorted(uuids - found)
        if missing:
            raise not_found(entity, missing[0])
        for r in rows:
            shown = None if seen is None else seen.get((entity, r.uuid))
            if shown is not None and r.state != shown.value:
                raise _decided_elsewhere(conn, r.id)
        for was, ids in _by_state(rows).items():
            changed = conn.execute(
                update(HubReview)
                .where(HubReview.id.in_(ids), HubReview.state == was)
                .values(state=state.value, decided_at=now, decided_by=actor, comment=comment)
            ).rowcount
            if changed != len(ids):
                # Another desk decided one of them between the read above and this update.
                raise _decided_elsewhere(conn, _first_changed(conn, ids, state, now))
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


def _by_state(rows: Iterable[Any]) -> dict[str, list[int]]:
    """Review row ids by the state they were read in (each updated only from that state)."""
    out: dict[str, list[int]] = {}
    for r in rows:
        out.setdefault(r.state, []).append(r.id)
    return out


def _first_changed(conn: Connection, ids: list[int], state: ReviewState, now: Any) -> int:
    """One of `ids` another desk decided meanwhile (not by the update this one just made)."""
    mine = (HubReview.state == state.value) & (HubReview.decided_at == now)
    other = conn.execute(
        select(HubReview.id).where(HubReview.id.in_(ids), ~mine).order_by(HubReview.id).limit(1)
    ).scalar()
    return other if other is not None else ids[0]


def approve(
    conn: Connection,
    items: Iterable[tuple[str, str]],
    actor: str,
    comment: str = "",
    *,
    desk: str | None = None,
    seen: Mapping[tuple[str, str], ReviewState] | None = None,
) -> int:
    """Approve the current revision of each (entity, uuid); returns how many (all or none).

    `desk`: the deciding desk (its claims are its own); `seen`: the state each record had
    when the desk showed it (decided elsewhere since: refused)."""
    return _decide(conn, items, R.APPROVED, actor, (comment or "").strip(), desk=desk, seen=seen)


def return_item(
    conn: Connection,
    entity: str,
    uuid: str,
    comment: str,
    actor: str,
    *,
    desk: str | None = None,
    seen: ReviewState | None = None,
) -> None:
    """Return a record to its member for correction; the comment (the reason) is required.

    `desk` and `seen` as for `approve` (`seen`: this record's state as the desk showed it)."""
    comment = (comment or "").strip()
    if not comment:
        raise ReviewError(
            Invalid(
                "review.comment_required",
                "退回必须填写原因",
                "Say why in a comment to return a record",
            )
        )
    shown = None if seen is None else {(entity, uuid): seen}
    _decide(conn, [(entity, uuid)], R.RETURNED, actor, comment, desk=desk, seen=shown)


def issue_action(
    conn: Connection,
    issue_uuid: str,
    action: IssueAction | str,
    actor: str,
    note: str = "",
    *,
    expect_rev: str | None = None,
) -> str:
    """The supervisor's side of the issue workflow, recorded as a hub revision; returns the status.

    `expect_rev`: the issue's rev as the desk showed it (StaleWrite when it moved on since)."""
    status = issues.transition(
        conn,
        issue_uuid,
        action,
        role=Role.SUPERVISOR,
        actor=actor,
        note=note,
        expect_rev=expect_rev,
    )
    rev = conn.execute(select(Issue.rev).where(Issue.uuid == issue_uuid)).scalar_one()
    supersede(conn, "issue", issue_uuid, rev, actor, (note or "").strip())
    return status.value
