"""Esc goes back from every screen of the field app, and the footer (or a modal's own hint
line) says so: the places tree back to Today, every pushed screen to the one under it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Building, Enterprise, Household, Issue
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.places import PlacesScreen
from gridwalker.tui.field.today import TodayScreen
from tests.support.apps import SIZE, footer_text, make_app, press, screen_text, settle


def some_rows(db: Path) -> dict[str, str]:
    engine = open_database(db)
    with engine.connect() as conn:
        rows = {
            "household": conn.execute(select(Household.uuid).limit(1)).scalar_one(),
            "issue": conn.execute(select(Issue.uuid).limit(1)).scalar_one(),
            "enterprise": conn.execute(select(Enterprise.uuid).limit(1)).scalar_one(),
            "tower": conn.execute(
                select(Building.uuid).where(Building.kind == "commercial").limit(1)
            ).scalar_one(),
        }
    engine.dispose()
    return rows


def openers(rows: dict[str, str]) -> dict[str, Callable[[GridwalkerApp], object]]:
    hh = rows["household"]
    return {
        "round": lambda app: app.open_round(),
        "follow_ups": lambda app: app.open_attention_list("follow_ups"),
        "care": lambda app: app.open_attention_list("care"),
        "drafts": lambda app: app.open_attention_list("drafts"),
        "household": lambda app: app.open_household(hh),
        "visit": lambda app: app.open_visit(hh),
        "resident form": lambda app: app.open_resident_form(hh),
        "issues": lambda app: app.open_issues(),
        "issue": lambda app: app.open_issue(rows["issue"]),
        "issue form": lambda app: app.log_issue(household_uuid=hh),
        "towers": lambda app: app.open_towers(),
        "tower": lambda app: app.open_tower(rows["tower"]),
        "infobase": lambda app: app.open_infobase(street=False),
        "enterprise": lambda app: app.open_enterprise(rows["enterprise"]),
        "census history": lambda app: app.open_census_history(rows["enterprise"]),
        "census form": lambda app: app.open_census_form(rows["enterprise"], rows["tower"]),
        "export": lambda app: app.open_export(),
        "returned": lambda app: app.open_returned(),
        "search": lambda app: app.action_search(),
    }


def says_escape(app: GridwalkerApp) -> bool:
    """The footer shows Esc with what it does; a modal without a footer says it itself."""
    footer = footer_text(app)
    if footer:
        return "esc" in footer.lower() and any(
            word in footer for word in ("返回", "关闭", "取消", "稍后")
        )
    return "Esc" in screen_text(app)


async def test_every_field_screen_goes_back_with_escape(demo_db: Path) -> None:
    rows = some_rows(demo_db)
    app = make_app(demo_db, signed_in=True)
    silent: list[str] = []
    stuck: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        for name, open_it in openers(rows).items():
            open_it(app)
            await settle(pilot)
            assert not isinstance(app.screen, TodayScreen), name
            if not says_escape(app):
                silent.append(name)
            await press(pilot, "escape")
            if not isinstance(app.screen, TodayScreen):
                stuck.append(f"{name}: {type(app.screen).__name__}")
                while len(app.screen_stack) > 1:
                    app.pop_screen()
                await settle(pilot)
    assert silent == [] and stuck == []


async def test_places_go_back_to_today_with_escape(demo_db: Path) -> None:
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "esc" not in footer_text(app).lower()  # home: nowhere to go back to
        await press(pilot, "p")
        assert isinstance(app.screen, PlacesScreen)
        footer = footer_text(app)
        assert "esc" in footer.lower() and "返回" in footer
        await press(pilot, "escape")
        assert isinstance(app.screen, TodayScreen) and app.current_mode == "today"
        await press(pilot, "p")
        assert isinstance(app.screen, PlacesScreen)


async def test_places_started_first_go_to_today_in_english(demo_db: Path) -> None:
    app = make_app(demo_db, lang="en", start="places", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PlacesScreen)
        assert "Back" in footer_text(app)
        await press(pilot, "escape")
        assert isinstance(app.screen, TodayScreen)
