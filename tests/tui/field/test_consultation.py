"""The consultation screen of the field app: the live count of the demo elevator, the rooms not
yet asked first, and recording an owner's opinion at the door (Pilot, both languages)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from gridwalker.store.migrate import open_database
from gridwalker.store.tables import ConsultVote
from tests.support.apps import SIZE, footer_text, make_app, press, screen_text, settle, sign_in

SnapCompare = Callable[..., bool]


def votes(db: Path) -> int:
    engine = open_database(db)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(ConsultVote)).scalar_one()
    engine.dispose()
    return n


async def open_elevator(pilot) -> None:  # noqa: ANN001 - a Pilot
    await settle(pilot)
    await press(pilot, "k")  # Today → the grid's consultations
    await press(pilot, "enter")  # the demo's elevator


async def test_the_live_count_and_recording_a_vote_at_the_door(demo_db: Path) -> None:
    sign_in(demo_db)
    before = votes(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_elevator(pilot)
        text = screen_text(app)
        assert "加装电梯" in text and "重大事项" in text
        assert "还差：" in text and "尚未征询" in text
        assert "记录业主意见" in footer_text(app)
        # the first room in the list is one not yet asked: agree, signed, form number
        await press(pilot, "enter")
        assert "在场签字" in screen_text(app)
        await press(pilot, "ctrl+s")  # signed in person without the form's number: refused
        assert "表单编号" in screen_text(app)
        assert votes(demo_db) == before
        await pilot.click("#vote-form-no")
        await press(pilot, *"YS-900")
        await press(pilot, "ctrl+s")
        shown = [str(n.message) for n in app._notifications]  # noqa: SLF001 - the toasts shown
        assert "已记录意见。" in shown
        assert "在场签字 " in screen_text(app)  # the room now shows how its vote was given
    assert votes(demo_db) == before + 1


async def test_the_count_in_english(demo_db: Path) -> None:
    sign_in(demo_db)
    app = make_app(demo_db, "en")
    async with app.run_test(size=SIZE) as pilot:
        await open_elevator(pilot)
        text = screen_text(app)
        assert "Still missing to pass: 2 more owners agreeing" in text
        assert "needs ≥ 3/4 of both" in text
        assert "not asked" in text


def test_snapshot_consultation(snap_compare: SnapCompare, demo_db: Path) -> None:
    sign_in(demo_db)
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=open_elevator)


def test_snapshot_consultation_in_english(snap_compare: SnapCompare, demo_db: Path) -> None:
    sign_in(demo_db)
    assert snap_compare(make_app(demo_db, "en"), terminal_size=SIZE, run_before=open_elevator)


def test_snapshot_vote_form(snap_compare: SnapCompare, demo_db: Path) -> None:
    async def run_before(pilot) -> None:  # noqa: ANN001
        await open_elevator(pilot)
        await press(pilot, "enter")

    sign_in(demo_db)
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=run_before)


def asked_and_not(db: Path) -> tuple[str, str]:
    """A household whose owner the demo elevator has not asked yet, and one outside it."""
    from gridwalker.store.tables import ConsultRoom, Household

    engine = open_database(db)
    with engine.connect() as conn:
        linked = select(ConsultRoom.household_uuid).where(ConsultRoom.household_uuid.is_not(None))
        not_asked = conn.execute(
            select(ConsultRoom.household_uuid)
            .where(
                ConsultRoom.household_uuid.is_not(None),
                ConsultRoom.uuid.not_in(select(ConsultVote.room_uuid)),
            )
            .limit(1)
        ).scalar_one()
        outside = conn.execute(
            select(Household.uuid).where(Household.uuid.not_in(linked)).limit(1)
        ).scalar_one()
    engine.dispose()
    return not_asked, outside


async def test_recording_the_owners_opinion_from_the_household(demo_db: Path) -> None:
    sign_in(demo_db)
    household, outside = asked_and_not(demo_db)
    before = votes(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_household(outside)
        await settle(pilot)
        await press(pilot, "o")
        shown = [str(n.message) for n in app._notifications]  # noqa: SLF001 - the toasts shown
        assert "没有正在征询这户业主的意见征询。" in shown
        app.open_household(household, replacing=outside)
        await settle(pilot)
        await press(pilot, "o")
        assert "加装电梯" in screen_text(app) and "在场签字" in screen_text(app)
        await press(pilot, "down")  # 不同意
        await pilot.click("#vote-form-no")
        await press(pilot, *"YS-901")
        await press(pilot, "ctrl+s")
        assert "已记录意见。" in [str(n.message) for n in app._notifications]  # noqa: SLF001
    assert votes(demo_db) == before + 1


async def test_a_title_with_markup_is_shown_as_written(demo_db: Path) -> None:
    from gridwalker.store.consult.consultations import create_consultation

    title = "[@click=app.quit]电梯[/]"
    engine = open_database(demo_db)
    with engine.begin() as conn:
        create_consultation(
            conn,
            "x",
            title=title,
            scope="XH-01-01/1栋",
            kind="survey",
            options=["[b]A", "B"],
            opens=date(2026, 11, 20),  # the newest: first in the list
        )
    engine.dispose()
    sign_in(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "k")
        assert title in screen_text(app)
        await press(pilot, "enter")  # the newest: this survey
        assert title in screen_text(app) and "[b]A" in screen_text(app)
        assert app.is_running


def doors(db: Path) -> tuple[str, str]:
    """A household of the demo elevator's building and unit, and one of another building."""
    from gridwalker.store.tables import Consultation, Household

    engine = open_database(db)
    with engine.connect() as conn:
        c = conn.execute(select(Consultation.building_uuid, Consultation.unit)).one()
        inside = conn.execute(
            select(Household.uuid)
            .where(Household.building_uuid == c.building_uuid, Household.unit == c.unit)
            .limit(1)
        ).scalar_one()
        outside = conn.execute(
            select(Household.uuid).where(Household.building_uuid != c.building_uuid).limit(1)
        ).scalar_one()
    engine.dispose()
    return inside, outside


async def test_the_round_shows_the_buildings_open_consultation(demo_db: Path) -> None:
    from gridwalker.store import rounds
    from gridwalker.tui.common.paged import PagedList
    from gridwalker.tui.field.consultation import ConsultationScreen
    from gridwalker.tui.field.round import RoundScreen

    sign_in(demo_db)
    inside, outside = doors(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "r")
        assert isinstance(app.screen, RoundScreen)
        text = screen_text(app)
        # one line per open consultation, with its live count
        assert "征询  2栋 1单元  2栋1单元加装电梯" in text
        assert "已参与 10/13 位业主 · 还差：2 位业主" in text
        listing = app.screen.query_one(PagedList)
        grid = app.member.grid_uuid
        with app.engine.connect() as conn:
            at_outside = rounds.round_position(conn, grid, outside, None)
            at_inside = rounds.round_position(conn, grid, inside, None)
        listing.move_to(at_outside)
        await settle(pilot)
        await press(pilot, "c")  # a door of another building: no consultation asks it
        shown = [str(n.message) for n in app._notifications]  # noqa: SLF001 - the toasts shown
        assert "本楼没有正在进行的意见征询。" in shown
        assert isinstance(app.screen, RoundScreen)
        listing.move_to(at_inside)
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if "2栋 1-" in line)
        assert row.rstrip(" │").endswith("征询")  # the door's badge
        await press(pilot, "c")
        assert isinstance(app.screen, ConsultationScreen)
        assert "加装电梯" in screen_text(app)


def register_of(db: Path) -> list[tuple[int | None, str, str, str]]:
    from gridwalker.store.tables import ConsultRoom

    engine = open_database(db)
    with engine.connect() as conn:
        rows = conn.execute(
            select(ConsultRoom.unit, ConsultRoom.room, ConsultRoom.owner, ConsultRoom.area)
        ).all()
    engine.dispose()
    return sorted(tuple(r) for r in rows)


async def test_typing_a_room_of_the_owner_register(demo_db: Path) -> None:
    from textual.widgets import Input

    from gridwalker.tui.field.owner_form import OwnerForm

    sign_in(demo_db)
    before = register_of(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_elevator(pilot)
        assert "添加房间" in footer_text(app)
        await press(pilot, "a")
        assert isinstance(app.screen, OwnerForm)
        form = app.screen
        form.query_one("#owner-room", Input).value = "801"
        form.query_one("#owner-owner", Input).value = "周八"
        form.query_one("#owner-area", Input).value = "0"
        await press(pilot, "ctrl+s")  # an area of 0: refused by name, nothing written
        assert "面积「0」应为大于 0" in screen_text(app)
        assert form.query_one("#owner-area", Input).has_class("-refused")
        assert register_of(demo_db) == before
        form.query_one("#owner-area", Input).value = "85.123"
        await press(pilot, "ctrl+s")  # three decimals
        assert "最多两位小数" in screen_text(app)
        assert register_of(demo_db) == before
        form.query_one("#owner-area", Input).value = "85.12"
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, OwnerForm)
        assert "业主名册已保存。" in [str(n.message) for n in app._notifications]  # noqa: SLF001
    after = register_of(demo_db)
    assert set(after) - set(before) == {(1, "801", "周八", "85.12")}


async def test_editing_a_rooms_owner_and_area(demo_db: Path) -> None:
    from textual.widgets import Input

    from gridwalker.tui.field.owner_form import OwnerForm

    sign_in(demo_db)
    before = register_of(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_elevator(pilot)
        await press(pilot, "e")  # the first room of the list
        assert isinstance(app.screen, OwnerForm)
        form = app.screen
        room = form.query_one("#owner-room", Input).value
        form.query_one("#owner-room", Input).value = ""
        await press(pilot, "ctrl+s")
        assert "房号为空" in screen_text(app)
        assert register_of(demo_db) == before
        form.query_one("#owner-room", Input).value = room
        form.query_one("#owner-area", Input).value = "99.5"
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, OwnerForm)
    changed = set(register_of(demo_db)) - set(before)
    assert len(changed) == 1 and next(iter(changed))[1:4:2] == (room, "99.50")
