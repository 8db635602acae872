"""SVG snapshots of the screens the other snapshot tests leave out, each driven by keys as a
user would reach it: Chinese at 120×40, and Today in English at 80×24 so that truncation
shows up as a diff."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input

from gridwalker import config
from gridwalker.store.tables import Member
from tests.support.apps import SIZE, make_app, make_desk_app, press, settle, sign_in
from tests.support.demo import MEMBER
from tests.support.hubs import Hub
from tests.support.laptops import Field, make_laptop
from tests.support.scenes import BusyDesk

SnapCompare = Callable[..., bool]
# Today's figures, top to bottom: the returned records are the sixth.
RETURNED_FIGURE = 5
# A household of the demo round with people in it (1栋 1-302).
ROUND_ROW = 5


async def on_today(pilot: Pilot[None]) -> None:
    """Wait for the database and Today's figures."""
    await settle(pilot)


def test_today(snap_compare: SnapCompare, demo_db: Path) -> None:
    sign_in(demo_db)
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=on_today)


def test_today_in_english_on_a_small_terminal(snap_compare: SnapCompare, demo_db: Path) -> None:
    sign_in(demo_db)
    assert snap_compare(make_app(demo_db, "en"), terminal_size=(80, 24), run_before=on_today)


def test_round(snap_compare: SnapCompare, demo_db: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await press(pilot, "r")

    sign_in(demo_db)
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=run_before)


def test_sign_in(snap_compare: SnapCompare, demo_db: Path) -> None:
    # No settings yet: the first start asks who you are.
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=on_today)


def test_export(
    snap_compare: SnapCompare,
    demo_db_template: Path,
    hub: Hub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await press(pilot, "e")

    # A relative home and a fixed device id: the bundle's path on the dialog is the same on
    # every run.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(config.HOME_ENV, "home")
    lap = make_laptop(Path("home"), demo_db_template, "lap-a", hub)
    lap.engine.dispose()
    sign_in(lap.db)
    assert snap_compare(make_app(lap.db), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare: SnapCompare, demo_db: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await press(pilot, "f1")

    sign_in(demo_db)
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=run_before)


def test_resident_form(snap_compare: SnapCompare, demo_db: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await press(pilot, "r")
        await press(pilot, *["down"] * ROUND_ROW, "enter")
        await press(pilot, "e")  # edit its first resident
        # A blinking cursor would make the picture depend on the moment it is taken.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    sign_in(demo_db)
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=run_before)


def test_conflict_list(snap_compare: SnapCompare, busy_desk: BusyDesk) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await press(pilot, "2")

    assert snap_compare(make_desk_app(busy_desk.desk), terminal_size=SIZE, run_before=run_before)


def test_returned_list(snap_compare: SnapCompare, busy_desk: BusyDesk, field_a: Field) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await press(pilot, *["down"] * RETURNED_FIGURE, "enter")

    # The laptop takes the hub's bundle with the returned record, then its member signs in.
    assert field_a.apply(busy_desk.desk.export_to("lap-a").paths[0]).status == "applied"
    with field_a.engine.connect() as conn:
        member = conn.execute(select(Member.uuid).where(Member.name == MEMBER)).scalar_one()
    config.save_settings(field_a.home, config.Settings(member_uuid=member, member_name=MEMBER))
    app = make_app(field_a.db, home=field_a.home)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_first_run_setup(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """A laptop with no member (no roster yet): the first-run setup, at 100×30."""
    home = config.paths()
    home.data.mkdir(parents=True, exist_ok=True)

    async def run_before(pilot: Pilot[None]) -> None:
        for _round in range(40):
            await settle(pilot)
            if type(pilot.app.screen).__name__ == "SetupScreen":
                break
            await pilot.pause(0.1)

    app = make_app(home.field_db)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
