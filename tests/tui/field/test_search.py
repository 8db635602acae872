"""Pilot tests of the search screen: Chinese, pinyin, initials, rooms; opening each kind of hit."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from gridwalker.store import search
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Enterprise, Grid, Household
from gridwalker.store.writes import Writer
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.places import PlacesScreen
from gridwalker.tui.field.search import LIMIT, Found, HitsFound, ResultList, SearchScreen, find
from tests.support.apps import SIZE, make_app, settle, text_of


def shown_hits(app: GridwalkerApp) -> list[str]:
    """The lines of the result list, as drawn."""
    return [line.strip() for line in text_of(results(app)).splitlines() if line.strip()]


def results(app: GridwalkerApp) -> ResultList:
    """The search screen's result list."""
    return app.screen.query_one("#search-results", ResultList)


def count_text(app: GridwalkerApp) -> str:
    """What the line above the results says."""
    return text_of(app.screen.query_one("#search-count", Static)).strip()


async def open_search(pilot: Pilot[None]) -> SearchScreen:
    """Wait for the database, then press / ."""
    await settle(pilot)
    await pilot.press("slash")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    assert pilot.app.focused is screen.query_one("#search-input", Input)
    return screen


async def type_query(pilot: Pilot[None], text: str) -> None:
    """Type a query key by key, then wait for the answer."""
    await pilot.press(*text)
    await settle(pilot)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Households the app was asked to open (the household screen is another module)."""
    calls: list[str] = []
    monkeypatch.setattr(GridwalkerApp, "open_household", lambda self, uuid: calls.append(uuid))
    return calls


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Notifications shown, as (title, message)."""
    shown: list[tuple[str, str]] = []
    real = GridwalkerApp.notify

    def record(self: GridwalkerApp, message: str, *, title: str = "", **kw: Any) -> None:
        shown.append((title, message))
        real(self, message, title=title, **kw)

    monkeypatch.setattr(GridwalkerApp, "notify", record)
    return shown


@pytest.fixture
def zhang_san(demo_db: Path) -> str:
    """Put 张三 into a known household of the demo; returns that household's uuid."""
    engine = open_database(demo_db)
    with engine.begin() as conn:
        household = conn.execute(
            select(Household.uuid).order_by(Household.uuid).limit(1)
        ).scalar_one()
        Writer(conn, "t").insert(
            "resident", {"household_uuid": household, "name": "张三", "relation": "spouse"}
        )
    engine.dispose()
    return household


def fake_module(name: str, cls: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand a module with a screen class `cls(uuid)` in for `name`; returns the uuids opened."""
    made: list[str] = []

    class Fake(Screen[None]):
        def __init__(self, uuid: str) -> None:
            super().__init__()
            self.uuid = uuid
            made.append(uuid)

    module = types.ModuleType(name)
    setattr(module, cls, Fake)
    monkeypatch.setitem(sys.modules, name, module)
    return made


@pytest.mark.parametrize("query", ["张三", "zs", "zhangsan"])
async def test_name_initials_and_pinyin_find_zhang_san_and_enter_opens_his_household(
    demo_db: Path, zhang_san: str, opened: list[str], query: str
) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, query)
        assert screen.query_one("#search-input", Input).value == query
        first = shown_hits(app)[0]
        assert first.startswith("居民")
        assert "张三" in first and "邮三社区·" in first and "XH-01-01" in first
        assert screen.hits[0].title == "张三"
        assert count_text(app).startswith("找到")
        await pilot.press("enter")
        await settle(pilot)
        assert opened == [zhang_san]
        assert not isinstance(app.screen, SearchScreen)


async def test_enter_shows_the_household_screen(demo_db: Path, zhang_san: str) -> None:
    """Through the app's own open_household, when the household screen exists."""
    household = pytest.importorskip("gridwalker.tui.field.household")
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_search(pilot)
        await type_query(pilot, "zs")
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, household.HouseholdScreen)
        assert app.screen.household_uuid == zhang_san


async def test_room_number_lists_households_and_arrows_choose_one(
    demo_db: Path, opened: list[str]
) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "302")
        lines = shown_hits(app)
        assert lines and all("302" in line for line in lines)
        kinds = [line.split()[0] for line in lines]
        assert kinds[0] == "户" and kinds == sorted(kinds, key=lambda k: k != "户")  # homes first
        assert count_text(app) == f"前 {LIMIT} 条结果；多输入几个字可以缩小范围。"
        await pilot.press("down")  # from the box into the results
        assert app.focused is results(app)
        await pilot.press("down", "down", "up")
        assert results(app).highlighted == 1
        chosen = screen.hits[1]
        await pilot.press("enter")
        await settle(pilot)
        assert opened == [chosen.uuid]
    engine = open_database(demo_db)
    with engine.connect() as conn:
        room = conn.execute(select(Household.room).where(Household.uuid == chosen.uuid))
        assert room.scalar_one() == "302"
    engine.dispose()


async def test_up_from_the_first_hit_and_typing_go_back_to_the_box(demo_db: Path) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        box = screen.query_one("#search-input", Input)
        await type_query(pilot, "li")
        await pilot.press("down")
        assert app.focused is results(app)
        await pilot.press("up")
        assert app.focused is box
        await pilot.press("down")
        await pilot.press("u")  # typing on the results goes on in the box
        await settle(pilot)
        assert app.focused is box and box.value == "liu"
        assert screen.hits and all(h.title.startswith("刘") for h in screen.hits[:3])
        await pilot.press("down", "backspace")
        await settle(pilot)
        assert app.focused is box and box.value == "li"


async def test_typing_fast_ends_with_the_last_querys_hits(demo_db: Path, zhang_san: str) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await pilot.press("z", "h", "a", "n", "g", "s")  # no waiting between keys
        await settle(pilot)
        engine = open_database(demo_db)
        with engine.connect() as conn:
            grid = conn.execute(select(Grid.uuid)).scalar_one()
            expected = search.search(conn, "zhangs", LIMIT, grid)
        engine.dispose()
        assert screen.query_text == "zhangs"
        assert [h.uuid for h in screen.hits] == [h.uuid for h in expected]
        assert "张三" in shown_hits(app)[0]


async def test_a_stale_answer_is_dropped(demo_db: Path) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "302")
        current = list(screen.hits)
        screen.post_message(HitsFound(Found(screen.seq - 1, "30", [], {})))  # an older answer
        await pilot.pause()
        assert screen.hits == current
        assert shown_hits(app)


async def test_unknown_name_says_nothing_found(demo_db: Path) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "不存在的名字")
        assert count_text(app) == "没有找到“不存在的名字”。"
        assert screen.hits == []
        assert not results(app).display
        await pilot.press("enter")  # nothing to open: nothing happens
        await pilot.pause()
        assert app.screen is screen


async def test_clearing_the_box_shows_the_hint(demo_db: Path) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "zs")
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert screen.hits == []
        assert count_text(app).startswith("输入姓名")


async def test_escape_closes(demo_db: Path) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_search(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlacesScreen)


def test_own_grid_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the limit cuts the whole database's hits, the member's grid is asked for first."""
    calls: list[str | None] = []
    others = [search.Hit("household", f"o{i}", f"O{i}", "", "other") for i in range(LIMIT)]
    mine = [search.Hit("household", "m1", "M1", "", "mine")]

    def fake_search(conn: Any, q: str, limit: int = 30, grid_uuid: str | None = None) -> list:
        calls.append(grid_uuid)
        return mine if grid_uuid else others[: LIMIT - 1] + mine

    class Rows:
        def all(self) -> list[tuple[str, str]]:
            return [("mine", "XH-01-01"), ("other", "XH-09-09")]

    conn = types.SimpleNamespace(execute=lambda stmt: Rows())
    monkeypatch.setattr(search, "search", fake_search)
    hits, codes = find(conn, "x", "mine")  # type: ignore[arg-type]
    assert [h.uuid for h in hits][:2] == ["m1", "o0"]
    assert calls == [None, "mine"] and len(hits) == LIMIT
    assert codes == {"mine": "XH-01-01", "other": "XH-09-09"}

    calls.clear()
    monkeypatch.setattr(
        search, "search", lambda conn, q, limit=30, grid_uuid=None: others[:2] + mine
    )
    hits, _codes = find(conn, "x", "mine")  # type: ignore[arg-type]
    assert [h.uuid for h in hits] == ["m1", "o0", "o1"]  # a short answer is only reordered


async def test_enterprise_opens_its_screen(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = open_database(demo_db)
    with engine.connect() as conn:
        uuid, name = conn.execute(
            select(Enterprise.uuid, Enterprise.name).order_by(Enterprise.name).limit(1)
        ).one()
    engine.dispose()
    made = fake_module("gridwalker.tui.field.enterprise", "EnterpriseScreen", monkeypatch)
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        screen.query_one("#search-input", Input).value = name
        await settle(pilot)
        assert shown_hits(app)[0].startswith("企业") and name in shown_hits(app)[0]
        await pilot.press("enter")
        await settle(pilot)
        assert made == [uuid] and getattr(app.screen, "uuid", None) == uuid


async def test_issue_opens_its_screen(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = fake_module("gridwalker.tui.common.issue_detail", "IssueDetailScreen", monkeypatch)
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        screen.query_one("#search-input", Input).value = "加装电梯"
        await settle(pilot)
        first = screen.hits[0]
        assert first.entity == "issue" and shown_hits(app)[0].startswith("诉求")
        await pilot.press("enter")
        await settle(pilot)
        assert made == [first.uuid] and getattr(app.screen, "uuid", None) == first.uuid


async def test_a_resident_gone_meanwhile_is_reported(
    demo_db: Path, zhang_san: str, opened: list[str], notes: list
) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "张三")
        hit = screen.hits[0]
        engine = open_database(demo_db)
        with engine.begin() as conn:
            Writer(conn, "t").delete("resident", hit.uuid)
        engine.dispose()
        await pilot.press("enter")
        await settle(pilot)
        assert opened == [] and app.screen is screen
        assert notes[-1][1] == "数据库中已没有这位居民。"


async def run_to_results(pilot: Pilot[None]) -> None:
    """Open the search and type 李, then hold the cursor still for the picture."""
    await settle(pilot)
    await pilot.press("slash")
    await pilot.pause()
    pilot.app.screen.query_one("#search-input", Input).cursor_blink = False
    await pilot.press("李")
    await settle(pilot)


def test_search_snapshot(snap_compare: Callable[..., bool], demo_db: Path) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_to_results)
