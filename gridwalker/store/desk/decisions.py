"""The supervisor's decisions: approve, return, and the issue workflow's supervisor side.

Decisions are logged in `hub_decision`, which hub bundles carry back to the laptops.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select, true, update

from gridwalker.domain import fields
from gridwalker.domain.choices import ReviewState, Role
from gridwalker.domain.validators import Invalid
from gridwalker.domain.workflow import IssueAction
from gridwalker.store import issues
from gridwalker.store.bulk import insert_rows
from gridwalker.store.desk.arrivals import supersede
from gridwalker.store.desk.errors import ReviewError, not_found
from gridwalker.store.tables import Issue
from gridwalker.store.tables.review import HubDecision, HubReview
from gridwalker.store.writes import stamp

R = ReviewState


def _decide(
    conn: Connection, items: Iterable[tuple[str, str]], state: ReviewState, actor: str, comment: str
) -> int:
    """Set the state of the current revision of each item and log the decisions."""
    # The comment travels to the laptop, which checks it by the same rule (a note's).
    bad = fields.check_text("review_decision", "comment", comment)
    if bad is not None:
        raise ReviewError(bad)
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
