"""Pilot tests of the lists behind Today's figures: follow-ups, care not seen, drafts."""

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
from textual.widgets import OptionList, Static

from gridwalker.domain.choices import CareTag
from gridwalker.domain.i18n import label
from gridwalker.store import rounds
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Grid, Household
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.lists import AttentionList
from gridwalker.tui.field.places import PlacesScreen
from tests.support.apps import SIZE, make_app, settle, text_of


def rows_shown(app: GridwalkerApp) -> list[str]:
    """Every row of the list (as its option text), top to bottom."""
    rows = app.screen.query_one("#list-rows", OptionList)
    return [str(rows.get_option_at_index(i).prompt) for i in range(rows.option_count)]


def read(db: Path, fn: Callable[[Any, str], Any]) -> Any:
    """Call a store function with a connection and the demo grid's uuid."""
    engine = open_database(db)
    with engine.begin() as conn:
        grid = conn.execute(select(Grid.uuid)).scalar_one()
        result = fn(conn, grid)
    engine.dispose()
    return result


async def open_list(pilot: Pilot[None], kind: str) -> AttentionList:
    """Wait for the database, open an attention list and wait for its rows."""
    await settle(pilot)
    screen = AttentionList(kind)
    pilot.app.push_screen(screen)
    await settle(pilot)
    assert pilot.app.screen is screen
    return screen


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Households the app was asked to open (the household screen is another module)."""
    calls: list[str] = []
    monkeypatch.setattr(GridwalkerApp, "open_household", lambda self, uuid: calls.append(uuid))
    return calls


def add_draft(db: Path, household: str, title: str) -> dict[str, Any]:
    """Save a visit draft for a household, as the visit form does; returns its payload."""
    payload = {"visit": {"outcome": "visited", "concerns": "楼道灯坏了"}, "roster_changes": []}
    read(
        db,
        lambda conn, grid: rounds.save_draft(
            conn, rounds.visit_draft_key(household), "visit", title, payload
        ),
    )
    return payload


def households(db: Path, n: int) -> list[str]:
    """The first n households of the demo, by uuid."""
    return read(
        db,
        lambda conn, grid: list(
            conn.execute(select(Household.uuid).order_by(Household.uuid).limit(n)).scalars()
        ),
    )


async def test_follow_ups_list_the_store_rows_and_enter_opens_the_household(
    demo_db: Path, opened: list[str]
) -> None:
    expected = read(demo_db, rounds.follow_ups_due)
    assert expected
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_list(pilot, "follow_ups")
        shown = rows_shown(app)
        assert len(shown) == len(expected)
        for line, row in zip(shown, expected, strict=True):
            assert line.startswith(row.address)
            assert row.follow_up.isoformat() in line
            assert row.concerns[:6] in line
        assert "逾期" in shown[0]
        title = text_of(app.screen.query_one("#list-title", Static))
        assert "到期待回访" in title and f"共 {len(expected)} 条" in title
        heads = text_of(app.screen.query_one("#list-headings", Static))
        assert "地址" in heads and "到期日" in heads
        await pilot.press("down", "enter")
        assert opened == [expected[1].household_uuid]


async def test_care_list_shows_names_tag_labels_and_addresses(
    demo_db: Path, opened: list[str]
) -> None:
    expected = read(demo_db, rounds.care_not_seen)
    assert expected
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_list(pilot, "care")
        shown = rows_shown(app)
        assert len(shown) == len(expected)
        for line, row in zip(shown, expected, strict=True):
            assert line.startswith(row.name)
            assert label(CareTag(row.care_tags[0])) in line
            assert row.address in line
        assert "party_member" not in "".join(shown)  # labels, never the stored values
        await pilot.press("enter")
        assert opened == [expected[0].household_uuid]
        assert len(text_of(app.screen.query_one("#list-rows", OptionList)).splitlines()) > 10


async def test_no_drafts_says_so_and_escape_goes_back(demo_db: Path, opened: list[str]) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_list(pilot, "drafts")
        assert rows_shown(app) == ["没有待处理的草稿。"]
        await pilot.press("enter")  # nothing to open
        assert opened == []
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlacesScreen)


async def test_drafts_show_title_and_local_time_and_reopen(
    demo_db: Path, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    household = households(demo_db, 1)[0]
    payload = add_draft(demo_db, household, "7栋 1单元 501 走访")
    made: list[tuple[str, Any]] = []

    class VisitScreen(Screen[None]):
        def __init__(self, household_uuid: str, draft_payload: Any = None) -> None:
            super().__init__()
            made.append((household_uuid, draft_payload))

    module = types.ModuleType("gridwalker.tui.field.visit")
    module.VisitScreen = VisitScreen  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gridwalker.tui.field.visit", module)
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_list(pilot, "drafts")
        [line] = rows_shown(app)
        assert line.startswith("7栋 1单元 501 走访") and "2026-11-20 09:00" in line
        await pilot.press("enter")
        await pilot.pause()
        assert made == [(household, payload)] and opened == []
        assert type(app.screen).__name__ == "VisitScreen"


async def test_the_list_is_read_again_on_return(demo_db: Path) -> None:
    first, second = households(demo_db, 2)
    add_draft(demo_db, first, "第一份")
    app = make_app(demo_db, start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_list(pilot, "drafts")
        assert len(rows_shown(app)) == 1
        await app.push_screen(Screen())
        add_draft(demo_db, second, "第二份")
        app.pop_screen()
        await settle(pilot)
        assert app.screen is screen
        assert sorted(line.split()[0] for line in rows_shown(app)) == ["第一份", "第二份"]


async def test_today_figure_opens_its_list(demo_db: Path) -> None:
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        figures = app.screen.query_one("#figures", OptionList)
        index = next(
            i for i in range(figures.option_count) if figures.get_option_at_index(i).id == "care"
        )
        figures.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AttentionList) and app.screen.kind == "care"
        assert rows_shown(app)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        AttentionList("everything")


async def run_to_care(pilot: Pilot[None]) -> None:
    """Wait for the database and open the care list."""
    await settle(pilot)
    pilot.app.push_screen(AttentionList("care"))
    await settle(pilot)


def test_care_list_snapshot(snap_compare: Callable[..., bool], demo_db: Path) -> None:
    app = make_app(demo_db, start="places", signed_in=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_to_care)
