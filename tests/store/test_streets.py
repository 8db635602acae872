"""Several streets in one hub: every place-bound row carries its street, and the desk's
queue, coverage and lists, the issue log, the information base and the report commands
filter by it (both engines)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, func, select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.census import InfoFilter
from gridwalker.store.census.infobase import infobase_count
from gridwalker.store.desk import coverage_lists as cl
from gridwalker.store.desk.coverage import coverage_table
from gridwalker.store.desk.queue import QueueFilter, queue_count
from gridwalker.store.issues.lists import IssueFilter, issue_count
from gridwalker.store.streets import STREET_BOUND, UnknownStreet, derived_street, find_street
from gridwalker.store.tables import (
    SYNCED_TABLES,
    Building,
    Community,
    Grid,
    Household,
    Street,
    Visit,
    data_columns,
)
from gridwalker.store.tables.hub import HubUser
from gridwalker.store.tables.review import HubReview
from tests.support.demo import DEMO_TODAY
from tests.support.hubs import Desk, both_engines, hub_database
from tests.support.laptops import Field
from tests.support.streets import OTHER_STREET, OtherStreet, add_other_street


def _two_streets(desk: Desk, field_a: Field) -> tuple[str, OtherStreet]:
    """The demo street from a laptop's bundle (the intake path), the other written at the hub
    (the Writer path); returns the demo street's uuid and the other's rows."""
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    other = add_other_street(desk.engine)
    with desk.engine.connect() as conn:
        demo = conn.execute(select(Street.uuid).where(Street.uuid != other.street)).scalar_one()
    return demo, other


def _street_by_joins(conn: Connection) -> dict[str, str]:
    """Each household's street found by walking its place chain (independently of the rule)."""
    return dict(
        conn.execute(
            select(Household.uuid, Community.street_uuid)
            .join(Building, Building.uuid == Household.building_uuid)
            .join(Grid, Grid.uuid == Building.grid_uuid)
            .join(Community, Community.uuid == Grid.community_uuid)
        ).all()
    )


@both_engines
def test_every_place_bound_row_carries_the_street_of_its_place(desk: Desk, field_a: Field) -> None:
    demo, other = _two_streets(desk, field_a)
    with desk.engine.connect() as conn:
        for entity in STREET_BOUND:
            table = SYNCED_TABLES[entity].__table__
            rows = conn.execute(
                select(table.c.street_uuid, derived_street(entity).label("want"))
            ).all()
            wrong = [r for r in rows if r.street_uuid != r.want]
            assert not wrong, f"{entity}: {len(wrong)} rows with another street than their place's"
        by_joins = _street_by_joins(conn)
        stored = dict(conn.execute(select(Household.uuid, Household.street_uuid)).all())
        assert stored == by_joins
        assert set(stored.values()) == {demo, other.street}
        assert {stored[h] for h in other.households} == {other.street}
        # Visits (from the bundle and from the Writer) have one, the demo street's or the other's.
        visits = dict(
            conn.execute(select(Visit.street_uuid, func.count()).group_by(Visit.street_uuid)).all()
        )
        assert set(visits) == {demo, other.street} and visits[other.street] == 1
        # The review rows take the record's street.
        for entity in ("visit", "household", "resident", "census_record", "issue"):
            table = SYNCED_TABLES[entity].__table__
            pairs = conn.execute(
                select(HubReview.street_uuid, table.c.street_uuid)
                .join(table, table.c.uuid == HubReview.uuid)
                .where(HubReview.entity == entity)
            ).all()
            assert pairs and all(a == b and a is not None for a, b in pairs), entity


def test_the_street_is_no_field_of_a_record() -> None:
    """Derived at each end, never sent: neither in a bundle's data nor in a rev."""
    for entity in SYNCED_TABLES:
        if entity == "community":  # a community's own street is its field
            assert "street_uuid" in data_columns(entity)
        else:
            assert "street_uuid" not in data_columns(entity), entity


@both_engines
def test_the_desk_filters_by_street(desk: Desk, field_a: Field) -> None:
    demo, other = _two_streets(desk, field_a)
    with desk.engine.connect() as conn:
        every = queue_count(conn, QueueFilter(states=frozenset()))
        mine = queue_count(conn, QueueFilter(street_uuid=other.street, states=frozenset()))
        theirs = queue_count(conn, QueueFilter(street_uuid=demo, states=frozenset()))
        assert mine == 7  # 2 households, 2 residents, a visit, a census record, an issue
        assert mine + theirs == every and theirs > 0
        assert issue_count(conn, IssueFilter(street_uuid=other.street)) == 1
        assert infobase_count(conn, InfoFilter(street_uuid=other.street)) == 1
        assert cl.household_count(conn, cl.Area(street_uuid=other.street), None, DEMO_TODAY) == 2

        table = coverage_table(conn, DEMO_TODAY)
        streets = [r for r in table if r.level == "street"]
        assert [r.street_uuid for r in streets] == sorted(
            [demo, other.street],
            key=lambda s: next(r.street for r in streets if r.street_uuid == s),
        )
        assert table[-1].level == "district"
        assert table[-1].households == sum(r.households for r in streets)
        assert next(r for r in streets if r.street_uuid == other.street).households == 2
        # Each street's rows come before its subtotal, and are of that street.
        start = 0
        for row in table[:-1]:
            if row.level == "street":
                assert {r.street_uuid for r in table[start : table.index(row)]} == {row.street_uuid}
                start = table.index(row) + 1
        assert cl.area_of(streets[0]) == cl.Area(street_uuid=streets[0].street_uuid)

        alone = coverage_table(conn, DEMO_TODAY, street_uuid=other.street)
        assert [r.level for r in alone] == ["community", "grid", "street"]
        assert alone[-1].households == 2 and alone[-1].open_total == 1


@both_engines
def test_a_street_is_found_by_name_code_or_uuid_and_a_wrong_one_is_named(
    desk: Desk, field_a: Field
) -> None:
    demo, other = _two_streets(desk, field_a)
    with desk.engine.begin() as conn:
        assert find_street(conn, OTHER_STREET) == other.street
        assert find_street(conn, other.street) == other.street
        with pytest.raises(UnknownStreet, match="没有街道「汉口街道」.*民权街道"):
            find_street(conn, "汉口街道")
        # Both streets have the district's code: the code alone cannot tell them apart.
        codes = set(conn.execute(select(Street.area_code)).scalars())
        if len(codes) == 1:
            with pytest.raises(UnknownStreet, match="请写街道名"):
                find_street(conn, codes.pop())


def _cli(*args: str, home: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@both_engines
def test_the_report_commands_take_a_street(desk: Desk, field_a: Field, tmp_path: Path) -> None:
    _demo, other = _two_streets(desk, field_a)
    home = tmp_path / "hub"
    db = str(hub_database(home)) if desk.db == desk.home.hub_db else str(desk.db)
    out = tmp_path / "coverage.csv"
    code, _out, err = _cli(
        "report",
        "coverage",
        "--db",
        db,
        "--street",
        OTHER_STREET,
        "--out",
        str(out),
        "--today",
        DEMO_TODAY.isoformat(),
        home=home,
    )
    assert code == 0, err
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][-1] == "街道"
    assert {r[-1] for r in rows[1:]} == {OTHER_STREET} and len(rows) == 4

    census = tmp_path / "census.csv"
    code, _out, err = _cli(
        "report", "census", "--db", db, "--street", OTHER_STREET, "--out", str(census), home=home
    )
    assert code == 0, err
    with census.open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert len(lines) == 2 and "民权科技有限公司" in lines[1]

    for command in ("coverage", "census"):
        bad = tmp_path / f"bad-{command}.csv"
        code, _out, err = _cli(
            "report", command, "--db", db, "--street", "汉口街道", "--out", str(bad), home=home
        )
        assert code == 2 and "汉口街道" in err and OTHER_STREET in err
        assert not bad.exists()


@pytest.mark.parametrize("hub_engine", ["sqlite"], indirect=True)
def test_hub_user_add_on_a_sqlite_hub_is_wrong_usage(desk: Desk, tmp_path: Path) -> None:
    """SQLite has no login roles: one supervisor file per street stays; nothing written."""
    add_other_street(desk.engine)
    code, out, err = _cli(
        "hub",
        "user",
        "add",
        "wang_li",
        "--street",
        OTHER_STREET,
        "--db",
        str(desk.db),
        home=tmp_path / "hub",
    )
    assert code == 2 and out == ""
    assert "PostgreSQL" in err and "hub supervisor add" in err
    with desk.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(HubUser)).scalar_one() == 0
