"""The Members screen's figures: visits per day, last bundle, coverage, care, returned items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, false, func, select, true

from gridwalker.domain import clock
from gridwalker.domain.choices import ReviewState
from gridwalker.store import rounds
from gridwalker.store.desk import coverage_lists
from gridwalker.store.tables import Community, Grid, Member, Visit
from gridwalker.store.tables.hub import HubLedger
from gridwalker.store.tables.review import HubReview

R = ReviewState
SPARK_DAYS = 28


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
    covers = rounds.coverage_by_grid(conn, today)  # one grouped reading, not one per grid
    out = []
    for member, name, grid, code, community in rows:
        cover = covers.get(grid, rounds.NO_HOUSEHOLDS)
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
