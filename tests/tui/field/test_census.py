"""Pilot tests of the enterprise census: towers, floors, the census form, drafts, the info base."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Connection, Engine, func, select
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from gridwalker import config
from gridwalker.domain.choices import PartyOrgStatus
from gridwalker.domain.validators import USCC_ALPHABET, make_uscc
from gridwalker.store import census, rounds
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Device, Draft
from gridwalker.tui.common.dialogs import LeaveDialog
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.census_form import CensusFormScreen
from gridwalker.tui.field.census_history import HistoryScreen
from gridwalker.tui.field.enterprise import EnterpriseScreen
from gridwalker.tui.field.infobase import InfoBaseScreen
from gridwalker.tui.field.tower import TowerScreen
from gridwalker.tui.field.towers import TowersScreen
from tests.support.apps import SIZE, make_app, screen_text, settle, sign_in

T = TypeVar("T")
YEAR = 2026
TOWER = "良友大厦"


@pytest.fixture(autouse=True)
def short_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the draft after a shorter pause in typing (the tests wait on the worker)."""
    monkeypatch.setattr(CensusFormScreen, "draft_pause", 0.05)


def read(db: Path, fn: Callable[[Connection], T]) -> T:
    """Run a read against the database file (outside the app)."""
    engine = open_database(db)
    try:
        with engine.connect() as conn:
            return fn(conn)
    finally:
        engine.dispose()


def counter(engine: Engine) -> int:
    """The change counter: it moves with every synced write."""
    with engine.connect() as conn:
        return conn.execute(select(Device.change_counter)).scalar_one()


def grid_of(db: Path) -> str:
    """The signed-in member's grid."""
    return read(db, lambda conn: rounds.members(conn)[0].grid_uuid)


def tower_of(db: Path) -> census.TowerRow:
    """The demo laptop's tower."""
    rows = read(db, lambda conn: census.towers_overview(conn, grid_uuid=grid_of(db)))
    return next(t for t in rows if t.name == TOWER)


def marks_of(db: Path, tower: str) -> list[census.EnterpriseMark]:
    """The tower's enterprises in floor and room order."""
    floors = read(db, lambda conn: census.tower_floors(conn, tower))
    return [m for f in floors for m in f.enterprises]


async def open_tower(pilot: Pilot[None]) -> TowerScreen:
    """From Today: the towers, then Enter on the first (the only) tower."""
    await settle(pilot)
    pilot.app.open_towers()
    await settle(pilot)
    assert isinstance(pilot.app.screen, TowersScreen)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TowerScreen)
    return screen


async def open_form_of(pilot: Pilot[None], tower: TowerScreen, uuid: str) -> CensusFormScreen:
    """Highlight an enterprise of the tower with the arrow keys and press Enter."""
    for _ in range(80):
        if tower.highlighted_uuid() == uuid:
            break
        await pilot.press("down")
    assert tower.highlighted_uuid() == uuid
    await pilot.press("enter")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, CensusFormScreen) and form.enterprise_uuid == uuid
    return form


async def tab_to(pilot: Pilot[None], field: str) -> None:
    """Press Tab until a field of the form has the focus."""
    for _ in range(30):
        focused = pilot.app.focused
        if focused is not None and focused.id == field:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {field}")


async def retype(pilot: Pilot[None], field: str, text: str) -> None:
    """Tab to a text field, clear it and type `text`."""
    await tab_to(pilot, field)
    await pilot.press("home", "ctrl+k", *text)
    await settle(pilot)


def first_to_census(db: Path, tower: str, **want: object) -> census.EnterpriseMark:
    """The first enterprise not yet censused this year whose prefill matches `want`."""
    for mark in marks_of(db, tower):
        if mark.gone or mark.censused_this_year:
            continue
        form = read(db, lambda conn, m=mark: census.census_prefill(conn, m.uuid, YEAR))
        if all(getattr(form, k) == v for k, v in want.items()):
            return mark
    raise AssertionError(f"no enterprise to census with {want}")


def wrong_check_char(code: str) -> str:
    """The code with another (wrong) check character."""
    return code[:17] + next(c for c in USCC_ALPHABET if c != code[17])


# --- towers and floors ----------------------------------------------------------------------


async def test_towers_list_the_tower_with_the_store_figures(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    cov = read(demo_db, lambda conn: census.coverage(conn, grid_uuid=grid_of(demo_db)))
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_towers()
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert "网格 XH-01-01 的楼宇" in shown
        assert TOWER in shown
        assert f"{row.censused} / {row.enterprises}" in shown
        assert f"{round(row.ratio * 100)}% ({row.with_org})" in shown
        assert f"在驻企业 {cov.enterprises} 家" in shown
        assert f"空白点 {cov.blank_spots} 家" in shown
        await pilot.press("g")
        await settle(pilot)
        assert "全街道的楼宇" in screen_text(pilot.app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TowersScreen)


async def test_tower_shows_floors_with_marks(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    marks = marks_of(demo_db, row.uuid)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        tower = await open_tower(pilot)
        shown = screen_text(pilot.app)
        assert f"{TOWER}  共{row.floors}层" in shown
        assert f"{marks[0].floor}层" in shown
        options = tower.query_one("#tower-rows", OptionList)
        listed = [
            options.get_option_at_index(i).id
            for i in range(options.option_count)
            if options.get_option_at_index(i).id
        ]
        assert listed == [m.uuid for m in marks]
        prompts = {
            options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
            for i in range(options.option_count)
        }
        flagged = next(m for m in marks if m.flags and not m.gone)
        assert "⚑ " + "、".join(f.zh for f in flagged.flags) in prompts[flagged.uuid]
        done = next(m for m in marks if m.censused_this_year and not m.gone)
        assert "✓" in prompts[done.uuid]
        gone = next(m for m in marks if m.gone)
        assert "已迁出" in prompts[gone.uuid] or "已注销" in prompts[gone.uuid]
        todo = next(m for m in marks if not m.censused_this_year and not m.gone)
        assert "上次普查 2025" in prompts[todo.uuid]


async def test_next_goes_to_the_next_enterprise_not_censused(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    marks = marks_of(demo_db, row.uuid)
    todo = [m.uuid for m in marks if not m.gone and not m.censused_this_year]
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        tower = await open_tower(pilot)
        assert tower.highlighted_uuid() == marks[0].uuid
        await pilot.press("n")
        assert tower.highlighted_uuid() == todo[0]
        await pilot.press("n")
        assert tower.highlighted_uuid() == todo[1]


# --- the census form ------------------------------------------------------------------------


async def test_census_from_the_keyboard_with_last_years_answers(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    marks = marks_of(demo_db, row.uuid)
    todo = [m.uuid for m in marks if not m.gone and not m.censused_this_year]
    prefill = read(demo_db, lambda conn: census.census_prefill(conn, todo[0], YEAR))
    assert prefill.source_year == YEAR - 1 and prefill.record_uuid is None
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_tower(pilot)
        await pilot.press("n", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CensusFormScreen) and form.enterprise_uuid == todo[0]
        shown = screen_text(pilot.app)
        assert "答案沿用2025年的普查" in shown
        assert form.query_one("#employees", Input).value == str(prefill.employees)
        assert prefill.contact_phone in shown  # the form's own field
        employees = int(prefill.employees) + 7
        await retype(pilot, "employees", str(employees))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "2026年普查已保存" in screen_text(pilot.app)
        with app.engine.connect() as conn:
            record = census.census_history(conn, todo[0])[0]
        assert record.year == YEAR and record.employees == employees
        assert record.scale == prefill.scale
        assert record.party_org_status == prefill.party_org_status
        assert record.party_org_kind == prefill.party_org_kind
        assert record.party_members == prefill.party_members
        assert record.instructor_assigned == prefill.instructor_assigned
        assert record.has_union == prefill.has_union
        assert record.has_youth_league == prefill.has_youth_league
        assert record.contact_phone == prefill.contact_phone
        # n replaces the form with the next enterprise not yet censused
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CensusFormScreen) and app.screen.enterprise_uuid == todo[1]
        await pilot.press("escape")
        await settle(pilot)
        tower = app.screen
        assert isinstance(tower, TowerScreen)
        assert tower.highlighted_uuid() == todo[0]  # the one just censused
        prompt = str(tower.query_one("#tower-rows", OptionList).get_option(todo[0]).prompt)
        assert "✓" in prompt


async def test_bad_credit_code_shows_its_reason_and_blocks_saving(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    target = first_to_census(demo_db, row.uuid)
    assert target.uscc is not None
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        tower = await open_tower(pilot)
        await open_form_of(pilot, tower, target.uuid)
        before = counter(app.engine)
        await retype(pilot, "uscc", wrong_check_char(target.uscc))
        assert "校验码不符" in screen_text(pilot.app)  # as you type, before any save
        await retype(pilot, "uscc", target.uscc[:10])
        assert "统一社会信用代码应为18位，实际为10位" in screen_text(pilot.app)
        await retype(pilot, "uscc", wrong_check_char(target.uscc))
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert "未保存：请修改标红的项目" in shown and "校验码不符" in shown
        assert counter(app.engine) == before
        with app.engine.connect() as conn:
            years = [r.year for r in census.census_history(conn, target.uuid)]
        assert YEAR not in years


async def test_duplicate_code_shows_the_other_enterprise_and_opens_it(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    target = first_to_census(demo_db, row.uuid)
    other = next(m for m in marks_of(demo_db, row.uuid) if m.uuid != target.uuid and m.uscc)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        tower = await open_tower(pilot)
        await open_form_of(pilot, tower, target.uuid)
        await retype(pilot, "uscc", other.uscc or "")
        shown = screen_text(pilot.app)
        assert f"已登记为：{other.name}，{TOWER} {other.floor}层 {other.room}" in shown
        assert "打开已登记的企业" in shown  # ctrl+o in the footer
        await pilot.press("ctrl+o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CensusFormScreen) and form.enterprise_uuid == other.uuid
        assert other.name in screen_text(pilot.app)
        assert form.query_one("#uscc", Input).value == other.uscc


async def test_rule_flag_shows_on_the_form_and_saving_still_works(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    target = first_to_census(
        demo_db, row.uuid, party_org_status=PartyOrgStatus.NONE.value, party_members=0
    )
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        tower = await open_tower(pilot)
        form = await open_form_of(pilot, tower, target.uuid)
        assert "应单独组建党组织" not in screen_text(pilot.app)
        if int(form.query_one("#employees", Input).value or 0) < 5:
            await retype(pilot, "employees", "12")
        await retype(pilot, "party_members", "5")
        shown = screen_text(pilot.app)
        assert "⚑ 应单独组建党组织" in shown and "不影响保存" in shown
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "2026年普查已保存" in screen_text(pilot.app)
        with app.engine.connect() as conn:
            record = census.census_history(conn, target.uuid)[0]
        assert record.year == YEAR and record.party_members == 5
        assert [f.zh for f in record.flags] == ["应单独组建党组织"]


async def test_add_an_enterprise_to_the_tower(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    code = make_uscc("91420103MA4KTEXT1")
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_tower(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CensusFormScreen) and form.enterprise_uuid is None
        assert f"{TOWER}的新企业" in screen_text(pilot.app)
        await retype(pilot, "uscc", code)
        await retype(pilot, "name", "武汉示例测试有限公司")
        await retype(pilot, "employees", "8")
        await tab_to(pilot, "party_org_status")
        await pilot.press("enter", "down", "down", "down", "enter")  # blank, own, joint, none
        await retype(pilot, "party_members", "0")
        await retype(pilot, "floor", "9")
        await retype(pilot, "room", "901")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "2026年普查已保存" in screen_text(pilot.app), screen_text(pilot.app)
        with app.engine.connect() as conn:
            found = census.find_by_uscc(conn, code)
            assert found is not None and found.tower_uuid == row.uuid
            assert found.floor == 9 and found.room == "901"
            record = census.census_history(conn, found.uuid)[0]
        assert record.year == YEAR and record.party_org_status == PartyOrgStatus.NONE.value


async def test_a_draft_comes_back_after_closing_the_app(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    target = first_to_census(demo_db, row.uuid)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        tower = await open_tower(pilot)
        await open_form_of(pilot, tower, target.uuid)
        await retype(pilot, "contact_name", "王草稿")
        await settle(pilot)
    drafts = read(demo_db, lambda conn: rounds.load_draft(conn, f"census:{target.uuid}"))
    assert drafts is not None and drafts.payload["contact_name"] == "王草稿"
    assert drafts.kind == "census"
    again = make_app(demo_db)
    async with again.run_test(size=SIZE) as pilot:
        tower = await open_tower(pilot)
        form = await open_form_of(pilot, tower, target.uuid)
        assert form.query_one("#contact_name", Input).value == "王草稿"
        assert form.dirty and "contact_name" in form.touched
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(again.screen, LeaveDialog)
        await pilot.press("escape")  # stay
        await settle(pilot)
        assert again.screen is form
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")  # discard
        await settle(pilot)
        assert isinstance(again.screen, TowerScreen)
        with again.engine.connect() as conn:
            left = conn.execute(select(func.count()).select_from(Draft)).scalar_one()
            assert rounds.load_draft(conn, f"census:{target.uuid}") is None
            assert left == 0


async def test_history_and_the_enterprise_screen(demo_db: Path) -> None:
    sign_in(demo_db)
    row = tower_of(demo_db)
    target = next(m for m in marks_of(demo_db, row.uuid) if m.censused_this_year and not m.gone)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        tower = await open_tower(pilot)
        for _ in range(80):
            if tower.highlighted_uuid() == target.uuid:
                break
            await pilot.press("down")
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        shown = screen_text(pilot.app)
        assert "历年普查记录" in shown and target.name in shown
        assert shown.index("2026") < shown.index("2025")  # newest first
        await pilot.press("escape")
        await settle(pilot)
        app.screen.app.push_screen(EnterpriseScreen(target.uuid))
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert target.name in shown and "2026年普查" in shown and "✓" in shown
        phone = read(demo_db, lambda conn: census.census_prefill(conn, target.uuid, YEAR))
        full = phone.contact_phone
        assert full not in shown and f"{full[:3]}****{full[-4:]}" in shown
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CensusFormScreen)
        assert "正在修改2026年的普查记录" in screen_text(pilot.app)


# --- the information base -------------------------------------------------------------------


async def test_info_base_filters_by_party_status_and_exports_csv(demo_db: Path) -> None:
    sign_in(demo_db)
    grid = grid_of(demo_db)
    flt = census.InfoFilter(grid_uuid=grid, party_org_status=PartyOrgStatus.NONE.value)
    expected = read(demo_db, lambda conn: census.infobase_count(conn, flt))
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_towers()
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        info = app.screen
        assert isinstance(info, InfoBaseScreen)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("down", "down", "down", "enter")  # any, own, joint, none
        await settle(pilot)
        listing = info.query_one(PagedList)
        assert listing.count == expected
        shown = screen_text(pilot.app)
        assert "党组织：未建立" in shown and f"{expected} 家企业" in shown
        assert all(
            listing.row_at(i).party_org_status in (None, "none") for i in range(listing.count)
        )
        await pilot.press("e")
        await settle(pilot)
        out = config.paths().data / "reports" / "census-2026-11-20.csv"
        assert out.is_file()
        assert str(out) in screen_text(pilot.app)
        with out.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        assert header[:4] == ["楼宇", "楼层", "房间", "企业名称"] and "联系电话" in header
        assert len(rows) - 1 == expected
        phone = header.index("联系电话")
        assert all("****" in r[phone] for r in rows[1:] if r[phone])
        await pilot.press("x")
        await settle(pilot)
        assert listing.count == read(
            demo_db, lambda conn: census.infobase_count(conn, census.InfoFilter(grid_uuid=grid))
        )


async def test_info_base_exports_xlsx(demo_db: Path) -> None:
    from openpyxl import load_workbook

    sign_in(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_towers()
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        count = app.screen.query_one(PagedList).count
        await pilot.press("E")
        await settle(pilot)
        out = config.paths().data / "reports" / "census-2026-11-20.xlsx"
        sheet = load_workbook(out, read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
        assert values[0][0] == "楼宇" and len(values) - 1 == count


async def test_a_whole_tower_is_censused_in_a_row_from_the_keyboard(demo_db: Path) -> None:
    """Enter, ctrl+s, n, ctrl+s, … until every enterprise has this year's census."""
    sign_in(demo_db)
    row = tower_of(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_tower(pilot)
        await pilot.press("n", "enter")
        await settle(pilot)
        for _ in range(row.to_census):
            assert isinstance(app.screen, CensusFormScreen)
            await pilot.press("ctrl+s")
            await settle(pilot)
            if "未保存" in screen_text(pilot.app):  # a joint organisation recorded without its kind
                assert "已建立党组织时请选择组织类型" in screen_text(pilot.app)
                await tab_to(pilot, "party_org_kind")
                await pilot.press("enter", "down", "enter")  # blank, branch
                await pilot.press("ctrl+s")
                await settle(pilot)
            if "下一家未普查企业" not in screen_text(pilot.app):
                break
            await pilot.press("n")
            await settle(pilot)
        assert "本楼宇的企业本年均已普查" in screen_text(pilot.app)
    after = read(demo_db, lambda conn: census.coverage(conn, grid_uuid=grid_of(demo_db)))
    assert after.censused == after.enterprises == row.enterprises


# --- snapshots ------------------------------------------------------------------------------


def snap_app(db: Path) -> GridwalkerApp:
    """A signed-in Chinese app on the demo laptop."""
    sign_in(db)
    return make_app(db)


def test_towers_screen_snapshot(snap_compare: Callable[..., bool], demo_db: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.open_towers()
        await settle(pilot)

    assert snap_compare(snap_app(demo_db), terminal_size=SIZE, run_before=run_before)


def test_tower_screen_snapshot(snap_compare: Callable[..., bool], demo_db: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_tower(pilot)

    assert snap_compare(snap_app(demo_db), terminal_size=SIZE, run_before=run_before)


def test_census_form_snapshot(snap_compare: Callable[..., bool], demo_db: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_tower(pilot)
        await pilot.press("n", "enter")
        await settle(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor is drawn or not by the clock
        await pilot.pause()

    assert snap_compare(snap_app(demo_db), terminal_size=SIZE, run_before=run_before)


def test_info_base_snapshot(snap_compare: Callable[..., bool], demo_db: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.open_towers()
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)

    assert snap_compare(snap_app(demo_db), terminal_size=SIZE, run_before=run_before)


async def test_towers_and_tower_in_english(demo_db: Path) -> None:
    sign_in(demo_db)
    app = make_app(demo_db, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_towers()
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert "Towers of grid XH-01-01" in shown and "party-organisation coverage" in shown
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert "censused this year" in shown and "Next not censused" in shown
