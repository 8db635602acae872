"""Towers and floors with their enterprises' census marks, and a grid's census coverage."""

from __future__ import annotations

from sqlalchemy import Connection, and_, false, func, or_, select

from gridwalker.domain.census import coverage_ratio
from gridwalker.domain.choices import BuildingKind
from gridwalker.store.census.conditions import (
    any_flag,
    count_if,
    latest_record,
    room_order,
    still_present,
    this_year,
    year_record,
)
from gridwalker.store.census.rows import (
    COVERED_STATUSES,
    GONE_STATUSES,
    Coverage,
    EnterpriseMark,
    FloorRow,
    TowerRow,
    safe_flags,
)
from gridwalker.store.tables import Building, Enterprise, Grid


def _tower_rows(
    conn: Connection,
    grid_uuid: str | None,
    tower_uuid: str | None,
    year: int,
    street_uuid: str | None = None,
) -> list[TowerRow]:
    """Census figures per tower of a scope, in the order of what needs attention."""
    latest = latest_record(year)
    cur = year_record(year)
    present = still_present()
    per_tower = (
        select(
            Enterprise.building_uuid,
            func.count().label("n_all"),
            count_if(present).label("present"),
            count_if(and_(present, cur.c.uuid.is_not(None))).label("censused"),
            count_if(and_(present, latest.c.party_org_status.in_(COVERED_STATUSES))).label(
                "with_org"
            ),
            count_if(and_(present, any_flag(latest))).label("flagged"),
        )
        .outerjoin(latest, latest.c.enterprise_uuid == Enterprise.uuid)
        .outerjoin(cur, cur.c.enterprise_uuid == Enterprise.uuid)
        .where(Enterprise.deleted == false())
        .group_by(Enterprise.building_uuid)
        .subquery("per_tower")
    )
    stmt = (
        select(
            Building.uuid,
            Building.name,
            Building.kind,
            Building.floors,
            Building.grid_uuid,
            Grid.code,
            func.coalesce(per_tower.c.present, 0),
            func.coalesce(per_tower.c.censused, 0),
            func.coalesce(per_tower.c.with_org, 0),
            func.coalesce(per_tower.c.flagged, 0),
            func.coalesce(per_tower.c.n_all, 0),
        )
        .join(Grid, Grid.uuid == Building.grid_uuid)
        .outerjoin(per_tower, per_tower.c.building_uuid == Building.uuid)
        .where(
            Building.deleted == false(),
            or_(Building.kind == BuildingKind.COMMERCIAL.value, per_tower.c.n_all > 0),
        )
    )
    if grid_uuid is not None:
        stmt = stmt.where(Building.grid_uuid == grid_uuid)
    if tower_uuid is not None:
        stmt = stmt.where(Building.uuid == tower_uuid)
    if street_uuid is not None:
        stmt = stmt.where(Building.street_uuid == street_uuid)
    rows = []
    for row in conn.execute(stmt):
        uuid, name, kind, floors, grid, code, present_n, censused, with_org, flagged, n_all = row
        rows.append(
            TowerRow(
                uuid=uuid,
                name=name,
                kind=kind,
                floors=floors,
                grid_uuid=grid,
                grid_code=code,
                enterprises=int(present_n),
                censused=int(censused),
                with_org=int(with_org),
                blank_spots=int(present_n) - int(with_org),
                flagged=int(flagged),
                gone=int(n_all) - int(present_n),
                to_census=int(present_n) - int(censused),
                ratio=coverage_ratio(int(with_org), int(present_n)),
            )
        )
    rows.sort(key=lambda r: (-(r.to_census + r.blank_spots), r.name, r.uuid))
    return rows


def towers_overview(
    conn: Connection, *, grid_uuid: str | None = None, year: int | None = None
) -> list[TowerRow]:
    """Every tower of a grid (or of the whole database), most needing attention first.

    Towers are the commercial buildings plus any other building that holds enterprises.
    """
    return _tower_rows(conn, grid_uuid, None, this_year(year))


def tower_floors(conn: Connection, tower_uuid: str, *, year: int | None = None) -> list[FloorRow]:
    """A tower's enterprises (moved-out ones too, marked) grouped by floor, in room order."""
    year = this_year(year)
    latest = latest_record(year)
    cur = year_record(year)
    stmt = (
        select(
            Enterprise.uuid,
            Enterprise.name,
            Enterprise.floor,
            Enterprise.room,
            Enterprise.uscc,
            Enterprise.operating_status,
            cur.c.uuid.is_not(None),
            latest.c.year,
            latest.c.party_org_status,
            latest.c.party_org_kind,
            latest.c.party_members,
        )
        .outerjoin(latest, latest.c.enterprise_uuid == Enterprise.uuid)
        .outerjoin(cur, cur.c.enterprise_uuid == Enterprise.uuid)
        .where(Enterprise.building_uuid == tower_uuid, Enterprise.deleted == false())
        .order_by(*room_order())
    )
    floors: list[FloorRow] = []
    marks: list[EnterpriseMark] = []
    for row in conn.execute(stmt):
        uuid, name, floor, room, uscc, status, censused, last_year, org, kind, members = row
        if marks and marks[-1].floor != floor:
            floors.append(_floor_row(marks))
            marks = []
        marks.append(
            EnterpriseMark(
                uuid=uuid,
                name=name,
                floor=floor,
                room=room,
                uscc=uscc,
                operating_status=status,
                gone=status in GONE_STATUSES,
                censused_this_year=bool(censused),
                last_census_year=last_year,
                party_org_status=org,
                party_org_kind=kind,
                party_members=members,
                flags=safe_flags(members, org, kind) if last_year is not None else [],
            )
        )
    if marks:
        floors.append(_floor_row(marks))
    return floors


def _floor_row(marks: list[EnterpriseMark]) -> FloorRow:
    """A floor from its enterprises."""
    present = [m for m in marks if not m.gone]
    return FloorRow(
        floor=marks[0].floor,
        enterprises=marks,
        present=len(present),
        censused=sum(1 for m in present if m.censused_this_year),
    )


def coverage(
    conn: Connection,
    *,
    grid_uuid: str | None = None,
    tower_uuid: str | None = None,
    year: int | None = None,
) -> Coverage:
    """Coverage figures of one tower, a grid or the whole database (present enterprises)."""
    return _summed(_tower_rows(conn, grid_uuid, tower_uuid, this_year(year)))


def coverage_by_grid(
    conn: Connection, *, year: int | None = None, street_uuid: str | None = None
) -> dict[str, Coverage]:
    """`coverage` of every grid, from one reading of the towers (a district's coverage table
    would otherwise read them once per grid), of one street or all; a grid with no tower is not in it, its
    figures are `coverage`'s for no tower (`NO_TOWERS`)."""
    by_grid: dict[str, list[TowerRow]] = {}
    for row in _tower_rows(conn, None, None, this_year(year), street_uuid):
        by_grid.setdefault(row.grid_uuid, []).append(row)
    return {grid: _summed(rows) for grid, rows in by_grid.items()}


def _summed(rows: list[TowerRow]) -> Coverage:
    """The coverage figures of some towers together."""
    enterprises = sum(r.enterprises for r in rows)
    with_org = sum(r.with_org for r in rows)
    return Coverage(
        towers=len(rows),
        enterprises=enterprises,
        censused=sum(r.censused for r in rows),
        with_org=with_org,
        ratio=coverage_ratio(with_org, enterprises),
        blank_spots=sum(r.blank_spots for r in rows),
        towers_without_org=sum(1 for r in rows if r.enterprises and not r.with_org),
    )


NO_TOWERS = _summed([])  # the coverage of a scope without towers
