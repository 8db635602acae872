"""User text is shown as written on every screen of the review desk, never read as markup.

Laptops send names, addresses and issues that are markup to Textual or Rich (one that breaks the
parser, a link, an action link, a colour); a refused bundle's file name is one too, and so is a
supervisor's comment. The desk shows each literally, does not crash, and a click on an action
link does not run it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlalchemy import select
from textual.pilot import Pilot

from gridwalker.store.desk.decisions import return_item
from gridwalker.store.tables import Grid, Issue, Resident
from gridwalker.store.writes import Writer
from gridwalker.tui.desk.app import HubApp
from gridwalker.tui.desk.comment import CommentModal
from gridwalker.tui.desk.conflicts import ConflictScreen
from gridwalker.tui.desk.issues import HubIssueDetailScreen
from gridwalker.tui.desk.record import RecordScreen
from tests.support.apps import SIZE, make_desk_app, press, screen_text, settle
from tests.support.demo import GRID_CODE, SUPERVISOR
from tests.support.hubs import Desk
from tests.support.laptops import Field, make_field, make_laptop

BROKEN = "[/]张三[bold"  # Rich and Textual refuse it: MarkupError
LINK = "[link=https://x]点我[/link]"
CLICK = "[@click=app.quit]退出[/]"  # as markup, a click on 退出 quits the app
RED = "[red]红[/red]"
FILE = "[@click=app.quit]退出.zip"  # a file name holds no "/": the tag closes at the end


@dataclass(frozen=True)
class HostileDesk:
    desk: Desk
    resident: str
    household: str
    issue: str


@pytest.fixture
def hostile(
    desk: Desk, field_a: Field, tmp_path: Path, small_street: Path
) -> Iterator[HostileDesk]:
    """Two laptops of one grid send hostile text (and disagree on a household's head); a
    stranger's bundle, under a hostile file name, is refused; a record is returned with a
    hostile comment."""
    field_b = make_field(tmp_path / "lap-b", small_street, "lap-b", desk)
    stranger = make_laptop(tmp_path / "lap-c", small_street, "lap-c", desk)
    assert desk.one(field_a.export().path).status == "applied"
    assert desk.one(field_b.export().path).status == "applied"
    with field_a.engine.connect() as conn:
        resident, household = conn.execute(
            select(Resident.uuid, Resident.household_uuid).order_by(Resident.uuid)
        ).first()
        issue = conn.execute(select(Issue.uuid).order_by(Issue.uuid)).scalars().first()
    assert issue is not None
    field_a.edit("resident", resident, name=BROKEN)
    field_a.edit("household", household, head_name="王" + CLICK)
    field_b.edit("household", household, head_name="乙" + LINK)
    field_a.edit("issue", issue, description=CLICK, place="地" + LINK, reporter_name="赵" + RED)
    assert desk.one(field_a.export().path).status == "applied"
    assert desk.one(field_b.export().path).conflicts == 1
    bundle = stranger.export().path
    hostile_name = bundle.with_name(FILE)
    shutil.move(bundle, hostile_name)
    assert desk.one(hostile_name).status == "refused"
    desk.arrivals()
    with desk.engine.begin() as conn:
        return_item(conn, "household", household, "改" + CLICK, SUPERVISOR)
        community = conn.execute(
            select(Grid.community_uuid).where(Grid.code == GRID_CODE)
        ).scalar_one()
        Writer(conn, SUPERVISOR).update("community", community, {"name": "社" + RED})
    yield HostileDesk(desk, resident, household, issue)
    field_b.engine.dispose()
    stranger.engine.dispose()


async def click_on_link(pilot: Pilot[None], link: str) -> bool:
    """Click on 退出 of the first action link the screen shows as written (False: none)."""
    for y, line in enumerate(screen_text(pilot.app).splitlines()):
        x = line.find(link)
        if x >= 0:
            await pilot.click(offset=(cell_len(line[: x + link.index("退出")]), y))
            await settle(pilot)
            return True
    return False


async def assert_inert(pilot: Pilot[None], *texts: str) -> None:
    """The texts are on screen as written; a click on an action link among them does nothing
    (read as markup, it would quit the app: its return code would be set)."""
    shown = screen_text(pilot.app)
    for text in texts:
        assert text in shown, f"{text!r} not shown as written:\n{shown}"
    for link in (CLICK, FILE):
        if any(link in t for t in texts):
            assert await click_on_link(pilot, link)
    assert pilot.app.return_code is None


async def test_queue_and_record_show_names_and_the_comment_as_written(
    hostile: HostileDesk,
) -> None:
    app: HubApp = make_desk_app(hostile.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_record("resident", hostile.resident)
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        await assert_inert(pilot, BROKEN)
        await press(pilot, "r")  # return it: the comment box names the record
        assert isinstance(app.screen, CommentModal)
        await assert_inert(pilot, BROKEN)
        await press(pilot, "escape", "escape")
        app.open_record("household", hostile.household)
        await settle(pilot)
        await assert_inert(pilot, "改" + CLICK)


async def test_conflict_shows_both_hostile_values_as_written(hostile: HostileDesk) -> None:
    app = make_desk_app(hostile.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "2", "enter")
        assert isinstance(app.screen, ConflictScreen)
        await assert_inert(pilot, "王" + CLICK, "乙" + LINK)


async def test_bundles_show_a_hostile_file_name_as_written(hostile: HostileDesk) -> None:
    app = make_desk_app(hostile.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "3")
        await assert_inert(pilot, FILE[:16])  # the file column is cut: 退出 is not shown


async def test_issues_at_the_hub_show_the_description_as_written(hostile: HostileDesk) -> None:
    app = make_desk_app(hostile.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        app.open_issue(hostile.issue)
        await settle(pilot)
        assert isinstance(app.screen, HubIssueDetailScreen)
        await assert_inert(pilot, CLICK, "地" + LINK, "赵" + RED)


async def test_members_and_coverage_show_a_hostile_community_as_written(
    hostile: HostileDesk,
) -> None:
    app = make_desk_app(hostile.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ("4", "5"):
            await press(pilot, key)
            await assert_inert(pilot, "社[red]")  # the column is narrow: the name is cut
