"""This cycle's coverage of a grid: which households were visited, revisit or still to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Select, and_, case, false, func, literal, select

from gridwalker.domain import clock
from gridwalker.domain.choices import VisitOutcome
from gridwalker.store.tables import Building, Household, Visit


def cycle_visits(  # noqa: ANN201 - a Subquery
    day: date, grid_uuid: str | None = None, street_uuid: str | None = None
):
    """Per household (of one grid, one street, or all): whether this cycle has a covering
    visit, and a nobody-home visit."""
    start, end = clock.cycle_bounds(day)
    nobody = Visit.outcome == VisitOutcome.NOBODY_HOME.value
    stmt = select(
        Visit.household_uuid.label("hh"),
        func.max(case((nobody, 0), else_=1)).label("covered"),
        func.max(case((nobody, 1), else_=0)).label("missed"),
    ).where(Visit.visited_on >= start, Visit.visited_on < end, Visit.deleted == false())
    if grid_uuid is not None:  # only this grid's doors: an index look-up, not the street
        stmt = stmt.where(Visit.household_uuid.in_(grid_households(grid_uuid)))
    if street_uuid is not None:
        stmt = stmt.where(Visit.street_uuid == street_uuid)
    return stmt.group_by(Visit.household_uuid).subquery()


def status_expr(cyc):  # noqa: ANN001, ANN202
    return case(
        (cyc.c.covered == 1, literal("visited")),
        (cyc.c.missed == 1, literal("revisit")),
        else_=literal("todo"),
    )


def grid_households(grid_uuid: str) -> Select:
    return (
        select(Household.uuid)
        .join(Building, Building.uuid == Household.building_uuid)
        .where(Building.grid_uuid == grid_uuid, Household.deleted == false())
    )


@dataclass(frozen=True)
class Coverage:
    """This cycle's coverage of a grid."""

    total: int
    visited: int
    revisit: int

    @property
    def ratio(self) -> float:
        return self.visited / self.total if self.total else 0.0


NO_HOUSEHOLDS = Coverage(0, 0, 0)  # a grid without households (`coverage_by_grid` omits it)


def _counts(cyc) -> tuple:  # noqa: ANN001 - a Subquery
    """Households, covered this cycle, to revisit: the three figures of a `Coverage`."""
    return (
        func.count(),
        func.coalesce(func.sum(cyc.c.covered), 0),
        func.coalesce(func.sum(case((and_(cyc.c.missed == 1, cyc.c.covered == 0), 1), else_=0)), 0),
    )


def coverage(conn: Connection, grid_uuid: str, day: date | None = None) -> Coverage:
    """Households of the grid, how many are covered this cycle, how many need a revisit."""
    cyc = cycle_visits(day or clock.today(), grid_uuid)
    stmt = (
        select(*_counts(cyc))
        .select_from(Household)
        .join(Building, Building.uuid == Household.building_uuid)
        .outerjoin(cyc, cyc.c.hh == Household.uuid)
        .where(Building.grid_uuid == grid_uuid, Household.deleted == false())
    )
    total, visited, revisit = conn.execute(stmt).one()
    return Coverage(int(total), int(visited), int(revisit))


def coverage_by_grid(
    conn: Connection, day: date | None = None, street_uuid: str | None = None
) -> dict[str, Coverage]:
    """`coverage` of every grid (of one street, or all) in one grouped query: the desk's
    coverage table of a district would otherwise ask once per grid. A grid without
    households is not in it: its figures are `NO_HOUSEHOLDS`."""
    cyc = cycle_visits(day or clock.today(), street_uuid=street_uuid)
    stmt = (
        select(Building.grid_uuid, *_counts(cyc))
        .select_from(Household)
        .join(Building, Building.uuid == Household.building_uuid)
        .outerjoin(cyc, cyc.c.hh == Household.uuid)
        .where(Household.deleted == false())
        .group_by(Building.grid_uuid)
    )
    if street_uuid is not None:
        stmt = stmt.where(Household.street_uuid == street_uuid)
    return {
        grid: Coverage(int(total), int(visited), int(revisit))
        for grid, total, visited, revisit in conn.execute(stmt)
    }
