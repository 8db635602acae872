"""Pilot tests and a snapshot of the lists behind the coverage figures at the hub."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from gridwalker.store.desk import coverage_lists as cl
from gridwalker.store.desk.coverage import CoverageRow, coverage_table
from gridwalker.tui.common.help import HelpScreen
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.desk.coverage import COVERAGE_COLUMNS, CoverageScreen
from gridwalker.tui.desk.coverage_lists import (
    AreaListScreen,
    CareListScreen,
    EnterpriseListScreen,
    HouseholdListScreen,
)
from gridwalker.tui.desk.queue import QueueScreen
from gridwalker.tui.desk.record import RecordScreen
from tests.support.apps import SIZE, make_desk_app, press, settle, text_of
from tests.support.hubs import Desk
from tests.support.laptops import Field

COLUMN = {title: i for i, (title, _width, _opens) in enumerate(COVERAGE_COLUMNS)}
# Column → (the list it opens, its filter, the CoverageRow figure the list is as long as).
DRILL_DOWNS = [
    ("Households", HouseholdListScreen, None, "households"),
    ("Visited", HouseholdListScreen, "visited", "visited"),
    ("Share", HouseholdListScreen, None, "households"),
    ("Care", CareListScreen, None, "care_residents"),
    ("Seen", CareListScreen, "seen", "care_seen"),
    ("Firms", EnterpriseListScreen, None, "enterprises"),
    ("Censused", EnterpriseListScreen, "censused", "censused"),
    ("Party org", EnterpriseListScreen, "with_org", "with_org"),
    ("Org share", EnterpriseListScreen, None, "enterprises"),
]


@pytest.fixture
def hub(desk: Desk, field_a: Field) -> Iterator[Desk]:
    """A hub that imported one laptop of the small street (one grid, a month of rounds)."""
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    yield desk


def table_of(engine: Engine) -> list[CoverageRow]:
    with engine.connect() as conn:
        return coverage_table(conn)


async def open_figure(pilot: Pilot[None], row: int, column: str) -> None:
    """On the coverage screen, Enter on one figure."""
    await settle(pilot)
    await press(pilot, "5")
    assert isinstance(pilot.app.screen, CoverageScreen)
    pilot.app.screen.query_one(DataTable).move_cursor(row=row, column=COLUMN[column])
    await press(pilot, "enter")


def shown(pilot: Pilot[None]) -> tuple[AreaListScreen, PagedList]:
    screen = pilot.app.screen
    assert isinstance(screen, AreaListScreen)
    return screen, screen.query_one(PagedList)


async def test_every_figure_opens_a_list_as_long_as_itself(hub: Desk) -> None:
    table = table_of(hub.engine)
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        for column, kind, flt, attr in DRILL_DOWNS:
            for index in (1, len(table) - 1):  # the grid, and the whole street
                await open_figure(pilot, index, column)
                screen, paged = shown(pilot)
                assert (type(screen), screen.flt) == (kind, flt), column
                assert paged.count == getattr(table[index], attr) > 0, (column, index)
                assert paged.current is not None
                # Opening takes the figures the coverage table counted; F5 counts again from
                # the database, with the list's own queries: the same numbers.
                await press(pilot, "f5")
                assert screen.counts == screen.figures_of(table[index]), (column, index)
                assert paged.count == getattr(table[index], attr), (column, index)
                await press(pilot, "escape")
                assert isinstance(app.screen, CoverageScreen)


async def test_households_list_filters_and_opens_records(hub: Desk) -> None:
    table = table_of(hub.engine)
    grid = table[1]
    assert grid.level == "grid"
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await open_figure(pilot, 1, "Visited")
        screen, paged = shown(pilot)
        summary = text_of(screen.query_one("#list-summary", Static))
        assert grid.grid_code in summary and "住户走访情况" in summary
        assert f"已走访 {grid.visited}" in summary and f"全部 {grid.households}" in summary
        assert paged.count == grid.visited
        first = paged.current
        assert first is not None and first.visited
        lines = text_of(paged)
        assert first.address in lines and "已走访" in lines
        assert "网格" not in text_of(screen.query_one("#list-columns", Static))  # one grid
        # f: visited → not visited → all → visited.
        await press(pilot, "f")
        assert screen.flt == "not_visited" and paged.count == grid.households - grid.visited
        assert paged.current is not None and not paged.current.visited
        await press(pilot, "f")
        assert screen.flt is None and paged.count == grid.households
        await press(pilot, "f")
        assert screen.flt == "visited" and paged.count == grid.visited
        # Enter: the household on the record screen; l: its last visit.
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        assert (app.screen.entity, app.screen.uuid) == ("household", first.uuid)
        await press(pilot, "escape")
        assert app.screen is screen
        await press(pilot, "l")
        assert isinstance(app.screen, RecordScreen)
        assert (app.screen.entity, app.screen.uuid) == ("visit", first.last_visit_uuid)
        await press(pilot, "escape", "escape")
        assert isinstance(app.screen, CoverageScreen)


async def test_care_list_opens_the_resident(hub: Desk) -> None:
    grid = table_of(hub.engine)[1]
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await open_figure(pilot, 1, "Seen")
        screen, paged = shown(pilot)
        assert isinstance(screen, CareListScreen) and paged.count == grid.care_seen
        resident = paged.current
        assert resident is not None and resident.seen
        assert resident.name in text_of(paged)
        await press(pilot, "f")
        assert screen.flt == "not_seen"
        assert paged.count == grid.care_residents - grid.care_seen
        await press(pilot, "f", "enter")
        assert isinstance(app.screen, RecordScreen)
        assert app.screen.entity == "resident"
        assert app.screen.detail is not None and app.screen.detail.record["care_tags"]


async def test_firms_list_opens_the_census_record(hub: Desk) -> None:
    street = table_of(hub.engine)[-1]
    with hub.engine.connect() as conn:
        firms = cl.enterprise_page(conn, cl.Area(), None, 0, 1000)
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await open_figure(pilot, len(table_of(hub.engine)) - 1, "Firms")
        screen, paged = shown(pilot)
        assert isinstance(screen, EnterpriseListScreen) and paged.count == street.enterprises
        assert "网格" in text_of(screen.query_one("#list-columns", Static))  # the street's
        summary = text_of(screen.query_one("#list-summary", Static))
        # The street's list is named by the street (a hub may hold several).
        assert street.street and street.street in summary
        assert f"已建党组织 {street.with_org}" in summary
        await press(pilot, "f", "f", "f")
        assert screen.flt == "with_org" and paged.count == street.with_org
        await press(pilot, "f")
        assert screen.flt is None
        # Enter on a firm: its census record; one never censused has none to open.
        record = next(i for i, f in enumerate(firms) if f.record_uuid)
        paged.move_to(record)
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        assert (app.screen.entity, app.screen.uuid) == ("census_record", firms[record].record_uuid)
        await press(pilot, "escape")
        never = next((i for i, f in enumerate(firms) if f.record_uuid is None), None)
        if never is not None:
            paged.move_to(never)
            await press(pilot, "enter")
            assert app.screen is screen


async def test_the_place_columns_still_open_the_queue(hub: Desk) -> None:
    table = table_of(hub.engine)
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await open_figure(pilot, 1, "Grid")
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.flt is not None and app.screen.flt.grid_uuid == table[1].grid_uuid


async def test_help_and_footer_show_the_list_keys(hub: Desk) -> None:
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await open_figure(pilot, 1, "Households")
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys", Static).render())
        for words in ("全部/已走访/未走访", "最近走访", "返回"):
            assert words in keys


def test_snapshot_care_list(snap_compare: Callable[..., bool], hub: Desk) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_figure(pilot, 1, "Care")

    assert snap_compare(make_desk_app(hub), terminal_size=SIZE, run_before=run_before)


def test_snapshot_firms_of_the_street(snap_compare: Callable[..., bool], hub: Desk) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_figure(pilot, 2, "Censused")

    assert snap_compare(make_desk_app(hub), terminal_size=SIZE, run_before=run_before)


def test_the_snapshots_hub_is_one_grid(hub: Desk) -> None:
    """The snapshots' row numbers: the community, its one grid, then the street."""
    assert [r.level for r in table_of(hub.engine)] == ["community", "grid", "street"]


def test_english_titles_of_a_grid_list_fit_their_columns() -> None:
    from rich.cells import cell_len

    from gridwalker.domain.i18n import _, language, set_language
    from gridwalker.tui.desk.coverage_lists import ENTERPRISE_COLUMNS, ROOM, layout

    before = language()
    set_language("en")
    try:
        columns = layout(ENTERPRISE_COLUMNS, True, "Enterprise")
        assert all(cell_len(_(title)) <= width for width, title in columns if title)
        assert 1 + sum(width + 1 for width, _title in columns) <= ROOM
        street = layout(ENTERPRISE_COLUMNS, False, "Enterprise")
        assert 1 + sum(width + 1 for width, _title in street) <= ROOM
        assert dict((t, w) for w, t in street)["Enterprise"] == 24  # names keep their room
    finally:
        set_language(before)
