"""What changed at the hub since a desk last looked, read cheaply enough to ask every few
seconds: the queue's change mark, and one open record's review state and claim.

Several desks decide from one queue (issue #15); each polls these and reads its pages again
only when the mark moved, so a desk left open sees the others' decisions without a restart
and without reading the queue again while nothing happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, true

from gridwalker.domain.choices import ReviewState
from gridwalker.store.desk.claims import Claim, live_claim
from gridwalker.store.tables.review import HubClaim, HubDecision, HubReview


@dataclass(frozen=True)
class QueueMark:
    """The queue moves when any of these does: a decision logged, a revision taken up for
    review (an arrival, a resolution), a claim taken or given up."""

    last_decision: int
    last_review: int
    claims: int
    last_claim: datetime | None


def queue_mark(conn: Connection) -> QueueMark:
    """The queue's change mark: one statement over primary keys and the small claims table."""
    row = conn.execute(
        select(
            select(func.coalesce(func.max(HubDecision.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(HubReview.id), 0)).scalar_subquery(),
            select(func.count()).select_from(HubClaim).scalar_subquery(),
            select(func.max(HubClaim.claimed_at)).scalar_subquery(),
        )
    ).one()
    return QueueMark(int(row[0]), int(row[1]), int(row[2]), row[3])


@dataclass(frozen=True)
class RecordMark:
    """One record's review as it stands: its current revision, its review state, who
    decided it and when, and the live claim on it."""

    rev: str | None
    state: ReviewState | None
    decided_by: str | None
    decided_at: datetime | None
    claim: Claim | None


def record_mark(conn: Connection, entity: str, uuid: str) -> RecordMark:
    """Where one record stands now (an open record screen asks every few seconds)."""
    row = conn.execute(
        select(HubReview.rev, HubReview.state, HubReview.decided_by, HubReview.decided_at).where(
            HubReview.entity == entity, HubReview.uuid == uuid, HubReview.current == true()
        )
    ).one_or_none()
    claim = live_claim(conn, entity, uuid)
    if row is None:
        return RecordMark(None, None, None, None, claim)
    return RecordMark(row.rev, ReviewState(row.state), row.decided_by, row.decided_at, claim)
