"""A consultation a supervisor closed at the hub, on the laptop after the next hub bundle: shown
closed with its fixed result, and `v` refuses a new vote saying why (nothing written)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from textual.pilot import Pilot

from gridwalker import config
from gridwalker.store.desk.consultations import close_consultation
from gridwalker.store.tables import Consultation, ConsultVote, Member
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.consultation import ConsultationScreen
from tests.support.apps import SIZE, make_app, press, screen_text, settle
from tests.support.demo import MEMBER, SUPERVISOR
from tests.support.hubs import Desk
from tests.support.laptops import Field

SnapCompare = Callable[..., bool]


@pytest.fixture
def closed(desk: Desk, field_a: Field) -> Iterator[Field]:
    """Laptop A after the hub closed the small street's elevator consultation and sent it."""
    assert desk.one(field_a.export().path).status == "applied"
    with desk.engine.begin() as conn:
        uuid = conn.execute(select(Consultation.uuid)).scalar_one()
        close_consultation(conn, SUPERVISOR, uuid)
    assert field_a.apply(desk.export_to("lap-a").paths[0]).status == "applied"
    yield field_a


def laptop_app(field: Field, lang: str = "zh") -> GridwalkerApp:
    """The field app of a laptop, its member signed in."""
    with field.engine.connect() as conn:
        member = conn.execute(select(Member.uuid).where(Member.name == MEMBER)).scalar_one()
    config.save_settings(field.home, config.Settings(member_uuid=member, member_name=MEMBER))
    return make_app(field.db, lang, home=field.home)


def votes(field: Field) -> int:
    with field.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ConsultVote)).scalar_one()


async def open_elevator(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await press(pilot, "k")  # Today → the grid's consultations
    await press(pilot, "enter")


async def test_the_laptop_shows_it_closed_and_refuses_a_vote(closed: Field) -> None:
    before = votes(closed)
    app = laptop_app(closed)
    async with app.run_test(size=SIZE) as pilot:
        await open_elevator(pilot)
        assert isinstance(app.screen, ConsultationScreen)
        text = screen_text(app)
        assert "已结束" in text
        assert f"由 {SUPERVISOR} 结束征询：结果已固定" in text
        assert "还差：2 位业主" in text  # the fixed result: short of passing when closed
        await press(pilot, "v")
        assert isinstance(app.screen, ConsultationScreen)  # no vote form
        shown = [str(n.message) for n in app._notifications]  # noqa: SLF001 - the toasts shown
        assert any("结果已固定，不再记录意见" in m for m in shown)
    assert votes(closed) == before


def test_snapshot_closed_consultation_on_the_laptop(
    snap_compare: SnapCompare, closed: Field
) -> None:
    assert snap_compare(laptop_app(closed), terminal_size=SIZE, run_before=open_elevator)
