"""The coverage table of the street, its communities and grids, and its report file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, and_, case, false, func, select

from gridwalker.domain import clock
from gridwalker.domain.choices import IssueCategory
from gridwalker.store import census, issues, rounds
from gridwalker.store.desk import coverage_lists
from gridwalker.store.sheets import Column, write_sheet
from gridwalker.store.tables import Community, Grid, Issue, Street


@dataclass
class CoverageRow:
    """Coverage figures of the district (several streets), a street, a community or a grid."""

    level: str  # district, street, community, grid
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
    street_uuid: str | None = None
    street: str = ""

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


def coverage_table(
    conn: Connection, today: date | None = None, street_uuid: str | None = None
) -> list[CoverageRow]:
    """Per street: its communities, each followed by its grids, then the street's subtotal;
    with several streets, the district's total last. `street_uuid`: that street alone.

    Each figure is the length of a list behind it: households, care-tagged residents and
    enterprises in `coverage_lists` (the same definitions, for a grid, a community or the
    street), issues in `issues.issue_page` with `IssueFilter(grid_uuid, open_only / overdue)`.
    A login confined to some streets (`store.rls`) is shown only those: the database gives
    it no other grid.
    """
    today = today or clock.today()
    stmt = (
        select(
            Grid.uuid,
            Grid.code,
            Grid.name,
            Community.uuid,
            Community.name,
            Street.uuid,
            Street.name,
        )
        .join(Community, Community.uuid == Grid.community_uuid)
        .join(Street, Street.uuid == Community.street_uuid)
        .where(Grid.deleted == false())
        .order_by(Street.name, Street.uuid, Grid.code)
    )
    if street_uuid is not None:
        stmt = stmt.where(Street.uuid == street_uuid)
    grids = conn.execute(stmt).all()
    care = coverage_lists.care_by_grid(conn, today, street_uuid)
    # One grouped reading each, not two queries per grid: a district has hundreds of grids.
    visits_by = rounds.coverage_by_grid(conn, today, street_uuid)
    census_by = census.coverage_by_grid(conn, year=today.year, street_uuid=street_uuid)
    overdue = and_(
        Issue.status.in_(issues.OVERDUE_CAPABLE),
        Issue.due_date.is_not(None),
        Issue.due_date < today,
    )
    open_by: dict[str, dict[str, int]] = {}
    overdue_by: dict[str, dict[str, int]] = {}
    issue_counts = (
        select(
            Issue.grid_uuid,
            Issue.category,
            func.coalesce(func.sum(case((Issue.status.in_(issues.OPEN_STATUSES), 1), else_=0)), 0),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        )
        .where(Issue.deleted == false())
        .group_by(Issue.grid_uuid, Issue.category)
    )
    if street_uuid is not None:
        issue_counts = issue_counts.where(Issue.street_uuid == street_uuid)
    for grid, category, n_open, n_overdue in conn.execute(issue_counts):
        if n_open:
            open_by.setdefault(grid, {})[category] = int(n_open)
        if n_overdue:
            overdue_by.setdefault(grid, {})[category] = int(n_overdue)
    district = CoverageRow("district", None, "", None, "", "")
    streets: dict[str, CoverageRow] = {}
    communities: dict[str, CoverageRow] = {}
    children: dict[str, list[CoverageRow]] = {}
    order: dict[str, list[str]] = {}  # a street's communities, in the order met
    for grid, code, name, community_uuid, community, street, street_name in grids:
        cover = visits_by.get(grid, rounds.NO_HOUSEHOLDS)
        enterprise = census_by.get(grid, census.NO_TOWERS)
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
            street_uuid=street,
            street=street_name,
        )
        if street not in streets:
            streets[street] = CoverageRow(
                "street", None, "", None, "", "", street_uuid=street, street=street_name
            )
            order[street] = []
        if community_uuid not in communities:
            communities[community_uuid] = CoverageRow(
                "community",
                community_uuid,
                community,
                None,
                "",
                "",
                street_uuid=street,
                street=street_name,
            )
            order[street].append(community_uuid)
        communities[community_uuid].add(row)
        children.setdefault(community_uuid, []).append(row)
        streets[street].add(row)
        district.add(row)
    out: list[CoverageRow] = []
    for street, total in streets.items():
        for community_uuid in order[street]:
            out.append(communities[community_uuid])
            out.extend(children[community_uuid])
        out.append(total)
    if len(streets) > 1:
        out.append(district)
    if not streets:  # no grid yet: the (empty) street total, as a one-street hub shows it
        out.append(CoverageRow("street", None, "", None, "", ""))
    return out


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _coverage_columns() -> tuple[Column, ...]:
    level = {
        "district": ("全部街道", "All streets"),
        "street": ("全街道", "Street"),
        "community": ("小计", "Subtotal"),
        "grid": ("", ""),
    }
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
    # Last, so the columns a script reads keep their places (a one-street hub writes one name).
    columns.append(Column("街道", "Street", 12, lambda r, _l, _f: r.street))
    return tuple(columns)


def write_coverage_report(
    conn: Connection,
    out: Path,
    today: date | None = None,
    lang: str = "zh",
    street_uuid: str | None = None,
) -> int:
    """Write the coverage table to `out` (.csv or .xlsx), of one street when `street_uuid`
    says which; returns the rows written."""
    lang = "en" if lang == "en" else "zh"
    title = "覆盖情况" if lang == "zh" else "Coverage"
    # Lazily: the file name is checked before the table is counted.
    rows = (row for row in coverage_table(conn, today, street_uuid))
    return write_sheet(out, rows, _coverage_columns(), lang, False, title)
