"""User text is shown as written on every screen of the field app, never read as markup.

Each name, address, note and description below is markup to Textual or Rich: one that breaks the
parser (`[/]…[bold`), a link, an action link and a colour. The screens must show them literally,
not crash, and a click on an action link in a name must not run the action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from sqlalchemy import Connection, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from gridwalker.store import rounds
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import CensusRecord, Enterprise, Household, Issue
from gridwalker.store.writes import Writer
from gridwalker.tui.common.issue_detail import IssueDetailScreen
from gridwalker.tui.common.issues import IssueListScreen
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.household import HouseholdScreen
from gridwalker.tui.field.move_out import MoveOutDialog
from gridwalker.tui.field.resident import ResidentForm
from gridwalker.tui.field.search import SearchScreen
from tests.support.apps import SIZE, make_app, screen_text, settle
from tests.support.demo import MEMBER

BROKEN = "[/]张三[bold"  # Rich and Textual refuse it: MarkupError
LINK = "[link=https://x]点我[/link]"
CLICK = "[@click=app.quit]退出[/]"  # as markup, a click on 退出 quits the app
RED = "[red]红[/red]"
HOSTILE = (BROKEN, LINK, CLICK, RED)


@dataclass(frozen=True)
class Scene:
    """The demo street with hostile text in the rows the screens below show."""

    db: Path
    household: str
    residents: list[str]
    issue: str
    enterprise: str
    tower: str


def _write(db: Path, fn: Callable[[Connection, Writer], Any]) -> Any:
    engine = open_database(db)
    try:
        with engine.begin() as conn:
            return fn(conn, Writer(conn, MEMBER))
    finally:
        engine.dispose()


def _plant(conn: Connection, w: Writer) -> dict[str, Any]:
    """Hostile text in a household of the member's grid (its building, head, people, a visit
    and an issue) and in an enterprise and its tower, all written by the one write path (the
    field rules allow `[` and `@`)."""
    member = rounds.members(conn)[0]
    assert member.grid_uuid
    household = issue = None
    rows = conn.execute(
        select(Issue.uuid, Issue.household_uuid).where(
            Issue.grid_uuid == member.grid_uuid, Issue.household_uuid.is_not(None)
        )
    ).all()
    for issue, household in rows:  # noqa: B007 - the first household with people and visits
        if len(rounds.residents_of(conn, household)) >= 2 and rounds.visits_of(conn, household):
            break
    assert household and issue
    people = rounds.residents_of(conn, household)
    building = conn.execute(
        select(Household.building_uuid).where(Household.uuid == household)
    ).scalar_one()
    w.update("member", member.uuid, {"name": "李" + CLICK})
    first = rounds.round_page(conn, member.grid_uuid, None, 0, 1)[0].uuid
    first_building = conn.execute(
        select(Household.building_uuid).where(Household.uuid == first)
    ).scalar_one()
    for uuid in {building, first_building}:  # the household's, and the first of the round
        w.update("building", uuid, {"name": "楼" + RED})
    w.update("household", household, {"head_name": "王" + RED})
    w.update("resident", people[0].uuid, {"name": BROKEN})
    w.update("resident", people[1].uuid, {"name": CLICK})
    w.update("visit", rounds.visits_of(conn, household)[0].uuid, {"concerns": LINK})
    w.update(
        "issue",
        issue,
        {"description": CLICK + "\n" + BROKEN, "place": "地" + LINK, "reporter_name": "赵" + RED},
    )
    record, enterprise = conn.execute(
        select(CensusRecord.uuid, CensusRecord.enterprise_uuid).order_by(CensusRecord.uuid)
    ).first()
    w.update("census_record", record, {"member_uuid": member.uuid})  # censused by 李[@click…
    tower = conn.execute(
        select(Enterprise.building_uuid).where(Enterprise.uuid == enterprise)
    ).scalar_one()
    w.update("enterprise", enterprise, {"name": "企" + BROKEN, "contact_name": "钱" + LINK})
    w.update("building", tower, {"name": "塔" + LINK})
    return {
        "household": household,
        "residents": [p.uuid for p in people[:2]],
        "issue": issue,
        "enterprise": enterprise,
        "tower": tower,
    }


@pytest.fixture
def scene(demo_db: Path) -> Scene:
    return Scene(demo_db, **_write(demo_db, _plant))


async def click_on_link(pilot: Pilot[None]) -> bool:
    """Click on 退出 of the first action link the screen shows as written (False: none)."""
    for y, line in enumerate(screen_text(pilot.app).splitlines()):
        x = line.find(CLICK)
        if x >= 0:
            await pilot.click(offset=(cell_len(line[: x + CLICK.index("退出")]), y))
            await settle(pilot)
            return True
    return False


def assert_literal(app: GridwalkerApp, *texts: str) -> None:
    shown = screen_text(app)
    for text in texts:
        assert text in shown, f"{text!r} not shown as written:\n{shown}"


async def assert_inert(pilot: Pilot[None], *texts: str) -> None:
    """The texts are on screen as written; a click on an action link among them does nothing
    (read as markup, it would quit the app: its return code would be set)."""
    assert_literal(pilot.app, *texts)  # type: ignore[arg-type]
    if any(CLICK in t for t in texts):
        assert await click_on_link(pilot)
    assert pilot.app.return_code is None


# -- the helper ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_keeps_markup_as_plain_characters(text: str) -> None:
    from gridwalker.tui.format import literal

    shown = literal(text)
    assert shown.plain == text
    assert not shown.spans  # no style, no link, no action was read out of it


# -- the screens ---------------------------------------------------------------------------


async def test_today_and_round_show_names_and_addresses_as_written(scene: Scene) -> None:
    app = make_app(scene.db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await assert_inert(pilot, "李" + CLICK)
        app.open_round()
        await settle(pilot)
        await assert_inert(pilot, "楼" + RED)


async def test_household_shows_every_hostile_text_as_written(scene: Scene) -> None:
    app = make_app(scene.db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_household(scene.household)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HouseholdScreen)
        await assert_inert(pilot, "楼" + RED, "王" + RED, BROKEN, CLICK, LINK, "李" + CLICK)
        roster = screen.query_one("#roster", DataTable)
        for uuid, name in zip(scene.residents, (BROKEN, CLICK), strict=True):
            roster.focus()
            roster.move_cursor(row=roster.get_row_index(uuid))
            await pilot.press("m")  # the move-out dialog names the resident
            await settle(pilot)
            assert isinstance(app.screen, MoveOutDialog)
            await assert_inert(pilot, name)
            await pilot.press("escape")
            await settle(pilot)


async def test_resident_edit_title_holds_a_broken_markup_name(scene: Scene) -> None:
    app = make_app(scene.db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        people = _write(scene.db, lambda conn, _w: rounds.residents_of(conn, scene.household))
        for resident in people[:2]:
            name = resident.name
            assert name in (BROKEN, CLICK)
            app.open_resident_form(scene.household, resident)
            await settle(pilot)
            assert isinstance(app.screen, ResidentForm)
            await assert_inert(pilot, name)
            await pilot.press("escape")
            await settle(pilot)


async def test_visit_form_lists_residents_as_written(scene: Scene) -> None:
    app = make_app(scene.db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_visit(scene.household)
        await settle(pilot)
        await assert_inert(pilot, BROKEN, CLICK)


async def test_issue_list_and_detail_show_description_and_place_as_written(scene: Scene) -> None:
    app = make_app(scene.db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(IssueListScreen.for_figure("issues"))
        await settle(pilot)
        app.open_issue(scene.issue)
        await settle(pilot)
        assert isinstance(app.screen, IssueDetailScreen)
        await assert_inert(pilot, CLICK, BROKEN, "地" + LINK, "赵" + RED)


async def test_census_screens_show_enterprise_and_tower_as_written(scene: Scene) -> None:
    app = make_app(scene.db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_tower(scene.tower)
        await settle(pilot)
        await assert_inert(pilot, "塔" + LINK, "企" + BROKEN)
        app.open_enterprise(scene.enterprise)
        await settle(pilot)
        await assert_inert(pilot, "企" + BROKEN, "钱" + LINK)
        app.open_census_history(scene.enterprise)
        await settle(pilot)
        await assert_inert(pilot, "企" + BROKEN, "李[@click=app")  # the name wraps in its column
        await pilot.press("escape")
        await settle(pilot)
        app.open_census_form(scene.enterprise, scene.tower)
        await settle(pilot)
        await assert_inert(pilot, "企" + BROKEN)


async def test_search_results_show_names_as_written(scene: Scene) -> None:
    app = make_app(scene.db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"张三")
        await settle(pilot)
        await assert_inert(pilot, BROKEN)


@pytest.mark.parametrize("text", HOSTILE)
async def test_a_notification_is_plain_text(demo_db: Path, text: str) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.notify(text)
        app.screen.notify(text)  # a widget's notify asks for markup: it is plain all the same
        await settle(pilot)
        await assert_inert(pilot, text)
