"""Two desk windows on one hub never move an issue from a state one of them never saw
(issue #14, point 13): a transition is taken only from the rev the screen shows."""

from __future__ import annotations

from sqlalchemy import false, select

from gridwalker.domain.choices import IssueStatus
from gridwalker.domain.workflow import IssueAction
from gridwalker.store.desk.decisions import issue_action
from gridwalker.store.issues import issue_detail
from gridwalker.store.tables import Device, Issue
from gridwalker.tui.desk.issues import HubIssueDetailScreen
from tests.support.apps import SIZE, make_desk_app, press, settle
from tests.support.demo import SUPERVISOR
from tests.support.scenes import BusyDesk


async def test_desk_transition_after_another_window_moved_the_issue_is_refused(
    busy_desk: BusyDesk,
) -> None:
    engine = busy_desk.desk.engine
    with engine.begin() as conn:
        uuid = conn.execute(
            select(Issue.uuid)
            .where(Issue.status == IssueStatus.REPORTED.value, Issue.deleted == false())
            .order_by(Issue.uuid)
            .limit(1)
        ).scalar_one()
        issue_action(conn, uuid, IssueAction.ACCEPT, SUPERVISOR)
    app = make_desk_app(busy_desk.desk, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(HubIssueDetailScreen(uuid))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HubIssueDetailScreen)
        assert screen.detail is not None and screen.detail.status is IssueStatus.ACCEPTED
        with engine.begin() as conn:  # the other desk window starts work on it
            issue_action(conn, uuid, IssueAction.START, SUPERVISOR)
        with engine.connect() as conn:
            before = conn.execute(select(Device.change_counter)).scalar_one()
        await press(pilot, "h")  # hold: allowed from "in progress" too
        await pilot.press(*"等待")
        await press(pilot, "enter")
        notices = [n.message for n in app._notifications]  # noqa: SLF001 - no public way
        assert any("changed elsewhere" in words for words in notices), notices
        assert screen.detail is not None and screen.detail.status is IssueStatus.IN_PROGRESS
    with engine.connect() as conn:
        assert conn.execute(select(Device.change_counter)).scalar_one() == before
        assert issue_detail(conn, uuid).status is IssueStatus.IN_PROGRESS
