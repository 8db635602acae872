"""Two windows on one database never silently overwrite each other (issue #14, point 13).

Each test opens a form, changes the same record behind its back through the store (as a
second app window or a command would), then types and saves: the save is refused, the form
says so, what was typed stays on screen and in the draft, nothing is written; "reload and
re-apply" then takes the other side's values for the fields the user left alone and keeps
the user's values for the fields they changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, false, select
from textual.pilot import Pilot
from textual.widgets import Input

from gridwalker.cli import main
from gridwalker.domain.choices import IssueStatus, Role
from gridwalker.domain.workflow import IssueAction
from gridwalker.store import census, rounds
from gridwalker.store import issues as store_issues
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import CensusRecord, Device, Enterprise, Issue
from gridwalker.store.writes import Writer
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.common.issue_detail import IssueDetailScreen
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.census_form import CensusFormScreen
from gridwalker.tui.field.household import HouseholdScreen
from gridwalker.tui.field.resident import ResidentForm
from tests.support.apps import SIZE, make_app, screen_text, settle

THIS_YEAR = 2026


def read(db: Path, fn: Callable[[Connection], Any]) -> Any:
    """Run `fn` on a connection of its own (another window's view of the database)."""
    engine = open_database(db)
    try:
        with engine.connect() as conn:
            return fn(conn)
    finally:
        engine.dispose()


def write(db: Path, fn: Callable[[Connection], Any]) -> Any:
    """Run `fn` in a transaction of its own: the other window's (or a command's) save."""
    engine = open_database(db)
    try:
        with engine.begin() as conn:
            return fn(conn)
    finally:
        engine.dispose()


def change_counter(db: Path) -> int:
    return read(db, lambda conn: conn.execute(select(Device.change_counter)).scalar_one())


def household(db: Path, room: str = "302") -> str:
    member = read(db, lambda conn: rounds.members(conn)[0])
    rows = read(db, lambda conn: rounds.round_page(conn, member.grid_uuid, None, 0, 40))
    return next(r.uuid for r in rows if r.building == "1栋" and r.room == room)


async def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    """Replace the value of an Input, as typing it would (one change per keystroke)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    for char in text:
        field.insert_text_at_cursor(char)
    await pilot.pause()


async def open_resident(pilot: Pilot[None], household_uuid: str) -> ResidentForm:
    """Open the household and edit its first resident."""
    app = pilot.app
    assert isinstance(app, GridwalkerApp)
    await settle(pilot)
    app.open_household(household_uuid)
    await settle(pilot)
    assert isinstance(app.screen, HouseholdScreen)
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(app.screen, ResidentForm)
    return app.screen


# -- the resident form ----------------------------------------------------------------------------


async def test_resident_changed_elsewhere_is_not_overwritten_and_reapplied(
    demo_db: Path,
) -> None:
    uuid = household(demo_db)
    person = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))[0]
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_resident(pilot, uuid)
        # Another window saves a new phone for the same person.
        theirs = replace(person.as_input(), phone="13911112222")
        write(demo_db, lambda conn: rounds.update_resident(conn, "other", person.uuid, theirs))
        before = change_counter(demo_db)
        await type_into(pilot, "#name", "欧阳改名")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Refused: the dialog says who changed what, the form keeps the typing.
        assert isinstance(app.screen, Ask)
        shown = screen_text(app)
        assert "This record was changed elsewhere while you were editing it" in shown
        assert "Changed there: Phone" in shown and "Changed by you: Name" in shown
        assert form.query_one("#name", Input).value == "欧阳改名"
        assert form.query_one("#phone", Input).value == person.phone  # not yet reloaded
        assert change_counter(demo_db) == before  # nothing written
        now = read(demo_db, lambda conn: rounds.resident_row(conn, person.uuid))
        assert now.name == person.name and now.phone == "13911112222"
        drafts = read(demo_db, rounds.list_drafts)
        assert [d.payload["form"]["name"] for d in drafts if d.kind == "resident"] == ["欧阳改名"]
        # Reload and re-apply: their phone, my name; saved on Ctrl+S.
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#name", Input).value == "欧阳改名"
        assert form.query_one("#phone", Input).value == "13911112222"
        assert "Reloaded with the changes made elsewhere" in screen_text(app)  # its status line
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
    saved = read(demo_db, lambda conn: rounds.resident_row(conn, person.uuid))
    assert saved.name == "欧阳改名" and saved.phone == "13911112222"
    assert change_counter(demo_db) == before + 1
    assert read(demo_db, rounds.list_drafts) == []


async def test_keep_editing_after_a_refused_save_keeps_refusing_until_reloaded(
    demo_db: Path,
) -> None:
    uuid = household(demo_db)
    person = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))[0]
    app = make_app(demo_db, "zh", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_resident(pilot, uuid)
        theirs = replace(person.as_input(), phone="13911112222")
        write(demo_db, lambda conn: rounds.update_resident(conn, "other", person.uuid, theirs))
        before = change_counter(demo_db)
        await type_into(pilot, "#phone", "13933334444")  # both sides changed the phone
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, Ask)
        assert "两边都改了（保留你的）：电话" in screen_text(app)
        await pilot.press("k")
        await settle(pilot)
        assert app.screen is form
        assert "未保存：这条记录在你编辑期间已被他处修改" in screen_text(app)
        await pilot.press("ctrl+s")  # still over the old rev: refused again
        await settle(pilot)
        assert isinstance(app.screen, Ask)
        assert change_counter(demo_db) == before
        await pilot.press("r")
        await settle(pilot)
        assert form.query_one("#phone", Input).value == "13933334444"  # mine, on both sides
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
    assert read(demo_db, lambda conn: rounds.resident_row(conn, person.uuid)).phone == (
        "13933334444"
    )


async def test_resident_deleted_elsewhere_keeps_the_draft(demo_db: Path) -> None:
    uuid = household(demo_db)
    person = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))[0]
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_resident(pilot, uuid)
        write(demo_db, lambda conn: Writer(conn, "other").delete("resident", person.uuid))
        before = change_counter(demo_db)
        await type_into(pilot, "#name", "欧阳改名")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # no reload to offer
        assert "this record was deleted elsewhere" in screen_text(app)
        assert form.query_one("#name", Input).value == "欧阳改名"
    assert change_counter(demo_db) == before
    drafts = read(demo_db, rounds.list_drafts)
    assert [d.payload["form"]["name"] for d in drafts if d.kind == "resident"] == ["欧阳改名"]


async def test_move_out_of_a_resident_changed_elsewhere_is_refused(demo_db: Path) -> None:
    uuid = household(demo_db)
    person = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))[0]
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_household(uuid)
        await settle(pilot)
        write(demo_db, lambda conn: rounds.move_out(conn, "other", person.uuid, True))
        before = change_counter(demo_db)
        await pilot.press("m")  # the screen still shows them living here
        await pilot.pause()
        await pilot.press("ctrl+s")  # the day (today) and no place: mark moved out
        await settle(pilot)
        notices = [n.message for n in app._notifications]  # noqa: SLF001 - no public way
        assert any("changed elsewhere" in words for words in notices), notices
        assert isinstance(app.screen, HouseholdScreen)
        assert "moved out" in screen_text(app)  # the roster as it is now
    assert change_counter(demo_db) == before


# -- the census form ------------------------------------------------------------------------------


def censused_enterprise(db: Path) -> tuple[str, str]:
    """(enterprise, tower) of an enterprise with a valid census of this year, to edit."""

    def pick(conn: Connection) -> tuple[str, str]:
        rows = conn.execute(
            select(Enterprise.uuid, Enterprise.building_uuid)
            .join(CensusRecord, CensusRecord.enterprise_uuid == Enterprise.uuid)
            .where(
                CensusRecord.year == THIS_YEAR,
                CensusRecord.deleted == false(),
                Enterprise.deleted == false(),
                Enterprise.operating_status == "normal",
            )
            .order_by(Enterprise.uuid)
        ).all()
        for uuid, tower in rows:
            form = census.census_prefill(conn, uuid, THIS_YEAR)
            if not census.validate_census(conn, form, enterprise_uuid=uuid):
                return uuid, tower
        raise AssertionError("no censused enterprise with a valid form")

    return read(db, pick)


async def test_census_changed_elsewhere_is_not_overwritten_and_reapplied(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CensusFormScreen, "draft_pause", 0.05)
    uuid, tower = censused_enterprise(demo_db)
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_census_form(uuid, tower)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CensusFormScreen) and form.ready
        # A command (or the other window) renames the contact person meanwhile.
        write(
            demo_db,
            lambda conn: Writer(conn, "other").update(
                "enterprise", uuid, {"contact_name": "王经理"}
            ),
        )
        before = change_counter(demo_db)
        await type_into(pilot, "#employees", "321")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, Ask)
        shown = screen_text(app)
        assert "Changed there: Contact person" in shown and "Changed by you: Employees" in shown
        assert form.query_one("#employees", Input).value == "321"
        assert change_counter(demo_db) == before  # nothing written
        drafts = read(demo_db, rounds.list_drafts)
        assert [str(d.payload["employees"]) for d in drafts if d.kind == "census"] == ["321"]
        await pilot.press("r")
        await settle(pilot)
        assert form.query_one("#contact_name", Input).value == "王经理"
        assert form.query_one("#employees", Input).value == "321"
        assert "Reloaded with the changes made elsewhere" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.saved
    now = read(demo_db, lambda conn: census.census_prefill(conn, uuid, THIS_YEAR))
    assert now.contact_name == "王经理" and now.employees == 321
    assert read(demo_db, rounds.list_drafts) == []


async def test_census_record_entered_elsewhere_is_not_overwritten(demo_db: Path) -> None:
    """The form started from last year's answers; meanwhile this year's census was entered
    elsewhere: saving would have overwritten it."""

    def pick(conn: Connection) -> tuple[str, str]:
        done = select(CensusRecord.enterprise_uuid).where(CensusRecord.year == THIS_YEAR)
        rows = conn.execute(
            select(Enterprise.uuid, Enterprise.building_uuid)
            .where(Enterprise.deleted == false(), Enterprise.uuid.not_in(done))
            .order_by(Enterprise.uuid)
        ).all()
        for uuid, tower in rows:
            form = census.census_prefill(conn, uuid, THIS_YEAR)
            if form.source_year and not census.validate_census(conn, form, enterprise_uuid=uuid):
                return uuid, tower
        raise AssertionError("no enterprise censused last year only")

    uuid, tower = read(demo_db, pick)
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_census_form(uuid, tower)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CensusFormScreen) and form.record_uuid is None
        loaded = read(demo_db, lambda conn: census.census_prefill(conn, uuid, THIS_YEAR))
        write(
            demo_db,
            lambda conn: census.save_census(
                conn,
                replace(loaded, employees=99),
                year=THIS_YEAR,
                actor="other",
                member_uuid=None,
                enterprise_uuid=uuid,
            ),
        )
        before = change_counter(demo_db)
        await type_into(pilot, "#room", "1808")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, Ask)
        assert "Changed there: Employees" in screen_text(app)
        assert change_counter(demo_db) == before
    assert read(demo_db, lambda conn: census.census_prefill(conn, uuid, THIS_YEAR)).employees == 99


# -- issue transitions ----------------------------------------------------------------------------


def accepted_issue(db: Path) -> str:
    """An issue brought to "accepted" (from where a member may start it or put it on hold)."""

    def make(conn: Connection) -> str:
        uuid = conn.execute(
            select(Issue.uuid)
            .where(Issue.status == IssueStatus.REPORTED.value, Issue.deleted == false())
            .order_by(Issue.uuid)
            .limit(1)
        ).scalar_one()
        store_issues.transition(conn, uuid, IssueAction.ACCEPT, role=Role.SUPERVISOR, actor="t")
        return uuid

    return write(db, make)


async def test_issue_moved_by_a_command_meanwhile_is_not_moved_again_from_the_screen(
    demo_db: Path,
) -> None:
    """The app shows an accepted issue; `gridwalker issue act … start` moves it on; the
    screen's "put on hold" (allowed from in progress too) is refused as stale."""
    uuid = accepted_issue(demo_db)
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_issue(uuid)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IssueDetailScreen)
        assert screen.detail is not None and screen.detail.status is IssueStatus.ACCEPTED
        # In-process, the command sets the UI language: keep it English as the app is.
        result = CliRunner().invoke(
            main, ["issue", "act", uuid, "start", "--db", str(demo_db), "--lang", "en"]
        )
        assert result.exit_code == 0, result.output
        before = change_counter(demo_db)
        await pilot.press("h")
        await pilot.pause()
        await type_into(pilot, "#note", "等待业主回复")
        await pilot.press("enter")
        await settle(pilot)
        notices = [n.message for n in app._notifications]  # noqa: SLF001 - no public way
        assert any("changed elsewhere" in words for words in notices), notices
        assert screen.detail is not None and screen.detail.status is IssueStatus.IN_PROGRESS
    assert change_counter(demo_db) == before
    status = read(demo_db, lambda conn: store_issues.issue_detail(conn, uuid).status)
    assert status is IssueStatus.IN_PROGRESS


async def test_issue_transition_from_the_screen_is_taken_when_nothing_moved(
    demo_db: Path,
) -> None:
    uuid = accepted_issue(demo_db)
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_issue(uuid)
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
    status = read(demo_db, lambda conn: store_issues.issue_detail(conn, uuid).status)
    assert status is IssueStatus.IN_PROGRESS


async def test_a_restored_draft_is_saved_only_over_the_rev_it_was_typed_over(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A draft left overnight keeps the rev it was typed over: a change made to the resident
    since is not overwritten when the draft is taken up and saved."""
    from gridwalker.tui.field.drafts_offer import DraftsOffer

    monkeypatch.setattr(ResidentForm, "draft_pause", 0.01)
    uuid = household(demo_db)
    person = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))[0]
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_resident(pilot, uuid)
        await type_into(pilot, "#name", "欧阳改名")
        await pilot.pause(0.05)
        await settle(pilot)
    drafts = read(demo_db, rounds.list_drafts)
    assert [d.payload.get("base_rev") for d in drafts] == [person.rev]
    theirs = replace(person.as_input(), phone="13911112222")
    write(demo_db, lambda conn: rounds.update_resident(conn, "other", person.uuid, theirs))
    before = change_counter(demo_db)
    again = make_app(demo_db, "en", signed_in=True)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, DraftsOffer)
        await pilot.press("enter")
        await settle(pilot)
        form = again.screen
        assert isinstance(form, ResidentForm) and form.form_data().name == "欧阳改名"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(again.screen, Ask)
        shown = screen_text(again)
        assert "Changed there: Phone" in shown and "Changed by you: Name" in shown
        assert change_counter(demo_db) == before
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = read(demo_db, lambda conn: rounds.resident_row(conn, person.uuid))
    assert saved.name == "欧阳改名" and saved.phone == "13911112222"
