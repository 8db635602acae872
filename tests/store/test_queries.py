"""Read queries for the places tree and the walking list, checked against direct counts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, event, false, func, select

from gridwalker.demo.street import build_demo
from gridwalker.store import queries
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Building, Community, Enterprise, Grid, Household, Street
from gridwalker.store.writes import Writer


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-household demo database, built once for this module."""
    path = tmp_path_factory.mktemp("queries") / "x.db"
    engine = open_database(path)
    build_demo(engine, households=400, today=date(2026, 11, 20))
    with engine.connect() as conn:  # fold the WAL into the file so that a copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def engine(demo_file: Path) -> Iterator[Engine]:
    """An engine on the shared demo database (read-only tests)."""
    engine = open_database(demo_file)
    yield engine
    engine.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection on the shared demo database."""
    with engine.connect() as conn:
        yield conn


@pytest.fixture
def private_engine(demo_file: Path, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a private copy of the demo database, for tests that write."""
    path = tmp_path / "copy.db"
    shutil.copy(demo_file, path)
    engine = open_database(path)
    yield engine
    engine.dispose()


def households_in(conn: Connection, *where: object) -> int:
    """Hand count of live households in live buildings, joined up to the grid."""
    stmt = (
        select(func.count())
        .select_from(Household)
        .join(Building, Building.uuid == Household.building_uuid)
        .join(Grid, Grid.uuid == Building.grid_uuid)
        .where(Household.deleted == false(), Building.deleted == false(), *where)
    )
    return conn.execute(stmt).scalar_one()


def first_grid(conn: Connection) -> queries.GridRow:
    """The demo's one grid, found through the queries."""
    street = queries.street_overview(conn)[0]
    community = queries.communities(conn, street.uuid)[0]
    return queries.grids(conn, community.uuid)[0]


def test_street_overview_counts_communities(conn: Connection) -> None:
    streets = queries.street_overview(conn)
    assert [(s.name, s.area_code) for s in streets] == [("新华街", "420103")]
    live = select(func.count()).select_from(Community).where(Community.deleted == false())
    assert streets[0].community_count == conn.execute(live).scalar_one() > 1


def test_communities_count_grids_and_households(conn: Connection) -> None:
    street = queries.street_overview(conn)[0]
    rows = queries.communities(conn, street.uuid)
    assert rows[0].name == "邮三社区"  # the community of grid XH-01 comes first
    assert len(rows) == street.community_count
    for row in rows:
        grid_count = conn.execute(
            select(func.count())
            .select_from(Grid)
            .where(Grid.community_uuid == row.uuid, Grid.deleted == false())
        ).scalar_one()
        assert row.grid_count == grid_count
        assert row.household_count == households_in(conn, Grid.community_uuid == row.uuid)
    assert rows[0].household_count == 400
    assert sum(r.household_count for r in rows) == 400


def test_grids_carry_member_and_counts(conn: Connection) -> None:
    grid = first_grid(conn)
    assert (grid.code, grid.name, grid.member_name) == ("XH-01-01", "第1网格", "李晓梅")
    building_count = conn.execute(
        select(func.count())
        .select_from(Building)
        .where(Building.grid_uuid == grid.uuid, Building.deleted == false())
    ).scalar_one()
    assert grid.building_count == building_count > 1
    assert grid.household_count == households_in(conn, Grid.uuid == grid.uuid) == 400


def test_buildings_in_walking_order_with_counts(conn: Connection) -> None:
    rows = queries.buildings(conn, first_grid(conn).uuid)
    assert [r.seq for r in rows] == sorted(r.seq for r in rows)
    assert rows[0].name == "1栋"
    for row in rows:
        assert row.household_count == households_in(conn, Building.uuid == row.uuid)
        enterprises = conn.execute(
            select(func.count())
            .select_from(Enterprise)
            .where(Enterprise.building_uuid == row.uuid, Enterprise.deleted == false())
        ).scalar_one()
        assert row.enterprise_count == enterprises
    tower = next(r for r in rows if r.name == "良友大厦")
    assert tower.kind == "commercial"
    assert tower.enterprise_count > 0
    assert sum(r.household_count for r in rows) == 400


def test_household_pages_follow_walking_order(conn: Connection) -> None:
    building = queries.buildings(conn, first_grid(conn).uuid)[0]
    total = queries.household_count(conn, building.uuid)
    assert total == building.household_count > 8
    pages = [queries.household_page(conn, building.uuid, start, 7) for start in range(0, total, 7)]
    walk = [row for page in pages for row in page]
    assert len(walk) == total
    assert len({row.uuid for row in walk}) == total
    keys = [(row.unit, row.floor, row.room) for row in walk]
    assert keys == sorted(keys)
    assert queries.household_page(conn, building.uuid, 5, 3) == walk[5:8]
    assert queries.household_page(conn, building.uuid, total, 10) == []
    assert (walk[0].unit, walk[0].floor, walk[0].room) == (1, 1, "101")


def test_household_page_refuses_negative_bounds(conn: Connection) -> None:
    with pytest.raises(ValueError, match="negative"):
        queries.household_page(conn, "any", -1, 10)


def test_each_query_is_one_statement(engine: Engine) -> None:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            street = queries.street_overview(conn)[0]
            community = queries.communities(conn, street.uuid)[0]
            grid = queries.grids(conn, community.uuid)[0]
            building = queries.buildings(conn, grid.uuid)[0]
            queries.household_count(conn, building.uuid)
            queries.household_page(conn, building.uuid, 0, 20)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 6


def test_tombstoned_rows_are_not_counted(private_engine: Engine) -> None:
    with private_engine.connect() as conn:
        grid = first_grid(conn)
        building = queries.buildings(conn, grid.uuid)[0]
        victim = queries.household_page(conn, building.uuid, 0, 1)[0]
        before = queries.household_count(conn, building.uuid)
    with private_engine.begin() as conn:
        Writer(conn, "t").delete("household", victim.uuid)
    with private_engine.connect() as conn:
        assert queries.household_count(conn, building.uuid) == before - 1
        walk = queries.household_page(conn, building.uuid, 0, 100)
        assert victim.uuid not in {row.uuid for row in walk}
        after = queries.buildings(conn, grid.uuid)[0]
        assert after.household_count == before - 1
        assert queries.grids(conn, grid_community(conn))[0].household_count == 399
        street = queries.street_overview(conn)[0]
        assert queries.communities(conn, street.uuid)[0].household_count == 399


def test_tombstoned_places_disappear(private_engine: Engine) -> None:
    with private_engine.connect() as conn:
        grid = first_grid(conn)
        tower = next(b for b in queries.buildings(conn, grid.uuid) if b.name == "良友大厦")
        street = queries.street_overview(conn)[0]
        before = first_grid(conn).building_count
        empty = queries.communities(conn, street.uuid)[-1]
        assert empty.grid_count == 0
    with private_engine.begin() as conn:
        writer = Writer(conn, "t")
        writer.delete("building", tower.uuid)
        writer.delete("community", empty.uuid)
    with private_engine.connect() as conn:
        names = [b.name for b in queries.buildings(conn, grid.uuid)]
        assert "良友大厦" not in names
        assert first_grid(conn).building_count == before - 1
        assert queries.street_overview(conn)[0].community_count == street.community_count - 1
        assert empty.uuid not in {c.uuid for c in queries.communities(conn, street.uuid)}
        live_streets = select(func.count()).select_from(Street).where(Street.deleted == false())
        assert conn.execute(live_streets).scalar_one() == 1


def grid_community(conn: Connection) -> str:
    """The uuid of the demo grid's community."""
    return conn.execute(select(Grid.community_uuid).where(Grid.code == "XH-01-01")).scalar_one()
