"""The desk's building consultations: the street's list with each count across the members'
bundles, one consultation with its votes and who recorded each, and closing one after a
confirmation (the result fixed; the laptops told in the next hub bundle). Pilot, zh and en."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from textual.pilot import Pilot

from gridwalker.store.tables import Consultation
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.desk.consultations import DeskConsultationScreen, DeskConsultationsScreen
from tests.support.apps import SIZE, footer_text, make_desk_app, press, screen_text, settle
from tests.support.demo import SUPERVISOR
from tests.support.hubs import Desk
from tests.support.laptops import Field

SnapCompare = Callable[..., bool]


@pytest.fixture
def hub(desk: Desk, field_a: Field) -> Iterator[Desk]:
    """A hub that imported one laptop of the small street, with its elevator consultation."""
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    yield desk


def status_of(desk: Desk) -> list[tuple[str, str | None]]:
    with desk.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(Consultation.status, Consultation.closed_by))]


async def open_elevator(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await press(pilot, "7")  # the street's consultations
    await press(pilot, "enter")  # the demo's elevator


async def test_the_street_list_shows_each_count(hub: Desk) -> None:
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "7")
        assert isinstance(app.screen, DeskConsultationsScreen)
        text = screen_text(app)
        assert "加装电梯" in text and "重大事项" in text
        assert "还差" in text
        await press(pilot, "enter")
        assert isinstance(app.screen, DeskConsultationScreen)
        text = screen_text(app)
        assert "尚未征询" in text and "计入" in text
        assert "结束征询" in footer_text(app)


async def test_closing_asks_first_then_fixes_the_result(hub: Desk) -> None:
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await open_elevator(pilot)
        await press(pilot, "c")
        assert isinstance(app.screen, Ask)
        await press(pilot, "n")  # cancelled: nothing written
        assert status_of(hub) == [("open", None)]
        await press(pilot, "c", "y")
        assert status_of(hub) == [("closed", SUPERVISOR)]
        text = screen_text(app)
        assert "结果已固定" in text
        assert "结束征询" not in footer_text(app)  # closed once: no key to close it again
        await press(pilot, "escape")
        assert "已结束" in screen_text(app)


async def test_the_desk_in_english(hub: Desk) -> None:
    app = make_desk_app(hub, "en")
    async with app.run_test(size=SIZE) as pilot:
        await open_elevator(pilot)
        text = screen_text(app)
        assert "Still missing to pass: 2 more owners agreeing" in text
        assert "Recorded by" in text and "counted" in text and "李晓梅" in text


def test_snapshot_desk_consultations(snap_compare: SnapCompare, hub: Desk) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await press(pilot, "7")

    assert snap_compare(make_desk_app(hub), terminal_size=SIZE, run_before=run_before)


def test_snapshot_desk_consultation(snap_compare: SnapCompare, hub: Desk) -> None:
    assert snap_compare(make_desk_app(hub), terminal_size=SIZE, run_before=open_elevator)


def test_snapshot_desk_consultation_in_english(snap_compare: SnapCompare, hub: Desk) -> None:
    assert snap_compare(make_desk_app(hub, "en"), terminal_size=SIZE, run_before=open_elevator)


async def test_a_vote_after_closing_is_listed_not_counted(hub: Desk, field_a: Field) -> None:
    from datetime import date

    from gridwalker.store.consult.consultations import find_consultation
    from gridwalker.store.consult.register import register_rooms
    from gridwalker.store.consult.votes import record_vote
    from gridwalker.store.desk.consultations import close_consultation
    from tests.support.demo import MEMBER

    with hub.engine.begin() as conn:
        uuid = conn.execute(select(Consultation.uuid)).scalar_one()
        closed = close_consultation(conn, SUPERVISOR, uuid)
    asked = set(closed.latest)
    with field_a.engine.begin() as conn:  # the laptop has not heard of the closing yet
        info = find_consultation(conn, uuid)
        room = next(r for r in register_rooms(conn, uuid) if r.uuid not in asked)
        record_vote(
            conn, MEMBER, info, room, choice="agree", way="signed",
            voted_on=date(2026, 11, 19), form_no="LATE-1",
        )  # fmt: skip
    assert hub.one(field_a.export().path).status == "applied"
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await open_elevator(pilot)
        text = screen_text(app)
        assert "1 条意见在结束后才到：已保留，不计入。" in text
        late = next(line for line in text.splitlines() if "LATE-1" in line)
        assert "结束后到达：不计入" in late
        assert f"参与表决：{closed.tally.participation.owners} 位业主" in text  # not counted


async def test_user_text_is_shown_as_written(hub: Desk) -> None:
    from datetime import date

    from gridwalker.store.consult.consultations import create_consultation, find_consultation
    from gridwalker.store.consult.register import register_rooms, save_room
    from gridwalker.store.consult.votes import record_vote

    title, proxy, actor = "[@click=app.quit]电梯[/]", "[/]张三[bold", "[red]红[/red]"
    with hub.engine.begin() as conn:
        ident = create_consultation(
            conn, actor, title=title, scope="新华街/邮三社区/第1网格/1栋/1单元",
            kind="decision", matter="ordinary",
        )  # fmt: skip
        info = find_consultation(conn, ident)
        save_room(conn, actor, info, {"room": "101", "owner": "王五", "area": "80"})
        (room,) = register_rooms(conn, ident)
        record_vote(
            conn, actor, info, room, choice="agree", way="proxy",
            voted_on=date(2026, 11, 1), proxy_name=proxy,
        )  # fmt: skip
    app = make_desk_app(hub)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "7")
        assert title in screen_text(app)
        app.open_consultation(ident)
        await settle(pilot)
        text = screen_text(app)
        # who recorded it, cut to its column but not read as a colour
        assert title in text and proxy in text and "[red]红" in text
        assert app.is_running
