"""A returned record opens as itself, with the supervisor's comment above the form; saving the
correction takes it off the returned list (resubmitted) — on the laptop, under Pilot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from gridwalker import config
from gridwalker.store.desk.decisions import return_item
from gridwalker.store.desk.queue import QueueFilter, queue_page
from gridwalker.store.returns import resubmitted_items, returned_items
from gridwalker.store.tables import CensusRecord, Member, Visit
from gridwalker.store.writes import Writer
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.returned import ReturnedList
from gridwalker.tui.field.visit_correction import VisitCorrection
from tests.support.apps import SIZE, make_app, press, settle, text_of
from tests.support.demo import MEMBER, SUPERVISOR
from tests.support.hubs import Desk
from tests.support.laptops import Field
from tests.support.scenes import RETURN_COMMENT, BusyDesk


def laptop_app(field: Field) -> GridwalkerApp:
    """The field app of a laptop, its member signed in."""
    with field.engine.connect() as conn:
        member = conn.execute(select(Member.uuid).where(Member.name == MEMBER)).scalar_one()
    config.save_settings(field.home, config.Settings(member_uuid=member, member_name=MEMBER))
    return make_app(field.db, home=field.home)


def take_returns(busy_desk: BusyDesk, field: Field) -> None:
    """The laptop imports the hub bundle that carries the returned visit."""
    assert field.apply(busy_desk.desk.export_to("lap-a").paths[0]).status == "applied"


async def test_a_returned_visit_opens_in_the_visit_form_with_the_comment(
    busy_desk: BusyDesk, field_a: Field
) -> None:
    take_returns(busy_desk, field_a)
    with field_a.engine.connect() as conn:
        (item,) = returned_items(conn)
        before = conn.execute(select(Visit).where(Visit.uuid == item.uuid)).one()
    app = laptop_app(field_a)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_returned()
        await settle(pilot)
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, VisitCorrection)
        note = text_of(screen.query_one("#return-note", Static))
        assert RETURN_COMMENT in note and item.decided_by in note
        assert screen.form_data().concerns == before.concerns
        await press(pilot, "ctrl+s")  # nothing corrected yet: said, not saved
        assert not screen.saved
        assert "尚未作任何修改" in text_of(screen.query_one("#visit-status", Static))
        screen.query_one("#concerns", TextArea).text = "已补充：关爱对象身体良好"
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert screen.saved
        await press(pilot, "escape")
        assert isinstance(app.screen, ReturnedList)
        assert app.screen.items == [] and len(app.screen.resubmitted) == 1
    with field_a.engine.connect() as conn:
        after = conn.execute(select(Visit).where(Visit.uuid == item.uuid)).one()
        assert returned_items(conn) == []
        assert [r.uuid for r in resubmitted_items(conn)] == [item.uuid]
    assert after.concerns == "已补充：关爱对象身体良好"
    assert after.rev != before.rev and after.visited_on == before.visited_on


def return_one(desk: Desk, field: Field, entity: str) -> str:
    """The laptop's first bundle at the hub, one record of `entity` returned, the hub's
    bundle back on the laptop; returns the record's uuid."""
    assert desk.one(field.export().path).status == "applied"
    desk.arrivals()
    with desk.engine.begin() as conn:
        uuid = queue_page(conn, QueueFilter(entity=entity), 0, 1)[0].uuid
        return_item(conn, entity, uuid, RETURN_COMMENT, SUPERVISOR)
    assert field.apply(desk.export_to("lap-a").paths[0]).status == "applied"
    return uuid


@pytest.mark.parametrize(
    ("entity", "screen_name"),
    [
        ("resident", "ResidentCorrection"),
        ("census_record", "CensusCorrection"),
        ("household", "HouseholdCorrection"),
        ("issue", "IssueCorrection"),
    ],
)
async def test_each_returned_record_opens_its_own_form_with_the_comment(
    desk: Desk, field_a: Field, entity: str, screen_name: str
) -> None:
    uuid = return_one(desk, field_a, entity)
    app = laptop_app(field_a)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_returned()
        await settle(pilot)
        assert [i.uuid for i in app.screen.items] == [uuid]
        await press(pilot, "enter")
        screen = app.screen
        assert type(screen).__name__ == screen_name
        assert RETURN_COMMENT in text_of(screen.query_one("#return-note", Static))
        if entity == "resident":
            assert screen.resident_uuid == uuid
        if entity == "census_record":
            with field_a.engine.connect() as conn:
                year = conn.execute(
                    select(CensusRecord.year).where(CensusRecord.uuid == uuid)
                ).scalar_one()
            assert screen.year == year and screen.record_uuid == uuid


async def test_a_corrected_resident_leaves_the_returned_list(desk: Desk, field_a: Field) -> None:
    uuid = return_one(desk, field_a, "resident")
    app = laptop_app(field_a)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_returned()
        await settle(pilot)
        await press(pilot, "enter")
        phone = app.screen.query_one("#phone", Input)
        phone.value = "13912345678"
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ReturnedList)
        assert app.screen.items == [] and [i.uuid for i in app.screen.resubmitted] == [uuid]


async def test_a_returned_record_gone_from_the_laptop_says_so(
    busy_desk: BusyDesk, field_a: Field
) -> None:
    take_returns(busy_desk, field_a)
    app = laptop_app(field_a)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_returned()
        await settle(pilot)
        (item,) = app.screen.items
        with field_a.engine.begin() as conn:  # deleted meanwhile (another window, a command)
            Writer(conn, MEMBER).delete("visit", item.uuid)
        await press(pilot, "enter")
        assert isinstance(app.screen, ReturnedList)
        assert "不在本机" in " ".join(str(n.message) for n in app._notifications)


async def test_a_correction_over_a_stale_rev_is_refused_and_keeps_the_typing(
    busy_desk: BusyDesk, field_a: Field
) -> None:
    take_returns(busy_desk, field_a)
    app = laptop_app(field_a)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_returned()
        await settle(pilot)
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, VisitCorrection)
        form.query_one("#concerns", TextArea).text = "我的更正"
        await settle(pilot)
        other = field_a.edit("visit", form.visit_uuid or "", follow_up=None, concerns="别处的修改")
        assert other is not None
        await press(pilot, "ctrl+s")
        assert not form.saved
        assert isinstance(app.screen, Ask)  # reload and re-apply, or keep editing
        with field_a.engine.connect() as conn:
            concerns = conn.execute(
                select(Visit.concerns).where(Visit.uuid == form.visit_uuid)
            ).scalar_one()
        assert concerns == "别处的修改"
        await press(pilot, "r")
        assert form.query_one("#concerns", TextArea).text == "我的更正"
        assert form.base_rev == other
        await press(pilot, "ctrl+s")
        assert form.saved


# -- snapshots (the screenshots of issue #13 §3) ------------------------------------------------


def test_snapshot_visit_correction(
    snap_compare: Callable[..., bool], busy_desk: BusyDesk, field_a: Field
) -> None:
    """The visit form in correction mode: the supervisor's comment above the visit's values."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.open_returned()
        await settle(pilot)
        await press(pilot, "enter")
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False
        await pilot.pause()

    take_returns(busy_desk, field_a)
    assert snap_compare(laptop_app(field_a), terminal_size=SIZE, run_before=run_before)


async def test_a_correction_left_as_a_draft_comes_back_as_a_correction(
    busy_desk: BusyDesk, field_a: Field
) -> None:
    from gridwalker.store import rounds

    take_returns(busy_desk, field_a)
    app = laptop_app(field_a)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_returned()
        await settle(pilot)
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, VisitCorrection)
        visit = form.visit_uuid or ""
        form.query_one("#concerns", TextArea).text = "改到一半"
        await settle(pilot)
        await press(pilot, "escape")
        assert isinstance(app.screen, Ask)
        await press(pilot, "k")  # keep the draft and leave
        assert isinstance(app.screen, ReturnedList)
        with field_a.engine.connect() as conn:
            draft = rounds.load_draft(conn, rounds.visit_fix_draft_key(visit))
            new_visit_draft = rounds.load_draft(conn, rounds.visit_draft_key(form.household_uuid))
        assert draft is not None and draft.payload["visit_uuid"] == visit
        assert new_visit_draft is None  # a correction is not a new visit's draft
        assert app.resume_draft(draft.kind, draft.payload)
        await settle(pilot)
        again = app.screen
        assert isinstance(again, VisitCorrection) and again.visit_uuid == visit
        assert again.form_data().concerns == "改到一半"
        assert RETURN_COMMENT in text_of(again.query_one("#return-note", Static))
        await press(pilot, "ctrl+s")
        assert again.saved
    with field_a.engine.connect() as conn:
        assert rounds.load_draft(conn, rounds.visit_fix_draft_key(visit)) is None
        assert returned_items(conn) == []


async def test_a_corrected_household_leaves_the_returned_list(desk: Desk, field_a: Field) -> None:
    """h edits a returned household's head, phone and occupancy; a bad phone is refused in
    the dialog with nothing written; a good one saves and the household leaves the list."""
    from gridwalker.store.tables import Household
    from gridwalker.tui.field.household_form import HouseholdForm

    uuid = return_one(desk, field_a, "household")
    app = laptop_app(field_a)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_returned()
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "h")
        assert isinstance(app.screen, HouseholdForm)
        app.screen.query_one("#phone", Input).value = "12345"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, HouseholdForm)
        assert "11" in text_of(app.screen.query_one("#household-error", Static))
        with field_a.engine.connect() as conn:
            assert (
                conn.execute(select(Household.phone).where(Household.uuid == uuid)).scalar_one()
                != "12345"
            )
        app.screen.query_one("#phone", Input).value = "13912345678"
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "HouseholdCorrection"
        await press(pilot, "escape")
        assert isinstance(app.screen, ReturnedList)
        assert app.screen.items == [] and [i.uuid for i in app.screen.resubmitted] == [uuid]
