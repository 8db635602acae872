"""An issue started from a visit is prefilled with the household, its address, the grid and
the member (issue #13 §4)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from textual.widgets import Static

from gridwalker.store import rounds
from gridwalker.store.tables import Grid
from gridwalker.tui.field.issue_form import IssueFormScreen
from tests.support.apps import SIZE, make_app, settle, text_of
from tests.tui.field.test_household import grid_of, household, read
from tests.tui.field.test_visit import choose_outcome, open_visit


async def test_an_issue_from_a_visit_names_household_address_grid_and_member(
    demo_db: Path,
) -> None:
    uuid = household(demo_db, "302")
    info = read(demo_db, lambda conn: rounds.household_info(conn, uuid))
    grid = grid_of(demo_db)
    code, name = read(
        demo_db,
        lambda conn: conn.execute(select(Grid.code, Grid.name).where(Grid.uuid == grid)).one(),
    )
    member = read(demo_db, lambda conn: rounds.members(conn)[0])
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        visit = await open_visit(pilot, uuid)
        await choose_outcome(pilot, "request")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert visit.saved and visit.visit_uuid
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IssueFormScreen)
        assert form.start == {"visit_uuid": visit.visit_uuid}
        assert form.prefill is not None
        assert form.prefill.household_uuid == uuid and form.prefill.grid_uuid == grid
        origin = text_of(form.query_one("#form-origin", Static)).replace(" ", "")
        for words in (info.address, code, name, member.name):
            assert words.replace(" ", "") in origin, (words, origin)
        assert form.state()["place"] == info.address
