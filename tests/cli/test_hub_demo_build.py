"""`gridwalker hub demo build --streets N` (#15): N demo streets in one hub database, each with
its own names, places and people, received through the real import; on both engines."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.demo.street_data import street_spec
from gridwalker.store.desk.queue import QueueFilter, queue_count
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Building, Community, Grid, Household, Resident, Street
from gridwalker.store.tables.hub import HubLedger
from tests.support.hubs import both_engines

SMALL = ("--households", "60", "--today", "2026-11-20")


def run(*args: str, home: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@both_engines
def test_two_demo_streets_with_their_own_names_places_and_people(
    tmp_path: Path, hub_db: str | None
) -> None:
    db = hub_db or str(tmp_path / "district.db")
    code, out, err = run(
        "hub", "demo", "build", "--db", db, "--streets", "2", *SMALL, home=tmp_path / "home"
    )
    assert code == 0, err
    assert "2 条街道" in out
    assert (
        "第 1/2 条街道" in err and "第 2/2 条街道" in err
    )  # progress on stderr, one line a street
    engine = open_database(db)
    with engine.connect() as conn:
        streets = dict(conn.execute(select(Street.name, Street.uuid)).all())
        assert sorted(streets) == sorted([street_spec(0).name, street_spec(1).name])
        codes = conn.execute(select(Grid.code)).scalars().all()
        assert {c.split("-")[0] for c in codes} == {"XH", "MZ"}
        for name, uuid in streets.items():  # each street has households of its own
            homes = conn.execute(
                select(func.count())
                .select_from(Household)
                .join(Building, Building.uuid == Household.building_uuid)
                .join(Grid, Grid.uuid == Building.grid_uuid)
                .join(Community, Community.uuid == Grid.community_uuid)
                .where(Community.street_uuid == uuid)
            ).scalar_one()
            assert homes == 60, name
        people = conn.execute(select(Resident.name, Resident.id_number)).all()
        assert len({p.id_number for p in people if p.id_number}) == len(
            [p for p in people if p.id_number]
        )
        # Received through the real import: one full bundle a grid, in the ledger.
        assert conn.execute(select(func.count()).select_from(HubLedger)).scalar_one() >= len(codes)
        assert queue_count(conn, QueueFilter()) > 0
    engine.dispose()


def test_an_existing_database_file_is_refused_untouched(tmp_path: Path) -> None:
    target = tmp_path / "district.db"
    target.write_bytes(b"not mine")
    code, _out, err = run(
        "hub", "demo", "build", "--db", str(target), *SMALL, home=tmp_path / "home"
    )
    assert code == 1 and "已存在" in err
    assert target.read_bytes() == b"not mine"


@both_engines
def test_a_database_that_holds_streets_is_refused_with_nothing_added(
    tmp_path: Path, hub_db: str | None
) -> None:
    db = hub_db or str(tmp_path / "district.db")
    assert run("hub", "demo", "build", "--db", db, *SMALL, home=tmp_path / "home")[0] == 0
    engine = open_database(db)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Household)).scalar_one()
    if hub_db is None:  # a file: refused because it exists
        code, _out, err = run("hub", "demo", "build", "--db", db, *SMALL, home=tmp_path / "home")
        assert code == 1 and "已存在" in err
    else:
        code, _out, err = run("hub", "demo", "build", "--db", db, *SMALL, home=tmp_path / "home")
        assert code == 1 and "已有街道" in err
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Household)).scalar_one() == before
    engine.dispose()
