"""Read-only queries for the places tree and the walking list: small rows, one query per call.

Every function takes a Connection, uses SQLAlchemy expressions only (portable to the hub's
PostgreSQL) and skips tombstoned rows. Counts come from GROUP BY subqueries joined to the
listed rows, never from one query per row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Subquery, false, func, select

from gridwalker.store.tables import Building, Community, Enterprise, Grid, Household, Member, Street


@dataclass(frozen=True, slots=True)
class StreetRow:
    """A street with its number of communities."""

    uuid: str
    name: str
    area_code: str
    community_count: int


@dataclass(frozen=True, slots=True)
class CommunityRow:
    """A community with its numbers of grids and households."""

    uuid: str
    name: str
    grid_count: int
    household_count: int


@dataclass(frozen=True, slots=True)
class GridRow:
    """A grid with its member and its numbers of buildings and households."""

    uuid: str
    code: str
    name: str
    member_name: str | None
    building_count: int
    household_count: int


@dataclass(frozen=True, slots=True)
class BuildingRow:
    """A building with its numbers of households and enterprises."""

    uuid: str
    name: str
    seq: int
    kind: str
    floors: int | None
    units: int | None
    has_elevator: bool
    household_count: int
    enterprise_count: int


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    """One door of the walking list (no phone numbers: this row is shown on screen)."""

    uuid: str
    unit: int
    floor: int
    room: str
    occupancy: str
    head_name: str | None


def _households_per_building() -> Subquery:
    """Live households counted per building."""
    return (
        select(Household.building_uuid, func.count().label("n"))
        .where(Household.deleted == false())
        .group_by(Household.building_uuid)
        .subquery()
    )


def _households_per_grid() -> Subquery:
    """Live households in live buildings, counted per grid."""
    return (
        select(Building.grid_uuid, func.count().label("n"))
        .join(Household, Household.building_uuid == Building.uuid)
        .where(Building.deleted == false(), Household.deleted == false())
        .group_by(Building.grid_uuid)
        .subquery()
    )


def street_overview(conn: Connection) -> list[StreetRow]:
    """Every street with its number of communities, by area code then name."""
    per_street = (
        select(Community.street_uuid, func.count().label("n"))
        .where(Community.deleted == false())
        .group_by(Community.street_uuid)
        .subquery()
    )
    stmt = (
        select(
            Street.uuid,
            Street.name,
            Street.area_code,
            func.coalesce(per_street.c.n, 0),
        )
        .outerjoin(per_street, per_street.c.street_uuid == Street.uuid)
        .where(Street.deleted == false())
        .order_by(Street.area_code, Street.name, Street.uuid)
    )
    return [StreetRow(*row) for row in conn.execute(stmt)]


def communities(conn: Connection, street_uuid: str) -> list[CommunityRow]:
    """A street's communities with grid and household counts, in the order of their grid codes."""
    per_grid = _households_per_grid()
    per_community = (
        select(
            Grid.community_uuid,
            func.count().label("grids"),
            func.coalesce(func.sum(per_grid.c.n), 0).label("households"),
            func.min(Grid.code).label("first_code"),
        )
        .outerjoin(per_grid, per_grid.c.grid_uuid == Grid.uuid)
        .where(Grid.deleted == false())
        .group_by(Grid.community_uuid)
        .subquery()
    )
    stmt = (
        select(
            Community.uuid,
            Community.name,
            func.coalesce(per_community.c.grids, 0),
            func.coalesce(per_community.c.households, 0),
        )
        .outerjoin(per_community, per_community.c.community_uuid == Community.uuid)
        .where(Community.street_uuid == street_uuid, Community.deleted == false())
        .order_by(per_community.c.first_code.is_(None), per_community.c.first_code, Community.name)
    )
    return [CommunityRow(*row) for row in conn.execute(stmt)]


def grids(conn: Connection, community_uuid: str) -> list[GridRow]:
    """A community's grids with their member and building and household counts, by code."""
    per_grid = _households_per_grid()
    buildings_per_grid = (
        select(Building.grid_uuid, func.count().label("n"))
        .where(Building.deleted == false())
        .group_by(Building.grid_uuid)
        .subquery()
    )
    stmt = (
        select(
            Grid.uuid,
            Grid.code,
            Grid.name,
            Member.name,
            func.coalesce(buildings_per_grid.c.n, 0),
            func.coalesce(per_grid.c.n, 0),
        )
        .outerjoin(Member, (Member.uuid == Grid.member_uuid) & (Member.deleted == false()))
        .outerjoin(buildings_per_grid, buildings_per_grid.c.grid_uuid == Grid.uuid)
        .outerjoin(per_grid, per_grid.c.grid_uuid == Grid.uuid)
        .where(Grid.community_uuid == community_uuid, Grid.deleted == false())
        .order_by(Grid.code)
    )
    return [GridRow(*row) for row in conn.execute(stmt)]


def buildings(conn: Connection, grid_uuid: str) -> list[BuildingRow]:
    """A grid's buildings in walking order with household and enterprise counts."""
    per_building = _households_per_building()
    enterprises = (
        select(Enterprise.building_uuid, func.count().label("n"))
        .where(Enterprise.deleted == false())
        .group_by(Enterprise.building_uuid)
        .subquery()
    )
    stmt = (
        select(
            Building.uuid,
            Building.name,
            Building.seq,
            Building.kind,
            Building.floors,
            Building.units,
            Building.has_elevator,
            func.coalesce(per_building.c.n, 0),
            func.coalesce(enterprises.c.n, 0),
        )
        .outerjoin(per_building, per_building.c.building_uuid == Building.uuid)
        .outerjoin(enterprises, enterprises.c.building_uuid == Building.uuid)
        .where(Building.grid_uuid == grid_uuid, Building.deleted == false())
        .order_by(Building.seq, func.length(Building.name), Building.name, Building.uuid)
    )
    return [BuildingRow(*row) for row in conn.execute(stmt)]


def household_count(conn: Connection, building_uuid: str) -> int:
    """The number of live households in a building."""
    stmt = (
        select(func.count())
        .select_from(Household)
        .where(Household.building_uuid == building_uuid, Household.deleted == false())
    )
    return int(conn.execute(stmt).scalar_one())


def household_page(
    conn: Connection, building_uuid: str, offset: int, limit: int
) -> list[HouseholdRow]:
    """One page of a building's households in walking order: unit, floor, room."""
    if offset < 0 or limit < 0:
        raise ValueError(f"offset and limit must not be negative (got {offset}, {limit})")
    stmt = (
        select(
            Household.uuid,
            Household.unit,
            Household.floor,
            Household.room,
            Household.occupancy,
            Household.head_name,
        )
        .where(Household.building_uuid == building_uuid, Household.deleted == false())
        .order_by(
            Household.unit,
            Household.floor,
            func.length(Household.room),
            Household.room,
            Household.uuid,
        )
        .offset(offset)
        .limit(limit)
    )
    return [HouseholdRow(*row) for row in conn.execute(stmt)]
