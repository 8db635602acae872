"""Lists and counts of issues, paged from SQL; "overdue" computed there with portable
expressions, with the same meaning as `domain.workflow.is_overdue`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    false,
    func,
    literal,
    select,
)

from gridwalker.domain import clock
from gridwalker.domain.choices import (
    IssueCategory,
    IssueStatus,
    Urgency,
)
from gridwalker.store.issues.constants import (
    DUE_SOON_DAYS,
    OPEN_STATUSES,
    OVERDUE_CAPABLE,
    S,
    SortKey,
)
from gridwalker.store.tables import (
    Issue,
)


@dataclass(frozen=True)
class IssueFilter:
    """Which issues a list shows; every field narrows it, None/False means "any"."""

    statuses: frozenset[str] | None = None
    category: str | None = None
    building_uuid: str | None = None
    grid_uuid: str | None = None
    street_uuid: str | None = None
    overdue: bool = False
    mine: str | None = None  # a member uuid: issues that member logged
    household_uuid: str | None = None
    enterprise_uuid: str | None = None
    due_within_days: int | None = None  # live issues due from today to today + n
    open_only: bool = False


@dataclass(frozen=True)
class IssueRow:
    """One line of the issue list."""

    uuid: str
    category: IssueCategory
    status: IssueStatus
    urgency: Urgency
    summary: str  # first line of the description
    place: str
    reported_on: date
    due_date: date | None
    overdue: bool
    age_days: int


@dataclass(frozen=True)
class TodayCounts:
    """The issue figures on the Today screen."""

    open: int
    overdue: int
    due_this_week: int


def _overdue(today: date) -> ColumnElement[bool]:
    """Past due and still live (is_overdue in SQL)."""
    return and_(
        Issue.status.in_(OVERDUE_CAPABLE),
        Issue.due_date.is_not(None),
        Issue.due_date < today,
    )


def _due_within(days: int, today: date) -> ColumnElement[bool]:
    """Live and due between today and today + days (inclusive)."""
    return and_(
        Issue.status.in_(OVERDUE_CAPABLE),
        Issue.due_date >= today,
        Issue.due_date <= today + timedelta(days=days),
    )


def _where(
    flt: IssueFilter, today: date, *, with_statuses: bool = True
) -> list[ColumnElement[bool]]:
    """The conditions of a filter."""
    conds: list[ColumnElement[bool]] = [Issue.deleted == false()]
    if with_statuses and flt.statuses is not None:
        conds.append(Issue.status.in_(sorted(flt.statuses)))
    if flt.open_only:
        conds.append(Issue.status.in_(OPEN_STATUSES))
    if flt.category:
        conds.append(Issue.category == flt.category)
    if flt.building_uuid:
        conds.append(Issue.building_uuid == flt.building_uuid)
    if flt.grid_uuid:
        conds.append(Issue.grid_uuid == flt.grid_uuid)
    if flt.street_uuid:
        conds.append(Issue.street_uuid == flt.street_uuid)
    if flt.household_uuid:
        conds.append(Issue.household_uuid == flt.household_uuid)
    if flt.enterprise_uuid:
        conds.append(Issue.enterprise_uuid == flt.enterprise_uuid)
    if flt.mine:
        conds.append(Issue.logged_by == flt.mine)
    if flt.overdue:
        conds.append(_overdue(today))
    if flt.due_within_days is not None:
        conds.append(_due_within(flt.due_within_days, today))
    return conds


def _first_line(text: str) -> str:
    """The first non-empty line of a text."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def issue_page(
    conn: Connection, flt: IssueFilter, sort: SortKey, offset: int, limit: int
) -> list[IssueRow]:
    """One page of the issue list: by due date (undated last) or newest first."""
    today = clock.today()
    overdue = case((_overdue(today), literal(1)), else_=literal(0))
    if sort == "due":
        order = [Issue.due_date.is_(None), Issue.due_date, Issue.reported_on, Issue.uuid]
    elif sort == "age":
        order = [Issue.reported_on.desc(), Issue.change.desc(), Issue.uuid]
    else:
        raise ValueError(f"sort must be 'due' or 'age', not {sort!r}")
    stmt = (
        select(
            Issue.uuid,
            Issue.category,
            Issue.status,
            Issue.urgency,
            Issue.description,
            Issue.place,
            Issue.reported_on,
            Issue.due_date,
            overdue.label("overdue"),
        )
        .where(*_where(flt, today))
        .order_by(*order)
        .offset(max(0, offset))
        .limit(max(0, limit))
    )
    return [
        IssueRow(
            uuid=r.uuid,
            category=IssueCategory(r.category),
            status=S(r.status),
            urgency=Urgency(r.urgency),
            summary=_first_line(r.description),
            place=r.place,
            reported_on=r.reported_on,
            due_date=r.due_date,
            overdue=bool(r.overdue),
            age_days=(today - r.reported_on).days,
        )
        for r in conn.execute(stmt)
    ]


def issue_count(conn: Connection, flt: IssueFilter) -> int:
    """How many issues a filter holds."""
    stmt = select(func.count()).select_from(Issue).where(*_where(flt, clock.today()))
    return conn.execute(stmt).scalar_one()


def status_counts(conn: Connection, flt: IssueFilter) -> dict[str, int]:
    """Issues per status code under a filter's other conditions (its statuses are ignored)."""
    stmt = (
        select(Issue.status, func.count())
        .where(*_where(flt, clock.today(), with_statuses=False))
        .group_by(Issue.status)
    )
    counts = {s.value: 0 for s in IssueStatus}
    for status, n in conn.execute(stmt):
        counts[status] = n
    return counts


def today_filters(grid_uuid: str | None = None) -> dict[str, IssueFilter]:
    """The filters behind each Today figure, so a figure opens exactly the list it counts."""
    return {
        "open": IssueFilter(grid_uuid=grid_uuid, open_only=True),
        "overdue": IssueFilter(grid_uuid=grid_uuid, overdue=True),
        "due_this_week": IssueFilter(grid_uuid=grid_uuid, due_within_days=DUE_SOON_DAYS),
    }


def today_counts(conn: Connection, grid_uuid: str | None = None) -> TodayCounts:
    """Open, overdue and due-within-a-week issues (of one grid, or all), in one query."""
    today = clock.today()

    def tally(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, literal(1)), else_=literal(0))), 0)

    conds: list[ColumnElement[bool]] = [Issue.deleted == false()]
    if grid_uuid:
        conds.append(Issue.grid_uuid == grid_uuid)
    row = conn.execute(
        select(
            tally(Issue.status.in_(OPEN_STATUSES)),
            tally(_overdue(today)),
            tally(_due_within(DUE_SOON_DAYS, today)),
        ).where(*conds)
    ).one()
    return TodayCounts(open=int(row[0]), overdue=int(row[1]), due_this_week=int(row[2]))
