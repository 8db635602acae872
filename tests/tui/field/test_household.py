"""Pilot tests of the household screen and the resident form: roster, masking, validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select

from gridwalker.domain import clock
from gridwalker.domain.forms import ResidentInput, check_resident
from gridwalker.domain.masking import mask_id, mask_phone
from gridwalker.domain.validators import make_resident_id
from gridwalker.store import rounds
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Device, Resident
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.household import HouseholdScreen
from gridwalker.tui.field.move_out import MoveOutDialog
from gridwalker.tui.field.resident import ResidentForm
from tests.support.apps import SIZE, make_app, screen_text, settle

TODAY = date(2026, 11, 20)


def read(db: Path, fn: Callable[[Connection], Any]) -> Any:
    """Run `fn` on a connection of its own to the database at `db`."""
    engine = open_database(db)
    try:
        with engine.connect() as conn:
            return fn(conn)
    finally:
        engine.dispose()


def grid_of(db: Path) -> str:
    """The demo member's grid."""
    member = read(db, lambda conn: rounds.members(conn)[0])
    assert member.grid_uuid
    return member.grid_uuid


def walk(db: Path, count: int = 40) -> list[rounds.RoundRow]:
    """The first households of the demo grid in walking order."""
    grid = grid_of(db)
    return read(db, lambda conn: rounds.round_page(conn, grid, None, 0, count))


def household(db: Path, room: str, building: str = "1栋") -> str:
    """The uuid of a household of the demo grid by building and room."""
    return next(r.uuid for r in walk(db) if r.building == building and r.room == room)


def change_counter(db: Path) -> int:
    """The device's change counter: it moves on every write to a synced row."""
    return read(db, lambda conn: conn.execute(select(Device.change_counter)).scalar_one())


def words_of(widget: Widget) -> str:
    """A widget's text as shown, its wrapped lines joined again (spaces left out)."""
    width, height = widget.outer_size
    lines = widget.render_lines(Region(0, 0, width, height))
    return "".join(strip.text for strip in lines).replace(" ", "")


async def open_household(pilot: Pilot[None], uuid: str) -> HouseholdScreen:
    """Wait for the database, then open a household and wait for its data."""
    app = pilot.app
    assert isinstance(app, GridwalkerApp)
    await settle(pilot)
    app.open_household(uuid)
    await settle(pilot)
    assert isinstance(app.screen, HouseholdScreen)
    return app.screen


async def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    """Replace the value of an Input, as typing it would (one change per keystroke)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    for char in text:
        field.insert_text_at_cursor(char)
    await pilot.pause()


# --- the household screen -------------------------------------------------------------------


async def test_household_shows_roster_history_and_issues(demo_db: Path) -> None:
    uuid = household(demo_db, "401")
    people = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))
    visits = read(demo_db, lambda conn: rounds.visits_of(conn, uuid))
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_household(pilot, uuid)
        shown = screen_text(app)
        assert "邮三社区·1栋 1单元 401" in shown
        assert "户主：李敏" in shown
        for person in people:
            assert person.name in shown
            assert mask_id(person.id_number) in shown
        roster = screen.query_one("#roster", DataTable)
        assert roster.row_count == len(people)
        history = screen.query_one("#visits", DataTable)
        assert history.row_count == len(visits)
        first = history.get_row_at(0)
        assert first[0] == max(v.visited_on for v in visits).isoformat()
        assert "加装电梯" in shown  # a linked issue
        assert "新建走访" in shown and "迁出/迁回" in shown  # the keys, in Chinese


async def test_household_never_shows_a_full_id_or_phone(demo_db: Path) -> None:
    rows = walk(demo_db, 12)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for row in rows:
            people = read(demo_db, lambda conn, u=row.uuid: rounds.residents_of(conn, u))
            info = read(demo_db, lambda conn, u=row.uuid: rounds.household_info(conn, u))
            app.open_household(row.uuid)
            await settle(pilot)
            shown = screen_text(app)
            secrets = [p.id_number for p in people] + [p.phone for p in people] + [info.phone]
            for secret in filter(None, secrets):
                assert secret not in shown
            for person in people:
                if person.phone:
                    assert mask_phone(person.phone) in shown, shown
            if info.phone:
                assert mask_phone(info.phone) in shown
            app.pop_screen()
            await pilot.pause()


async def test_n_replaces_the_household_with_the_next_unvisited(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    grid = grid_of(demo_db)
    expected = read(demo_db, lambda conn: rounds.next_unvisited(conn, grid, uuid))
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, uuid)
        depth = len(app.screen_stack)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household_uuid == expected != uuid
        assert len(app.screen_stack) == depth
        address = read(demo_db, lambda conn: rounds.household_info(conn, expected)).address
        assert address in screen_text(app)


# --- the roster -----------------------------------------------------------------------------


async def test_add_resident_fills_birth_and_sex_from_the_id(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    new_id = make_resident_id("420103", date(2012, 5, 17), 31, "female")
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, uuid)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ResidentForm)
        await type_into(pilot, "#name", "邓小雨")
        await type_into(pilot, "#id_number", new_id)
        assert form.query_one("#birth_date", Input).value == "2012-05-17"
        assert form.query_one("#sex", Select).value == "female"
        form.query_one("#relation", Select).value = "child"
        await type_into(pilot, "#phone", "13912345678")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        people = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))
        added = next(p for p in people if p.name == "邓小雨")
        assert (added.id_number, added.birth_date, added.sex) == (
            new_id,
            date(2012, 5, 17),
            "female",
        )
        assert (added.relation, added.phone) == ("child", "13912345678")
        shown = screen_text(app)
        assert "邓小雨" in shown
        assert mask_id(new_id) in shown and "139****5678" in shown
        assert new_id not in shown and "13912345678" not in shown


def bad_id() -> str:
    """A resident ID whose check character is wrong."""
    good = make_resident_id("420103", date(1990, 1, 2), 11, "male")
    return good[:-1] + ("1" if good[-1] != "1" else "2")


GOOD_ID = make_resident_id("420103", date(1990, 1, 2), 11, "male")

RESIDENT_CASES = {
    "bad ID check character": (ResidentInput(name="王一", id_number=bad_id()), "id_number"),
    "bad phone": (ResidentInput(name="王一", phone="12345"), "phone"),
    "birth date differs from the ID": (
        ResidentInput(name="王一", id_number=GOOD_ID, birth_date="1991-01-02"),
        "birth_date",
    ),
    "birth date in the future": (ResidentInput(name="王一", birth_date="2030-01-01"), "birth_date"),
    "no name": (ResidentInput(name="", phone="13912345678"), "name"),
}


@pytest.mark.parametrize("case", list(RESIDENT_CASES))
async def test_invalid_resident_blocks_saving_with_its_message(demo_db: Path, case: str) -> None:
    data, field = RESIDENT_CASES[case]
    message = check_resident(data, TODAY)[field].zh
    uuid = household(demo_db, "302")
    before = change_counter(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, uuid)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ResidentForm)
        for name in ("name", "birth_date", "id_number", "phone"):
            if getattr(data, name):
                await type_into(pilot, f"#{name}", getattr(data, name))
        if case == "no name":
            assert message not in screen_text(app)  # an untouched field stays quiet…
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # …until saving: nothing written, the reason shown
        error = form.query_one(f"#err-{field}")
        assert error.display and error.region.height > 0
        assert words_of(error) == message.replace(" ", "")
        assert "未保存：请先改正标出的字段。" in screen_text(app)
        assert app.focused is form.query_one(f"#{field}")
    assert change_counter(demo_db) == before
    names = read(demo_db, lambda conn: [p.name for p in rounds.residents_of(conn, uuid)])
    assert "王一" not in names


async def test_edit_with_unsaved_changes_asks_before_leaving(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    before = change_counter(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, uuid)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ResidentForm)
        assert form.query_one("#id_number", Input).value  # the full value, in its own field
        await type_into(pilot, "#phone", "027-88886666")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Ask)
        assert "放弃修改？" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
    assert change_counter(demo_db) == before


async def test_edit_resident_saves_and_shows_masked(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    head = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))[0]
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, uuid)
        await pilot.press("enter")  # Enter on a resident edits them too
        await settle(pilot)
        assert isinstance(app.screen, ResidentForm)
        await type_into(pilot, "#phone", "027-88886666")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert "027-****6666" in screen_text(app)
        assert "88886666" not in screen_text(app)
    phone = read(
        demo_db,
        lambda conn: conn.execute(
            select(Resident.phone).where(Resident.uuid == head.uuid)
        ).scalar_one(),
    )
    assert phone == "027-88886666"


async def test_move_out_asks_and_m_again_moves_back(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    first = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))[0]
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_household(pilot, uuid)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MoveOutDialog)
        assert f"将 {first.name} 标记为已迁出？" in screen_text(app)
        assert app.screen.query_one("#moved_out_on", Input).value == "2026-11-20"  # today
        await pilot.press("ctrl+s")
        await settle(pilot)
        people = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))
        assert next(p for p in people if p.uuid == first.uuid).moved_out
        assert "已迁出 2026-11-20" in screen_text(app)
        roster = screen.query_one("#roster", DataTable)
        roster.move_cursor(row=[p.uuid for p in people].index(first.uuid))
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, Ask)
        assert f"将 {first.name} 迁回本户？" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
    people = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))
    assert not next(p for p in people if p.uuid == first.uuid).moved_out


# --- snapshot ------------------------------------------------------------------------------


def test_household_screen_snapshot(snap_compare: Callable[..., bool], demo_db: Path) -> None:
    uuid = household(demo_db, "401")
    app = make_app(demo_db, signed_in=True)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_household(pilot, uuid)

    with clock.frozen(TODAY):
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_resident_form_is_drafted_and_offered_back(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing typed is lost: a half-typed resident comes back on the next start."""
    from gridwalker.tui.field.drafts_offer import DraftsOffer

    monkeypatch.setattr(ResidentForm, "draft_pause", 0.01)
    uuid = household(demo_db, "302")
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, uuid)
        await pilot.press("a")
        await settle(pilot)
        await type_into(pilot, "#name", "欧阳小燕")
        await type_into(pilot, "#phone", "13912345678")
        await pilot.pause(0.05)
        await settle(pilot)
    drafts = read(demo_db, rounds.list_drafts)
    assert [d.kind for d in drafts] == ["resident"]
    assert drafts[0].payload["form"]["name"] == "欧阳小燕"
    before = change_counter(demo_db)
    again = make_app(demo_db, signed_in=True)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, DraftsOffer)
        await pilot.press("enter")
        await settle(pilot)
        form = again.screen
        assert isinstance(form, ResidentForm)
        assert form.form_data().name == "欧阳小燕" and form.form_data().phone == "13912345678"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert change_counter(demo_db) == before + 1
    assert read(demo_db, rounds.list_drafts) == []
    names = [r.name for r in read(demo_db, lambda conn: rounds.residents_of(conn, uuid))]
    assert "欧阳小燕" in names
