"""A returned record opens as itself, with the supervisor's comment above the form; saving the
correction takes it off the returned list (resubmitted) — on the laptop, under Pilot."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Static, TextArea

from gridwalker import config
from gridwalker.store.returns import resubmitted_items, returned_items
from gridwalker.store.tables import Member, Visit
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.returned import ReturnedList
from gridwalker.tui.field.visit_correction import VisitCorrection
from tests.support.apps import SIZE, make_app, press, settle, text_of
from tests.support.demo import MEMBER
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
