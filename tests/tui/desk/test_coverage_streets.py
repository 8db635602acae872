"""The desk's coverage on a hub of several streets: each street with its subtotal, named, and
the district's total; a street's figure opens that street's list, the street's place
column its queue."""

from __future__ import annotations

from textual.widgets import DataTable

from gridwalker.store.desk.coverage import coverage_table
from gridwalker.tui.desk.coverage import CoverageScreen
from gridwalker.tui.desk.coverage_lists import HouseholdListScreen
from gridwalker.tui.desk.queue import QueueScreen
from tests.support.apps import SIZE, make_desk_app, press, settle, text_of
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
