"""The desk's coverage on a hub of several streets: each street with its subtotal, named, and
the district's total; a street's figure opens that street's list, the street's place
column its queue."""

from __future__ import annotations

from textual.widgets import DataTable

from gridwalker.store.desk.coverage import coverage_table
from gridwalker.store.desk.queue import queue_count
from gridwalker.store.streets import street_names
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.desk.coverage import CoverageScreen
from gridwalker.tui.desk.coverage_lists import HouseholdListScreen
from gridwalker.tui.desk.queue import QueueScreen
from tests.support.apps import SIZE, make_desk_app, press, screen_text, settle, text_of
from tests.support.hubs import Desk
from tests.support.laptops import Field
from tests.support.streets import OTHER_STREET, add_other_street
from tests.tui.desk.test_hub_lists import COLUMN


async def test_each_street_shows_with_its_subtotal_and_the_district_last(
    desk: Desk, field_a: Field
) -> None:
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    other = add_other_street(desk.engine)
    with desk.engine.connect() as conn:
        table = coverage_table(conn)
    mine = next(
        i for i, r in enumerate(table) if r.level == "street" and r.street_uuid == other.street
    )
    app = make_desk_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        screen = app.screen
        assert isinstance(screen, CoverageScreen)
        grid = screen.query_one(DataTable)
        names = [str(grid.get_row_at(i)[0]) for i in range(grid.row_count)]
        assert names[mine] == OTHER_STREET
        assert names[-1] == "全部街道"
        assert sum(1 for r in table if r.level == "street") == 2
        grid.move_cursor(row=mine, column=COLUMN["Households"])
        await press(pilot, "enter")
        listed = app.screen
        assert isinstance(listed, HouseholdListScreen)
        assert listed.area.street_uuid == other.street
        assert OTHER_STREET in text_of(listed.query_one("#list-summary"))
        await press(pilot, "escape")
        grid.move_cursor(row=mine, column=0)
        await press(pilot, "enter")
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.flt.street_uuid == other.street


async def test_the_queue_filters_by_street(desk: Desk, field_a: Field) -> None:
    """`t` picks a street: the queue holds that street's records, and says so above them."""
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    add_other_street(desk.engine)
    app = make_desk_app(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "t")
        await press(pilot, "down", "enter")  # the first street after "all streets"
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        chosen = screen.flt.street_uuid
        with desk.engine.connect() as conn:
            names = street_names(conn)
            assert len(names) == 2 and chosen in names
            assert screen.query_one(PagedList).count == queue_count(conn, screen.flt)
        assert names[chosen] in screen_text(app)  # the filter in words, above the queue
        await press(pilot, "x")
        assert screen.flt.street_uuid is None
