"""The lists behind the hub's coverage figures: households, care-tagged residents, enterprises.

Each figure of `coverage.coverage_table` is the length of one list here, drawn from the same
definitions: the list of a grid, a community or the whole street (`Area`), with a filter per
figure (households visited this cycle, care-tagged residents seen this cycle, enterprises
censused this year or with a party organisation). The expressions that decide what counts
are the ones the coverage table is built from: the care filters below (which the table
calls), the round's cycle marks (`rounds.cycle_visits`, as `rounds.coverage` counts them)
and the census's present, this-year and latest-record helpers (as `census.coverage` counts
them). Lists page from SQL (`*_count` + `*_page`); queries are portable SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Subquery,
    case,
    exists,
    false,
    func,
    or_,
    select,
)

from gridwalker.domain import clock
from gridwalker.domain.addresses import address as address_text
from gridwalker.store import census, rounds
from gridwalker.store.dialect import json_list_has
from gridwalker.store.tables import (
    Building,
    Community,
    Enterprise,
    Grid,
    Household,
    Member,
    Resident,
    Visit,
)

# The filters of each list; None shows the whole list.
HOUSEHOLD_FILTERS: tuple[str | None, ...] = (None, "visited", "not_visited")
CARE_FILTERS: tuple[str | None, ...] = (None, "seen", "not_seen")
ENTERPRISE_FILTERS: tuple[str | None, ...] = (None, "censused", "not_censused", "with_org")


@dataclass(frozen=True)
class Area:
    """Where a list is drawn from: a grid, else a community, else a street, else (all None)
    every street the connection sees."""

    grid_uuid: str | None = None
    community_uuid: str | None = None
    street_uuid: str | None = None


def area_of(row: Any) -> Area:
    """The area of a coverage row (`review.CoverageRow`: street, community or grid)."""
    if row.level == "grid":
        return Area(grid_uuid=row.grid_uuid)
    if row.level == "community":
        return Area(community_uuid=row.community_uuid)
    if row.level == "street" and row.street_uuid is not None:
        return Area(street_uuid=row.street_uuid)
    return Area()


def _check(flt: str | None, known: tuple[str | None, ...]) -> None:
    if flt not in known:
        raise ValueError(f"unknown filter {flt!r} (one of {', '.join(map(str, known))})")


def _area_grids(area: Area) -> Select[Any]:
    """The grids the coverage table counts in an area: live ones, each with its community."""
    stmt = (
        select(Grid.uuid)
        .join(Community, Community.uuid == Grid.community_uuid)
        .where(Grid.deleted == false())
    )
    if area.community_uuid is not None:
        stmt = stmt.where(Grid.community_uuid == area.community_uuid)
    if area.street_uuid is not None:
        stmt = stmt.where(Community.street_uuid == area.street_uuid)
    return stmt.correlate(None)  # its own grid table, never the enclosing query's


def in_area(area: Area) -> ColumnElement[bool]:
    """Whether a building (`Building` in the query) lies in the area."""
    if area.grid_uuid is not None:
        return Building.grid_uuid == area.grid_uuid
    return Building.grid_uuid.in_(_area_grids(area))


def _places(stmt: Select[Any]) -> Select[Any]:
    """Join a query on `Building` to its grid and community (for codes and names)."""
    return stmt.join(Grid, Grid.uuid == Building.grid_uuid).join(
        Community, Community.uuid == Grid.community_uuid
    )


# --- households ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdRow:
    """A household of the area: where, who heads it, this cycle's mark, its last visit."""

    uuid: str
    community: str
    grid_code: str
    building: str
    unit: int | None
    floor: int | None
    room: str | None
    head_name: str | None
    occupancy: str
    visited: bool  # covered this cycle (a visit whose outcome is not "nobody home")
    last_visit_uuid: str | None = None
    last_visit_on: date | None = None
    last_outcome: str | None = None
    last_member: str | None = None

    @property
    def address(self) -> str:
        """Community, building, unit and room, as search and the field app write them."""
        return address_text(self.community, self.building, self.unit, self.room)


def _households(area: Area, flt: str | None, day: date, columns: Sequence[Any]) -> Select[Any]:
    """The area's households (as `rounds.coverage` counts them) under a filter.

    Only a filter reads this cycle's visits (`rounds.cycle_visits`, the round's marks):
    the whole list needs none of them, so its count and pages stay cheap at street size.
    """
    _check(flt, HOUSEHOLD_FILTERS)
    stmt = _places(
        select(*columns)
        .select_from(Household)
        .join(Building, Building.uuid == Household.building_uuid)
    ).where(Household.deleted == false(), in_area(area))
    if flt is not None:
        cyc = rounds.cycle_visits(day, area.grid_uuid)
        stmt = stmt.outerjoin(cyc, cyc.c.hh == Household.uuid)
        if flt == "visited":
            stmt = stmt.where(cyc.c.covered == 1)
        else:
            stmt = stmt.where(or_(cyc.c.covered.is_(None), cyc.c.covered == 0))
    return stmt


def household_count(
    conn: Connection, area: Area, flt: str | None = None, day: date | None = None
) -> int:
    """How many households the list holds under a filter."""
    stmt = _households(area, flt, day or clock.today(), [func.count()])
    return int(conn.execute(stmt).scalar_one())


def household_counts(
    conn: Connection, area: Area, day: date | None = None
) -> dict[str | None, int]:
    """Households of the area: all of them and those visited and not visited this cycle."""
    day = day or clock.today()
    total = household_count(conn, area, None, day)
    visited = household_count(conn, area, "visited", day)
    return {None: total, "visited": visited, "not_visited": total - visited}


def household_page(
    conn: Connection,
    area: Area,
    flt: str | None,
    offset: int,
    limit: int,
    day: date | None = None,
) -> list[HouseholdRow]:
    """One page of the area's households, grid by grid in walking order, with last visits."""
    day = day or clock.today()
    columns = [
        Household.uuid,
        Community.name,
        Grid.code,
        Building.name,
        Household.unit,
        Household.floor,
        Household.room,
        Household.head_name,
        Household.occupancy,
    ]
    stmt = _households(area, flt, day, columns).order_by(Grid.code, *rounds.WALK_ORDER)
    rows = conn.execute(stmt.offset(offset).limit(limit)).all()
    uuids = [r[0] for r in rows]
    covered = _covered(conn, area, uuids, day)
    last = _last_visits(conn, uuids)
    return [HouseholdRow(*r, r[0] in covered, *last.get(r[0], ())) for r in rows]


def _covered(conn: Connection, area: Area, households: list[str], day: date) -> set[str]:
    """Which of these households are covered this cycle (the round's mark)."""
    if not households:
        return set()
    cyc = rounds.cycle_visits(day, area.grid_uuid)
    stmt = select(cyc.c.hh).where(cyc.c.hh.in_(households), cyc.c.covered == 1)
    return set(conn.execute(stmt).scalars())


def _last_visits(conn: Connection, households: list[str]) -> dict[str, tuple[Any, ...]]:
    """Each household's latest live visit: uuid, day, outcome, member's name."""
    if not households:
        return {}
    newest = func.row_number().over(
        partition_by=Visit.household_uuid,
        order_by=(Visit.visited_on.desc(), Visit.visited_at.desc(), Visit.uuid.desc()),
    )
    ranked = (
        select(
            Visit.household_uuid,
            Visit.uuid,
            Visit.visited_on,
            Visit.outcome,
            Visit.member_uuid,
            newest.label("n"),
        )
        .where(Visit.household_uuid.in_(households), Visit.deleted == false())
        .subquery()
    )
    stmt = (
        select(ranked.c.household_uuid, ranked.c.uuid, ranked.c.visited_on, ranked.c.outcome)
        .add_columns(Member.name)
        .outerjoin(Member, Member.uuid == ranked.c.member_uuid)
        .where(ranked.c.n == 1)
    )
    return {r[0]: tuple(r[1:]) for r in conn.execute(stmt)}


# --- care-tagged residents -----------------------------------------------------------------


def seen_this_cycle(day: date) -> ColumnElement[bool]:
    """Whether a live visit of this cycle to the resident's household lists them as seen.

    A visit may only list residents of its own household (`forms.check_visit`), so this is
    the field app's "seen" (`rounds.care_not_seen`) as one condition both engines run: the
    visit's JSON list holds the resident's uuid (`dialect.json_list_has`).
    """
    start, end = clock.cycle_bounds(day)
    return exists().where(
        Visit.household_uuid == Resident.household_uuid,
        Visit.visited_on >= start,
        Visit.visited_on < end,
        Visit.deleted == false(),
        json_list_has(Visit.residents_seen, Resident.uuid),
    )


def care_by_grid(
    conn: Connection, day: date, street_uuid: str | None = None
) -> dict[str, tuple[int, int]]:
    """Per grid (of one street, or all): care-tagged residents, and how many of them were
    seen this cycle."""
    stmt = (
        select(
            Building.grid_uuid,
            func.count(),
            func.coalesce(func.sum(case((seen_this_cycle(day), 1), else_=0)), 0),
        )
        .select_from(Resident)
        .join(Household, Household.uuid == Resident.household_uuid)
        .join(Building, Building.uuid == Household.building_uuid)
        .where(rounds.care_tagged())
        .group_by(Building.grid_uuid)
    )
    if street_uuid is not None:
        stmt = stmt.where(Resident.street_uuid == street_uuid)
    rows = conn.execute(stmt).all()
    return {grid: (int(total), int(seen)) for grid, total, seen in rows}


@dataclass(frozen=True)
class CareResidentRow:
    """A care-tagged resident of the area: tags, where, seen this cycle, last seen."""

    uuid: str
    name: str
    care_tags: list[str]
    household_uuid: str
    community: str
    grid_code: str
    building: str
    unit: int | None
    room: str | None
    seen: bool
    last_seen_on: date | None = None

    @property
    def address(self) -> str:
        """Community, building, unit and room, as search and the field app write them."""
        return address_text(self.community, self.building, self.unit, self.room)


def _care(area: Area, flt: str | None, day: date, columns: Sequence[Any]) -> Select[Any]:
    """The area's care-tagged residents (as the coverage table counts them) under a filter."""
    _check(flt, CARE_FILTERS)
    seen = seen_this_cycle(day)
    stmt = _places(
        select(*columns)
        .select_from(Resident)
        .join(Household, Household.uuid == Resident.household_uuid)
        .join(Building, Building.uuid == Household.building_uuid)
    ).where(rounds.care_tagged(), in_area(area))
    if flt == "seen":
        stmt = stmt.where(seen)
    elif flt == "not_seen":
        stmt = stmt.where(~seen)
    return stmt


def care_count(
    conn: Connection, area: Area, flt: str | None = None, day: date | None = None
) -> int:
    """How many care-tagged residents the list holds under a filter."""
    stmt = _care(area, flt, day or clock.today(), [func.count()])
    return int(conn.execute(stmt).scalar_one())


def care_counts(conn: Connection, area: Area, day: date | None = None) -> dict[str | None, int]:
    """Care-tagged residents of the area: all, seen and not seen this cycle."""
    day = day or clock.today()
    seen = func.coalesce(func.sum(case((seen_this_cycle(day), 1), else_=0)), 0)
    total, n_seen = conn.execute(_care(area, None, day, [func.count(), seen])).one()
    return {None: int(total), "seen": int(n_seen), "not_seen": int(total) - int(n_seen)}


def care_page(
    conn: Connection,
    area: Area,
    flt: str | None,
    offset: int,
    limit: int,
    day: date | None = None,
) -> list[CareResidentRow]:
    """One page of the area's care-tagged residents in walking order, with the last seen day."""
    day = day or clock.today()
    columns = [
        Resident.uuid,
        Resident.name,
        Resident.care_tags,
        Household.uuid,
        Community.name,
        Grid.code,
        Building.name,
        Household.unit,
        Household.room,
    ]
    stmt = _care(area, flt, day, columns).order_by(
        Grid.code, *rounds.WALK_ORDER, Resident.name, Resident.uuid
    )
    rows = conn.execute(stmt.offset(offset).limit(limit)).all()
    uuids = [r[0] for r in rows]
    seen = set(
        conn.execute(
            select(Resident.uuid).where(Resident.uuid.in_(uuids), seen_this_cycle(day))
        ).scalars()
    )
    last = _last_seen(conn, {r[3] for r in rows}, set(uuids))
    return [
        CareResidentRow(*r[:2], list(r[2] or []), *r[3:], r[0] in seen, last.get(r[0]))
        for r in rows
    ]


def _last_seen(conn: Connection, households: set[str], residents: set[str]) -> dict[str, date]:
    """The day each resident was last seen by a live visit of their household."""
    if not households:
        return {}
    last: dict[str, date] = {}
    stmt = select(Visit.visited_on, Visit.residents_seen).where(
        Visit.household_uuid.in_(sorted(households)), Visit.deleted == false()
    )
    for day, people in conn.execute(stmt):
        for uuid in people or []:
            if uuid in residents and (uuid not in last or last[uuid] < day):
                last[uuid] = day
    return last


# --- enterprises ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseRow:
    """A present enterprise of the area, with its census this year and its latest record."""

    uuid: str
    name: str
    community: str
    grid_code: str
    tower: str
    floor: int | None
    room: str | None
    censused: bool  # a live census record of this year
    record_uuid: str | None  # the latest live census record up to this year
    record_year: int | None
    scale: str | None
    employees: int | None
    party_org_status: str | None  # None: never censused
    party_org_kind: str | None
    party_members: int | None

    @property
    def with_org(self) -> bool:
        """An own or a joint party organisation, as the latest record says."""
        return self.party_org_status in census.COVERED_STATUSES


def _enterprises(
    area: Area, flt: str | None, year: int, columns: Sequence[Any], latest: Subquery
) -> Select[Any]:
    """The area's present enterprises (as `census.coverage` counts them) under a filter."""
    _check(flt, ENTERPRISE_FILTERS)
    cur = census.year_record(year)
    stmt = _places(
        select(*columns, cur.c.uuid.is_not(None).label("censused"))
        .select_from(Enterprise)
        .join(Building, Building.uuid == Enterprise.building_uuid)
    )
    stmt = (
        stmt.outerjoin(latest, latest.c.enterprise_uuid == Enterprise.uuid)
        .outerjoin(cur, cur.c.enterprise_uuid == Enterprise.uuid)
        .where(
            Enterprise.deleted == false(),
            Building.deleted == false(),
            census.still_present(),
            in_area(area),
        )
    )
    if flt == "censused":
        stmt = stmt.where(cur.c.uuid.is_not(None))
    elif flt == "not_censused":
        stmt = stmt.where(cur.c.uuid.is_(None))
    elif flt == "with_org":
        stmt = stmt.where(latest.c.party_org_status.in_(census.COVERED_STATUSES))
    return stmt


def enterprise_count(
    conn: Connection, area: Area, flt: str | None = None, year: int | None = None
) -> int:
    """How many enterprises the list holds under a filter."""
    year = year or clock.today().year
    latest = census.latest_record(year)
    sub = _enterprises(area, flt, year, [Enterprise.uuid], latest).subquery()
    return int(conn.execute(select(func.count()).select_from(sub)).scalar_one())


def enterprise_counts(
    conn: Connection, area: Area, year: int | None = None
) -> dict[str | None, int]:
    """Enterprises of the area: all, censused and not censused this year, with a party org."""
    year = year or clock.today().year
    latest = census.latest_record(year)
    org = latest.c.party_org_status.in_(census.COVERED_STATUSES)
    sub = _enterprises(
        area, None, year, [Enterprise.uuid, case((org, 1), else_=0).label("org")], latest
    ).subquery()
    total, censused, with_org = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((sub.c.censused, 1), else_=0)), 0),
            func.coalesce(func.sum(sub.c.org), 0),
        )
    ).one()
    return {
        None: int(total),
        "censused": int(censused),
        "not_censused": int(total) - int(censused),
        "with_org": int(with_org),
    }


def enterprise_page(
    conn: Connection,
    area: Area,
    flt: str | None,
    offset: int,
    limit: int,
    year: int | None = None,
) -> list[EnterpriseRow]:
    """One page of the area's enterprises: grid, tower, floor and room order."""
    year = year or clock.today().year
    latest = census.latest_record(year)
    columns = [
        Enterprise.uuid,
        Enterprise.name,
        Community.name,
        Grid.code,
        Building.name,
        Enterprise.floor,
        Enterprise.room,
        latest.c.uuid,
        latest.c.year,
        latest.c.scale,
        latest.c.employees,
        latest.c.party_org_status,
        latest.c.party_org_kind,
        latest.c.party_members,
    ]
    stmt = _enterprises(area, flt, year, columns, latest).order_by(
        Grid.code, Building.name, Building.uuid, *census.room_order()
    )
    rows = conn.execute(stmt.offset(offset).limit(limit)).all()
    return [EnterpriseRow(*r[:7], bool(r[14]), *r[7:14]) for r in rows]
