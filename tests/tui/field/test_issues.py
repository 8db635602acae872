"""Pilot tests of the issue log: logging from each place, the list, the detail's workflow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from gridwalker.domain.choices import IssueCategory, IssueStatus, Role
from gridwalker.domain.workflow import IssueAction, allowed_actions
from gridwalker.store import issues
from gridwalker.store.issues import IssueFilter, IssueInput
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import (
    Building,
    Device,
    Draft,
    Enterprise,
    Grid,
    Household,
    Issue,
    IssueEvent,
    Visit,
)
from gridwalker.tui.common.dialogs import LeaveDialog, PickerModal
from gridwalker.tui.common.issue_detail import ACTION_KEYS, IssueDetailScreen, NoteModal
from gridwalker.tui.common.issues import IssueListScreen
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.field.issue_form import IssueFormScreen
from tests.support.apps import SIZE, footer_text, make_app, settle, sign_in, text_of


@dataclass(frozen=True)
class Demo:
    """The demo laptop's database, signed in as its member."""

    path: Path
    engine: Engine
    member_uuid: str
    grid_uuid: str


@pytest.fixture
def demo(demo_db: Path) -> Demo:
    """Sign in as the demo member (the settings file) and keep an engine to check the data."""
    member = sign_in(demo_db)
    engine = open_database(demo_db)
    with engine.connect() as conn:
        grid = conn.execute(select(Grid.uuid).where(Grid.member_uuid == member)).scalar_one()
    yield Demo(demo_db, engine, member, grid)
    engine.dispose()


def first(engine: Engine, column, *where) -> str:  # noqa: ANN001 - a column
    """The first value of a column (by uuid), for a deterministic pick."""
    with engine.connect() as conn:
        return conn.execute(select(column).where(*where).order_by(column).limit(1)).scalar_one()


def counter(engine: Engine) -> int:
    """The device's change counter (it moves with every synced write)."""
    with engine.connect() as conn:
        return conn.execute(select(Device.change_counter)).scalar_one()


def issue_total(engine: Engine) -> int:
    """How many issue rows there are."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Issue)).scalar_one()


def new_issue(demo: Demo, description: str = "楼道灯坏了") -> str:
    """A reported issue from the first household, logged through the store."""
    household = first(demo.engine, Household.uuid)
    with demo.engine.begin() as conn:
        return issues.log_issue(
            conn,
            IssueInput(category="repairs", description=description, household_uuid=household),
            actor="李晓梅",
            member_uuid=demo.member_uuid,
        )


def status_of(demo: Demo, uuid: str) -> str:
    """An issue's status in the database."""
    with demo.engine.connect() as conn:
        return conn.execute(select(Issue.status).where(Issue.uuid == uuid)).scalar_one()


async def open_form(pilot: Pilot[None], **start: str) -> IssueFormScreen:
    """Start the log form (as the household, visit or enterprise screens do) and let it load."""
    await settle(pilot)
    pilot.app.log_issue(**start)
    screen = pilot.app.screen
    assert isinstance(screen, IssueFormScreen)
    await settle(pilot)
    assert pilot.app.screen is screen
    return screen


async def choose_category(pilot: Pilot[None], steps: int) -> None:
    """Open the category list on the focused Select and take the `steps`-th category."""
    await pilot.press("enter", *(["down"] * steps), "enter")
    await settle(pilot)


# --- logging ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start_key, column",
    [
        ("household_uuid", Household.uuid),
        ("enterprise_uuid", Enterprise.uuid),
        ("building_uuid", Building.uuid),
        ("visit_uuid", Visit.uuid),
    ],
)
async def test_logging_from_each_place_prefills_it(demo: Demo, start_key: str, column) -> None:  # noqa: ANN001
    uuid = first(demo.engine, column)
    with demo.engine.connect() as conn:
        expected = issues.place_prefill(conn, **{start_key: uuid}).place
    assert expected
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, **{start_key: uuid})
        assert form.query_one("#place", Input).value == expected
        assert expected in text_of(form.query_one("#form-origin"))
        assert form.key == f"issue:{uuid}"


async def test_household_prefill_is_its_address(demo: Demo) -> None:
    household = first(demo.engine, Household.uuid)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, household_uuid=household)
        place = form.query_one("#place", Input).value
        assert place.startswith("邮三社区·") and "单元" in place


async def test_log_an_issue_in_a_few_keystrokes(demo: Demo) -> None:
    household = first(demo.engine, Household.uuid)
    before = issue_total(demo.engine)
    results: list[str | None] = []
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.log_issue(on_logged=results.append, household_uuid=household)
        form = app.screen
        await settle(pilot)
        await choose_category(pilot, 1)  # 加装电梯
        await pilot.press("tab", *"楼道灯坏了三天", "ctrl+s")
        await settle(pilot)
        assert app.screen is not form
        assert results and results[0]
    uuid = results[0]
    assert issue_total(demo.engine) == before + 1
    with demo.engine.connect() as conn:
        row = conn.execute(select(Issue).where(Issue.uuid == uuid)).one()
        events = conn.execute(select(IssueEvent).where(IssueEvent.issue_uuid == uuid)).all()
        drafts = conn.execute(select(func.count()).select_from(Draft)).scalar_one()
    assert row.description == "楼道灯坏了三天"
    assert row.category == IssueCategory.ELEVATOR.value
    assert row.status == IssueStatus.REPORTED.value
    assert row.household_uuid == household
    assert row.logged_by == demo.member_uuid
    assert str(row.due_date) == "2026-12-05"  # normal urgency: 15 days
    assert [e.action for e in events] == [IssueAction.SUBMIT.value]
    assert drafts == 0


async def test_urgency_moves_the_due_date_until_one_is_typed(demo: Demo) -> None:
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        due = form.query_one("#due_date", Input)
        assert due.value == "2026-12-05"
        form.query_one("#urgency").focus()
        await pilot.press("enter", "down", "enter")  # 紧急
        await settle(pilot)
        assert due.value == "2026-11-23"
        due.value = "2026-11-30"
        await settle(pilot)
        form.query_one("#urgency").focus()
        await pilot.press("enter", "up", "enter")  # 一般 again: the typed date stays
        await settle(pilot)
        assert due.value == "2026-11-30"


async def test_invalid_input_shows_reasons_and_writes_nothing(demo: Demo) -> None:
    household = first(demo.engine, Household.uuid)
    changes, before = counter(demo.engine), issue_total(demo.engine)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, household_uuid=household)
        await choose_category(pilot, 5)
        due = form.query_one("#due_date", Input)
        due.focus()
        due.value = ""
        await pilot.press(*"2026-11-01")
        await settle(pilot)
        # checked as you type: the past date is refused before ctrl+s
        assert "早于今天" in text_of(form.query_one("#reason-due_date"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "请填写问题描述" in text_of(form.query_one("#reason-description"))
        assert "2026-11-01" in text_of(form.query_one("#reason-due_date"))
        assert "未登记" in text_of(form.query_one("#form-status"))
        due.value = "11/30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "YYYY-MM-DD" in text_of(form.query_one("#reason-due_date"))
    assert counter(demo.engine) == changes
    assert issue_total(demo.engine) == before


async def test_category_is_required(demo: Demo) -> None:
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        form.query_one("#place", Input).value = "江汉路口"
        form.query_one("#description", TextArea).load_text("路灯不亮")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "请选择类别" in text_of(form.query_one("#reason-category"))
        assert "请填写" not in text_of(form.query_one("#reason-description"))


async def test_logged_from_anywhere_needs_a_place(demo: Demo) -> None:
    before = issue_total(demo.engine)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        assert form.query_one("#place", Input).value == ""
        await choose_category(pilot, 2)
        form.query_one("#description", TextArea).load_text("夜间车辆乱停")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "请填写地点" in text_of(form.query_one("#reason-place"))
        form.query_one("#place", Input).value = "江汉路口"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    assert issue_total(demo.engine) == before + 1
    with demo.engine.connect() as conn:
        place, grid = conn.execute(
            select(Issue.place, Issue.grid_uuid).where(Issue.description == "夜间车辆乱停")
        ).one()
    assert (place, grid) == ("江汉路口", demo.grid_uuid)


# --- drafts ----------------------------------------------------------------------------------


async def test_the_draft_comes_back_after_closing_the_app(demo: Demo) -> None:
    household = first(demo.engine, Household.uuid)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, household_uuid=household)
        await choose_category(pilot, 5)  # 治安安全
        await pilot.press("tab", *"单元门禁坏了")
        await settle(pilot)
    with demo.engine.connect() as conn:
        draft = conn.execute(select(Draft).where(Draft.key == f"issue:{household}")).one()
    assert draft.kind == "issue"
    assert draft.payload["form"]["description"] == "单元门禁坏了"
    assert "治安安全" in draft.title

    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, household_uuid=household)
        assert form.query_one("#description", TextArea).text == "单元门禁坏了"
        assert form.query_one("#category").value == IssueCategory.SECURITY.value
        assert form.query_one("#place", Input).value.startswith("邮三社区·")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    with demo.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Draft)).scalar_one() == 0


async def test_a_draft_payload_is_restored(demo: Demo) -> None:
    payload = {
        "start": {},
        "form": {"place": "江汉路口", "category": "noise", "description": "夜间施工"},
        "due_typed": False,
        "touched": [],
    }
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = IssueFormScreen({}, draft_payload=payload)
        app.push_screen(form)
        await settle(pilot)
        assert form.query_one("#place", Input).value == "江汉路口"
        assert form.query_one("#description", TextArea).text == "夜间施工"


@pytest.mark.parametrize("choice, drafts", [("k", 1), ("d", 0)])
async def test_escape_with_changes_asks(demo: Demo, choice: str, drafts: int) -> None:
    household = first(demo.engine, Household.uuid)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, household_uuid=household)
        await choose_category(pilot, 3)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LeaveDialog)
        await pilot.press("escape")  # stay
        await settle(pilot)
        assert app.screen is form
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press(choice)
        await settle(pilot)
        assert not isinstance(app.screen, (LeaveDialog, IssueFormScreen))
    with demo.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Draft)).scalar_one() == drafts


async def test_escape_without_changes_just_leaves(demo: Demo) -> None:
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, building_uuid=first(demo.engine, Building.uuid))
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not form
        assert not isinstance(app.screen, LeaveDialog)


# --- the detail and the workflow ------------------------------------------------------------


async def open_detail(pilot: Pilot[None], uuid: str) -> IssueDetailScreen:
    """Open an issue's detail and let it load."""
    await settle(pilot)
    screen = IssueDetailScreen(uuid)
    pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


async def act(pilot: Pilot[None], key: str, note: str) -> None:
    """Take an action by its key, write the note and confirm it."""
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, NoteModal)
    await pilot.press(*note, "enter")
    await settle(pilot)


async def test_an_issue_followed_to_closed(demo: Demo) -> None:
    """Reported → closed; whoever resolved it cannot verify it (someone else checks)."""
    uuid = new_issue(demo)
    steps = [
        ("a", "已受理联系物业", IssueAction.ACCEPT, IssueStatus.ACCEPTED),
        ("s", "物业已派电工", IssueAction.START, IssueStatus.IN_PROGRESS),
        ("r", "更换灯管三个", IssueAction.RESOLVE, IssueStatus.RESOLVED),
    ]
    app = make_app(demo.path, role="supervisor")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, uuid)
        for key, note, action, status in steps:
            await act(pilot, key, note)
            assert app.screen is screen
            assert status_of(demo, uuid) == status.value
            timeline = text_of(screen.query_one("#issue-timeline"))
            assert action.zh in timeline and note in timeline
            assert status.zh in text_of(screen.query_one("#issue-head"))
        await act(pilot, "v", "我自己看过了")  # the resolver verifying: refused, nothing written
        assert status_of(demo, uuid) == IssueStatus.RESOLVED.value
        shown = [n.message for n in app._notifications]  # noqa: SLF001 - the toasts shown
        assert any("办结人不能核查自己办结的事件" in m for m in shown), shown
        app.pop_screen()
        with demo.engine.begin() as conn:  # the supervisor checks it
            issues.transition(
                conn,
                uuid,
                IssueAction.VERIFY,
                role="supervisor",
                actor="网格长",
                note="回访居民满意",
            )
        screen = await open_detail(pilot, uuid)
        await act(pilot, "c", "归档")
        assert status_of(demo, uuid) == IssueStatus.CLOSED.value
        timeline = text_of(screen.query_one("#issue-timeline"))
        for action in (IssueAction.SUBMIT, *(step[2] for step in steps), IssueAction.VERIFY):
            assert action.zh in timeline
        assert "2026-11-20 09:00" in timeline
        assert "李晓梅" in timeline and "网格长" in timeline
        assert "已办结 → 已核查" in timeline
        assert screen.actions == []
        assert not screen.query("#issue-actions Button.-primary")
    with demo.engine.connect() as conn:
        events = conn.execute(
            select(IssueEvent.action, IssueEvent.note, IssueEvent.actor)
            .where(IssueEvent.issue_uuid == uuid)
            .order_by(IssueEvent.change)
        ).all()
    assert [e.action for e in events] == ["submit", "accept", "start", "resolve", "verify", "close"]
    assert [e.note for e in events[1:]] == [*(step[1] for step in steps), "回访居民满意", "归档"]
    assert {e.actor for e in events} == {demo.member_uuid, "网格长"}


async def test_decline_without_a_note_is_refused(demo: Demo) -> None:
    uuid = new_issue(demo)
    changes = counter(demo.engine)
    app = make_app(demo.path, role="supervisor")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, uuid)
        await pilot.press("x")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, NoteModal)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is modal
        assert "不予受理" in text_of(modal.query_one("#note-reason"))
        assert counter(demo.engine) == changes
        await pilot.press(*"不属于本网格", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, NoteModal)
    assert status_of(demo, uuid) == IssueStatus.DECLINED.value


async def test_cancelling_the_note_changes_nothing(demo: Demo) -> None:
    uuid = new_issue(demo)
    changes = counter(demo.engine)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, uuid)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
    assert counter(demo.engine) == changes
    assert status_of(demo, uuid) == IssueStatus.REPORTED.value


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SUPERVISOR])
async def test_actions_offered_are_the_allowed_ones(demo: Demo, role: Role) -> None:
    picks: dict[str, str] = {}
    with demo.engine.connect() as conn:
        for status in IssueStatus:
            uuid = conn.execute(
                select(Issue.uuid).where(Issue.status == status.value).order_by(Issue.uuid)
            ).first()
            if uuid is not None:
                picks[status.value] = uuid[0]
    with demo.engine.begin() as conn:  # a draft too: its only action is submit
        picks["draft"] = issues.log_issue(
            conn,
            IssueInput(category="noise", description="草稿", place="江汉路口"),
            actor="李晓梅",
            member_uuid=demo.member_uuid,
            draft=True,
        )
    assert len(picks) == len(IssueStatus)
    app = make_app(demo.path, role=role.value)
    async with app.run_test(size=SIZE) as pilot:
        for status, uuid in picks.items():
            screen = await open_detail(pilot, uuid)
            allowed = allowed_actions(IssueStatus(status), role)
            assert screen.actions == allowed
            buttons = [
                b.name for b in screen.query("#issue-actions Button") if b.name != "open-household"
            ]
            assert buttons == [f"act-{a.value}" for a in allowed]
            keys = {
                active.binding.key
                for active in app.screen.active_bindings.values()
                if active.binding.action.startswith("act(") and active.enabled
            }
            assert keys == {ACTION_KEYS[a] for a in allowed}, status
            footer = footer_text(app)
            for action in allowed:
                assert f"{ACTION_KEYS[action]} {action.zh}" in footer, (status, footer)
            await pilot.press("escape")
            await settle(pilot)


async def test_a_refused_transition_shows_the_reason(demo: Demo) -> None:
    uuid = new_issue(demo)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, uuid)
        assert IssueAction.RESOLVE_ON_SPOT in screen.actions
        with demo.engine.begin() as conn:  # someone accepts it meanwhile
            issues.transition(conn, uuid, "accept", role="member", actor="王", member_uuid=None)
        changes = counter(demo.engine)
        await act(pilot, "o", "现场处理")
        assert app.screen is screen
        shown = [n.message for n in app._notifications]
        assert any("已受理的事件不能就地办结" in m for m in shown), shown
        assert counter(demo.engine) == changes
        assert status_of(demo, uuid) == IssueStatus.ACCEPTED.value
        assert screen.actions == allowed_actions(IssueStatus.ACCEPTED, Role.MEMBER)


async def test_the_detail_shows_everything(demo: Demo) -> None:
    uuid = new_issue(demo, "三楼楼道灯坏了\n已经一周")
    with demo.engine.connect() as conn:
        detail = issues.issue_detail(conn, uuid)
    opened: list[str] = []
    app = make_app(demo.path)
    app.open_household = opened.append  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, uuid)
        facts = text_of(screen.query_one("#issue-facts"))
        for value in (detail.household_address, detail.building_name, "XH-01-01", "李晓梅", "居民"):
            assert value and value in facts
        assert "2026-12-05" in facts
        assert "三楼楼道灯坏了" in text_of(screen.query_one("#issue-description"))
        head = text_of(screen.query_one("#issue-head"))
        assert "设施维修" in head and "已上报" in head and "一般" in head
        await pilot.press("enter")
        await settle(pilot)
    assert opened == [detail.household_uuid]


# --- the list --------------------------------------------------------------------------------


def count(demo: Demo, flt: IssueFilter) -> int:
    """What the store counts for a filter."""
    with demo.engine.connect() as conn:
        return issues.issue_count(conn, flt)


async def open_list(pilot: Pilot[None], screen: IssueListScreen) -> PagedList:
    """Open an issue list and let it load."""
    await settle(pilot)
    pilot.app.push_screen(screen)
    await settle(pilot)
    return screen.query_one(PagedList)


async def test_list_filters_show_the_store_counts(demo: Demo) -> None:
    grid = IssueFilter(grid_uuid=demo.grid_uuid)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = IssueListScreen(grid)
        paged = await open_list(pilot, screen)
        total = count(demo, grid)
        assert paged.count == total > 0
        with demo.engine.connect() as conn:
            counts = issues.status_counts(conn, grid)
        header = text_of(screen.query_one("#issue-counts"))
        assert f"已上报 {counts['reported']}" in header
        assert f"{total} 件" in text_of(screen.query_one("#issue-filter"))

        await pilot.press("o")
        await settle(pilot)
        overdue = IssueFilter(grid_uuid=demo.grid_uuid, overdue=True)
        assert paged.count == count(demo, overdue) > 0
        assert "逾期" in text_of(screen.query_one("#issue-filter"))
        assert all(paged.row_at(i).overdue for i in range(paged.count))
        assert text_of(paged).splitlines()[1].lstrip(" │").startswith("!")

        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, PickerModal)
        await pilot.press("down", "down", "down", "enter")  # all, open, draft, reported
        await settle(pilot)
        both = IssueFilter(grid_uuid=demo.grid_uuid, overdue=True, statuses=frozenset({"reported"}))
        assert paged.count == count(demo, both)
        assert {paged.row_at(i).status for i in range(paged.count)} <= {IssueStatus.REPORTED}

        await pilot.press("x")
        await settle(pilot)
        assert paged.count == total

        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "enter")  # 加装电梯
        await settle(pilot)
        assert paged.count == count(
            demo, IssueFilter(grid_uuid=demo.grid_uuid, category="elevator")
        )
        assert "加装电梯" in text_of(screen.query_one("#issue-filter"))


async def test_mine_building_and_sort(demo: Demo) -> None:
    mine = new_issue(demo, "我登记的事件")
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = IssueListScreen(IssueFilter(grid_uuid=demo.grid_uuid), sort="age")
        paged = await open_list(pilot, screen)
        assert paged.row_at(0).uuid == mine  # newest first
        await pilot.press("m")
        await settle(pilot)
        assert paged.count == count(
            demo, IssueFilter(grid_uuid=demo.grid_uuid, mine=demo.member_uuid)
        )
        await pilot.press("m", "d")
        await settle(pilot)
        rows = [paged.row_at(i) for i in range(min(paged.count, 50))]
        dues = [r.due_date for r in rows]
        assert dues == sorted(dues)
        with demo.engine.connect() as conn:
            building = issues.issue_detail(conn, paged.current.uuid)
        await pilot.press("b")
        await settle(pilot)
        flt = IssueFilter(grid_uuid=demo.grid_uuid, building_uuid=building.building_uuid)
        assert paged.count == count(demo, flt)
        assert building.building_name in text_of(screen.query_one("#issue-filter"))
        await pilot.press("b")
        await settle(pilot)
        assert paged.count == count(demo, IssueFilter(grid_uuid=demo.grid_uuid))


async def test_without_a_filter_the_list_shows_open_issues_of_my_grid(demo: Demo) -> None:
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = IssueListScreen()
        paged = await open_list(pilot, screen)
        assert screen.flt == IssueFilter(grid_uuid=demo.grid_uuid, open_only=True)
        assert paged.count == count(demo, screen.flt)
        assert "未办结" in text_of(screen.query_one("#issue-filter"))


@pytest.mark.parametrize(
    "key, figure", [("issues", "open"), ("overdue", "overdue"), ("due_week", "due_this_week")]
)
async def test_today_figures_open_their_lists(demo: Demo, key: str, figure: str) -> None:
    with demo.engine.connect() as conn:
        counts = issues.today_counts(conn, demo.grid_uuid)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        paged = await open_list(pilot, IssueListScreen.for_figure(key))
        assert paged.count == getattr(counts, figure)
        assert app.screen.flt.grid_uuid == demo.grid_uuid


async def test_enter_opens_the_detail_and_the_list_refreshes(demo: Demo) -> None:
    uuid = new_issue(demo, "列表里的新事件")
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        screen = IssueListScreen(IssueFilter(statuses=frozenset({"reported"})), sort="age")
        paged = await open_list(pilot, screen)
        before = paged.count
        assert paged.current.uuid == uuid
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueDetailScreen) and app.screen.uuid == uuid
        await act(pilot, "a", "")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert paged.count == before - 1


async def test_l_logs_a_new_issue_from_the_list(demo: Demo) -> None:
    household = first(demo.engine, Household.uuid)
    app = make_app(demo.path)
    async with app.run_test(size=SIZE) as pilot:
        await open_list(pilot, IssueListScreen(IssueFilter(household_uuid=household)))
        await pilot.press("l")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IssueFormScreen)
        assert form.start == {"household_uuid": household}


# --- snapshots -------------------------------------------------------------------------------


def snapshot_issue(demo: Demo) -> str:
    """A demo issue with a long timeline (verified), picked deterministically."""
    return first(demo.engine, Issue.uuid, Issue.status == "verified")


def test_snapshot_list(snap_compare: Callable[..., bool], demo: Demo) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_list(pilot, IssueListScreen())

    assert snap_compare(make_app(demo.path), terminal_size=SIZE, run_before=run_before)


def test_snapshot_detail(snap_compare: Callable[..., bool], demo: Demo) -> None:
    uuid = snapshot_issue(demo)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_detail(pilot, uuid)

    assert snap_compare(make_app(demo.path), terminal_size=SIZE, run_before=run_before)


def test_snapshot_form(snap_compare: Callable[..., bool], demo: Demo) -> None:
    household = first(demo.engine, Household.uuid)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_form(pilot, household_uuid=household)
        await choose_category(pilot, 6)  # 消防隐患
        await pilot.press("tab", *"楼道堆放杂物电动车在楼道充电", "tab")  # off the blinking cursor
        await settle(pilot)

    assert snap_compare(make_app(demo.path), terminal_size=SIZE, run_before=run_before)
