"""Pilot tests of sign-in, Today and the round list."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from gridwalker import config
from gridwalker.store import rounds
from gridwalker.store.migrate import open_database
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.field.round import RoundScreen
from gridwalker.tui.field.signin import SignInScreen
from gridwalker.tui.field.today import TodayScreen
from tests.support.apps import SIZE, make_app, screen_text, settle, sign_in


def grid_of(db: Path) -> str:
    engine = open_database(db)
    with engine.connect() as conn:
        grid = rounds.members(conn)[0].grid_uuid
    engine.dispose()
    return grid


async def test_first_start_asks_who_you_are_and_remembers(demo_db: Path) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "李晓梅" in screen_text(pilot.app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        assert "李晓梅" in screen_text(pilot.app)
    saved = config.load_settings(config.paths())
    assert saved.member_name == "李晓梅" and saved.grid_code == "XH-01-01"
    again = make_app(demo_db)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, TodayScreen)


async def test_today_shows_the_figures_of_the_store(demo_db: Path) -> None:
    sign_in(demo_db)
    grid = grid_of(demo_db)
    engine = open_database(demo_db)
    with engine.connect() as conn:
        cov = rounds.coverage(conn, grid)
        care = len(rounds.care_not_seen(conn, grid))
    engine.dispose()
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert f"已走访 {cov.visited} / {cov.total} 户" in shown
        assert "本月未见的关爱对象" in shown and str(care) in shown
        assert "上次导出" in shown and "从未" in shown


async def test_coverage_on_today_changes_after_a_visit(demo_db: Path) -> None:
    sign_in(demo_db)
    grid = grid_of(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        with app.engine.connect() as conn:
            before = rounds.coverage(conn, grid).visited
        assert f"已走访 {before} /" in screen_text(pilot.app)
        from gridwalker.domain.forms import VisitInput

        with app.engine.begin() as conn:
            hh = rounds.next_unvisited(conn, grid)
            rounds.save_visit(conn, "t", None, hh, VisitInput(outcome="visited"))
        await pilot.press("f5")
        await settle(pilot)
        assert f"已走访 {before + 1} /" in screen_text(pilot.app)


async def test_figures_open_their_lists(demo_db: Path) -> None:
    sign_in(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        figures = app.screen.query_one("#figures", OptionList)
        figures.highlighted = 1  # to revisit
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoundScreen) and app.screen.status == "revisit"
        listing = app.screen.query_one(PagedList)
        assert listing.count and all(
            listing.row_at(i).status == "revisit" for i in range(min(listing.count, 20))
        )
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)


async def test_round_lists_every_household_and_filters(demo_db: Path) -> None:
    sign_in(demo_db)
    grid = grid_of(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        listing = app.screen.query_one(PagedList)
        assert listing.count == 400
        first = rounds.round_page(app.engine.connect(), grid, None, 0, 1)[0]
        assert listing.current.uuid == first.uuid
        assert f"{first.building} {first.unit}-{first.room}" in screen_text(pilot.app)
        await pilot.press("v")
        await settle(pilot)
        with app.engine.connect() as conn:
            assert listing.count == rounds.round_count(conn, grid, "visited")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("pagedown", "pagedown", "end")
        await settle(pilot)
        assert listing.cursor == 399 and listing.current is not None


async def test_next_unvisited_follows_walking_order(demo_db: Path) -> None:
    sign_in(demo_db)
    grid = grid_of(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        listing = app.screen.query_one(PagedList)
        with app.engine.connect() as conn:
            expected = rounds.next_unvisited(conn, grid, listing.current.uuid)
            second = rounds.next_unvisited(conn, grid, expected)
        await pilot.press("n")
        await settle(pilot)
        assert listing.current.uuid == expected
        await pilot.press("n")
        await settle(pilot)
        assert listing.current.uuid == second
        assert listing.current.status != "visited"


async def test_english_today(demo_db: Path) -> None:
    sign_in(demo_db)
    app = make_app(demo_db, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert "Coverage this cycle" in shown and "households visited" in shown
        assert "To revisit (nobody home)" in shown
