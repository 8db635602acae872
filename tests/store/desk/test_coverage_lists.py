"""The lists behind the coverage figures: each as long as its figure, filters, pages, rows."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, false, func, select

from gridwalker import config
from gridwalker.domain import clock
from gridwalker.domain.choices import OperatingStatus, VisitOutcome
from gridwalker.store import rounds
from gridwalker.store.desk import coverage_lists as cl
from gridwalker.store.desk.coverage import CoverageRow, coverage_table
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import CensusRecord, Resident, Visit
from gridwalker.store.writes import Writer
from tests.support.demo import DEMO_TODAY
from tests.support.hubs import make_desk
from tests.support.laptops import make_field

ListCount = Callable[[Connection, cl.Area, str | None], int]
ListPage = Callable[[Connection, cl.Area, str | None, int, int], list[Any]]


@dataclass(frozen=True)
class Figure:
    """A coverage column: the figure of a CoverageRow and the list (and filter) behind it."""

    column: str
    attr: str
    count: ListCount
    page: ListPage
    flt: str | None


FIGURES = [
    Figure("Households", "households", cl.household_count, cl.household_page, None),
    Figure("Visited", "visited", cl.household_count, cl.household_page, "visited"),
    Figure("Care", "care_residents", cl.care_count, cl.care_page, None),
    Figure("Seen", "care_seen", cl.care_count, cl.care_page, "seen"),
    Figure("Firms", "enterprises", cl.enterprise_count, cl.enterprise_page, None),
    Figure("Censused", "censused", cl.enterprise_count, cl.enterprise_page, "censused"),
    Figure("Party org", "with_org", cl.enterprise_count, cl.enterprise_page, "with_org"),
]


def _build(root: Path, build: Callable[[Path], Path]) -> Iterator[Path]:
    """A hub database built once per module, with the clock frozen and a home of its own."""
    with pytest.MonkeyPatch.context() as mp, clock.frozen(DEMO_TODAY):
        mp.setenv("GRIDWALKER_HOME", str(root / "home"))
        db = build(root)
    engine = open_database(db)
    with engine.connect() as conn:  # fold the WAL into the file so a plain copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    yield db


@pytest.fixture(scope="module")
def small_hub(tmp_path_factory: pytest.TempPathFactory, small_street: Path) -> Iterator[Path]:
    """The review tests' hub: one laptop of the small street (one grid) imported."""

    def build(root: Path) -> Path:
        desk = make_desk(root / "hub")
        lap = make_field(root / "lap-a", small_street, "lap-a", desk)
        assert desk.one(lap.export().path).status == "applied"
        desk.arrivals()
        lap.engine.dispose()
        desk.engine.dispose()
        return desk.home.hub_db

    yield from _build(tmp_path_factory.mktemp("coverage-small"), build)


@pytest.fixture(scope="module")
def street_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo hub at a small size: seven grids in two communities, a month of rounds."""
    from gridwalker.demo.hub import build_demo_hub

    def build(root: Path) -> Path:
        home = config.paths(root / "hub")
        build_demo_hub(home, households=2800, months=1, today=DEMO_TODAY)
        return home.hub_db

    yield from _build(tmp_path_factory.mktemp("coverage-street"), build)


@pytest.fixture
def engine(small_hub: Path) -> Iterator[Engine]:
    """The small hub, read only by the test."""
    e = open_database(small_hub)
    yield e
    e.dispose()


@pytest.fixture
def scratch(small_hub: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the small hub, for a test that writes."""
    path = tmp_path / "hub.db"
    shutil.copy(small_hub, path)
    e = open_database(path)
    yield e
    e.dispose()


def everything(page: ListPage, conn: Connection, area: cl.Area, flt: str | None) -> list[Any]:
    """Every row of a list, read page by page (a small page, so paging is exercised)."""
    rows: list[Any] = []
    while True:
        chunk = page(conn, area, flt, len(rows), 17)
        rows += chunk
        if len(chunk) < 17:
            return rows


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.column)
def test_each_figure_is_as_long_as_its_list(engine: Engine, figure: Figure) -> None:
    with engine.connect() as conn:
        table = coverage_table(conn)
        assert {r.level for r in table} == {"street", "community", "grid"}
        for row in table:
            area = cl.area_of(row)
            expected = getattr(row, figure.attr)
            assert figure.count(conn, area, figure.flt) == expected, (row.level, figure.column)
            rows = everything(figure.page, conn, area, figure.flt)
            assert len(rows) == expected
            assert len({r.uuid for r in rows}) == expected
    assert getattr(table[-1], figure.attr) > 0  # the demo has something to list


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.column)
def test_each_figure_on_a_street_of_several_communities(street_hub: Path, figure: Figure) -> None:
    engine = open_database(street_hub)
    try:
        with engine.connect() as conn:
            table = coverage_table(conn)
            assert sum(r.level == "community" for r in table) >= 2
            for row in table:
                got = figure.count(conn, cl.area_of(row), figure.flt)
                assert got == getattr(row, figure.attr), (row.level, row.grid_code, figure.column)
            assert getattr(table[-1], figure.attr) > 0
    finally:
        engine.dispose()


def test_the_figures_per_filter_agree_with_the_counts(engine: Engine) -> None:
    with engine.connect() as conn:
        street = coverage_table(conn)[-1]
        area = cl.area_of(street)
        lists = [
            (cl.household_counts, cl.household_count, cl.HOUSEHOLD_FILTERS),
            (cl.care_counts, cl.care_count, cl.CARE_FILTERS),
            (cl.enterprise_counts, cl.enterprise_count, cl.ENTERPRISE_FILTERS),
        ]
        for counts_of, count, filters in lists:
            counts = counts_of(conn, area)
            assert set(counts) == set(filters)
            for flt in filters:
                assert counts[flt] == count(conn, area, flt)
        assert cl.household_counts(conn, area)["not_visited"] == street.households - street.visited
        assert cl.care_counts(conn, area)["not_seen"] == street.care_residents - street.care_seen
        firms = cl.enterprise_counts(conn, area)
        assert firms["not_censused"] == street.enterprises - street.censused


def test_filters_split_the_lists_by_their_marks(engine: Engine) -> None:
    area = cl.Area()
    with engine.connect() as conn:
        households = everything(cl.household_page, conn, area, None)
        visited = everything(cl.household_page, conn, area, "visited")
        not_visited = everything(cl.household_page, conn, area, "not_visited")
        care = everything(cl.care_page, conn, area, None)
        seen = everything(cl.care_page, conn, area, "seen")
        not_seen = everything(cl.care_page, conn, area, "not_seen")
        firms = everything(cl.enterprise_page, conn, area, None)
        censused = everything(cl.enterprise_page, conn, area, "censused")
        not_censused = everything(cl.enterprise_page, conn, area, "not_censused")
        with_org = everything(cl.enterprise_page, conn, area, "with_org")
    assert visited and not_visited and seen and not_seen and censused and not_censused
    assert all(r.visited for r in visited) and not any(r.visited for r in not_visited)
    assert {r.uuid for r in visited} | {r.uuid for r in not_visited} == {r.uuid for r in households}
    assert [r for r in households if r.visited] == visited  # the same order, filtered
    assert all(r.seen for r in seen) and not any(r.seen for r in not_seen)
    assert {r.uuid for r in seen} | {r.uuid for r in not_seen} == {r.uuid for r in care}
    assert all(r.censused for r in censused) and not any(r.censused for r in not_censused)
    assert {r.uuid for r in censused} | {r.uuid for r in not_censused} == {r.uuid for r in firms}
    assert with_org and all(r.with_org for r in with_org)
    assert [r for r in firms if r.with_org] == with_org


def test_pages_follow_one_another_without_gaps_or_repeats(engine: Engine) -> None:
    area = cl.Area()
    with engine.connect() as conn:
        for page in (cl.household_page, cl.care_page, cl.enterprise_page):
            whole = page(conn, area, None, 0, 10_000)
            assert everything(page, conn, area, None) == whole
            assert page(conn, area, None, len(whole), 10) == []
            assert page(conn, area, None, 5, 3) == whole[5:8]


def test_household_rows_match_the_field_app(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = everything(cl.household_page, conn, cl.Area(), None)
        for row in rows[:25]:
            info = rounds.household_info(conn, row.uuid)
            assert info is not None
            assert row.address == info.address  # the address as the field app writes it
            assert row.head_name == info.head_name
            history = rounds.visits_of(conn, row.uuid)
            if history:
                last = history[0]
                assert (row.last_visit_uuid, row.last_visit_on) == (last.uuid, last.visited_on)
                assert (row.last_outcome, row.last_member) == (last.outcome, last.member)
            else:
                assert row.last_visit_uuid is None and row.last_visit_on is None
        start, end = clock.cycle_bounds(DEMO_TODAY)
        for row in rows:
            outcomes = {
                v.outcome
                for v in rounds.visits_of(conn, row.uuid, limit=1000)
                if start <= v.visited_on < end
            }
            assert row.visited == bool(outcomes - {VisitOutcome.NOBODY_HOME.value})


def test_care_rows_seen_as_the_field_app_sees_them(engine: Engine) -> None:
    with engine.connect() as conn:
        table = coverage_table(conn)
        for row in (r for r in table if r.level == "grid"):
            assert row.grid_uuid is not None
            unseen = {c.resident_uuid for c in rounds.care_not_seen(conn, row.grid_uuid)}
            care = everything(cl.care_page, conn, cl.area_of(row), None)
            assert {r.uuid for r in care if not r.seen} == unseen
            assert row.care_seen == row.care_residents - len(unseen)
        visits = conn.execute(
            select(Visit.visited_on, Visit.residents_seen).where(Visit.deleted == false())
        ).all()
    start, _end = clock.cycle_bounds(DEMO_TODAY)
    last: dict[str, Any] = {}
    for day, people in visits:
        for uuid in people:
            last[uuid] = max(day, last.get(uuid, day))
    for r in care:
        assert r.care_tags and r.last_seen_on == last.get(r.uuid)
        assert not r.seen or r.last_seen_on >= start


def test_enterprise_rows_carry_their_census_records(engine: Engine) -> None:
    with engine.connect() as conn:
        firms = everything(cl.enterprise_page, conn, cl.Area(), None)
        records = {
            (r.enterprise_uuid, r.year): r.uuid
            for r in conn.execute(
                select(CensusRecord.enterprise_uuid, CensusRecord.year, CensusRecord.uuid)
            )
        }
    year = DEMO_TODAY.year
    for firm in firms:
        assert firm.censused == ((firm.uuid, year) in records)
        if firm.censused:
            assert (firm.record_year, firm.record_uuid) == (year, records[(firm.uuid, year)])
        elif firm.record_uuid is not None:
            assert firm.record_year is not None and firm.record_year < year
            assert records[(firm.uuid, firm.record_year)] == firm.record_uuid
    assert any(f.record_uuid is not None and not f.censused for f in firms)


def test_figures_and_lists_move_together(scratch: Engine) -> None:
    """A change that takes a record out of a figure takes it out of the list as well."""
    area = cl.Area()
    with scratch.connect() as conn:
        before = coverage_table(conn)[-1]
        household = cl.household_page(conn, area, "visited", 0, 1)[0]
        resident = cl.care_page(conn, area, None, 0, 1)[0]
        firm = cl.enterprise_page(conn, area, "with_org", 0, 1)[0]
        visits = (
            conn.execute(
                select(Visit.uuid).where(
                    Visit.household_uuid == household.uuid,
                    Visit.visited_on >= DEMO_TODAY.replace(day=1),
                )
            )
            .scalars()
            .all()
        )
    with scratch.begin() as conn:
        writer = Writer(conn, "test")
        for uuid in visits:  # the household's visits of this cycle are withdrawn
            writer.delete("visit", uuid)
        writer.update("resident", resident.uuid, {"moved_out": True})
        writer.update(
            "enterprise", firm.uuid, {"operating_status": OperatingStatus.MOVED_OUT.value}
        )
    with scratch.connect() as conn:
        after = coverage_table(conn)[-1]
        assert (after.visited, after.care_residents, after.enterprises, after.with_org) == (
            before.visited - 1,
            before.care_residents - 1,
            before.enterprises - 1,
            before.with_org - 1,
        )
        assert cl.household_count(conn, area, "visited") == after.visited
        assert household.uuid not in {
            r.uuid for r in everything(cl.household_page, conn, area, "visited")
        }
        assert cl.care_count(conn, area) == after.care_residents
        assert cl.enterprise_count(conn, area) == after.enterprises
        assert cl.enterprise_count(conn, area, "with_org") == after.with_org
        moved = conn.execute(
            select(func.count()).select_from(Resident).where(Resident.moved_out)
        ).scalar()
        assert moved


def test_an_unknown_filter_is_refused(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(ValueError, match="unknown filter"):
        cl.household_count(conn, cl.Area(), "seen")


def test_area_of_each_level() -> None:
    row = CoverageRow("grid", "c1", "邮三社区", "g1", "XH-01-01", "第1网格")
    assert cl.area_of(row) == cl.Area(grid_uuid="g1")
    row.level = "community"
    assert cl.area_of(row) == cl.Area(community_uuid="c1")
    row.level = "street"
    assert cl.area_of(row) == cl.Area()


def test_the_grouped_readings_give_each_grid_its_own_figures(street_hub: Path) -> None:
    """The coverage table reads every grid's figures in one grouped query each: the same as
    asking grid by grid (`rounds.coverage`, `census.coverage`), for the street and for all."""
    from gridwalker.store import census
    from gridwalker.store.tables import Grid, Street

    engine = open_database(street_hub)
    try:
        with engine.connect() as conn:
            grids = conn.execute(select(Grid.uuid).where(Grid.deleted == false())).scalars()
            grids = list(grids)
            street = conn.execute(select(Street.uuid)).scalar_one()
            for by in (
                rounds.coverage_by_grid(conn, DEMO_TODAY),
                rounds.coverage_by_grid(conn, DEMO_TODAY, street),
            ):
                assert {g: by.get(g, rounds.NO_HOUSEHOLDS) for g in grids} == {
                    g: rounds.coverage(conn, g, DEMO_TODAY) for g in grids
                }
            assert any(c.visited for c in by.values())
            year = DEMO_TODAY.year
            for towers in (
                census.coverage_by_grid(conn, year=year),
                census.coverage_by_grid(conn, year=year, street_uuid=street),
            ):
                assert any(c.enterprises for c in towers.values())
                for g in grids:
                    alone = census.coverage(conn, grid_uuid=g, year=year)
                    assert towers.get(g, census.NO_TOWERS) == alone
            assert census.coverage_by_grid(conn, year=year, street_uuid="no-such-street") == {}
    finally:
        engine.dispose()
