"""Several desks on one queue (issue #15), at the desk: a record another desk holds shows who
has it and cannot be decided; decisions taken elsewhere show up without a restart.

The other desk is a second engine on the same hub database (another supervisor's machine,
or a second desk on one hub file); both engines, no mocks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from textual.pilot import Pilot
from textual.widgets import Static

from gridwalker.domain.choices import ReviewState
from gridwalker.store.desk import claims
from gridwalker.store.desk.decisions import approve
from gridwalker.store.desk.queue import QueueFilter, QueueRow, queue_page
from gridwalker.store.migrate import open_database
from gridwalker.store.tables.review import HubDecision
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.desk.queue import QueueScreen
from gridwalker.tui.desk.record import RecordScreen
from tests.support.apps import SIZE, footer_text, make_desk_app, press, settle
from tests.support.demo import SUPERVISOR
from tests.support.hubs import both_engines
from tests.support.scenes import BusyDesk

pytestmark = both_engines

OTHER_DESK, OTHER = "other-desk-01", "李主任"
POLL = 0.1  # the desk's screens look this often here (seconds), not every 3 s


@pytest.fixture
def other(busy_desk: BusyDesk) -> Iterator[Engine]:
    """Another desk's own engine on the same hub database."""
    engine = open_database(busy_desk.desk.db)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _poll_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QueueScreen, "POLL_SECONDS", POLL)
    monkeypatch.setattr(RecordScreen, "POLL_SECONDS", POLL)


def first_rows(engine: Engine, n: int) -> list[QueueRow]:
    with engine.connect() as conn:
        return queue_page(conn, QueueFilter(), 0, n)


def decisions(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(HubDecision)).scalar_one()


async def wait_for_polls(pilot: Pilot[None]) -> None:
    """Long enough for a few polls, then what they read is shown."""
    for _ in range(3):
        await pilot.pause(POLL * 2)
        await settle(pilot)


def head(app) -> str:  # noqa: ANN001 - the desk app
    return str(app.screen.query_one("#record-head", Static).render())


async def test_opening_a_record_claims_it_and_leaving_gives_it_up(
    busy_desk: BusyDesk, other: Engine
) -> None:
    first = first_rows(other, 1)[0]
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        with other.connect() as conn:
            claim = claims.live_claim(conn, first.entity, first.uuid)
        assert claim is not None and claim.actor == SUPERVISOR and claim.holder == app.desk_id
        # The other desk is told who has it.
        with other.begin() as conn:
            theirs = claims.claim(conn, first.entity, first.uuid, OTHER_DESK, OTHER)
        assert theirs.actor == SUPERVISOR and not theirs.held_by(OTHER_DESK)
        await press(pilot, "escape")
        assert isinstance(app.screen, QueueScreen)
        await settle(pilot)
        with other.connect() as conn:
            assert claims.live_claim(conn, first.entity, first.uuid) is None
        # Quitting the desk gives up whatever it still holds.
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
    with other.connect() as conn:
        assert claims.live_claim(conn, first.entity, first.uuid) is None


async def test_a_record_another_desk_holds_shows_who_and_cannot_be_decided(
    busy_desk: BusyDesk, other: Engine
) -> None:
    first = first_rows(other, 1)[0]
    with other.begin() as conn:
        claims.claim(conn, first.entity, first.uuid, OTHER_DESK, OTHER)
    before = decisions(other)
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        current = str(app.screen.query_one("#queue-current", Static).render())
        assert f"已被 {OTHER} 处理中" in current
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        assert f"已被 {OTHER} 处理中" in head(app) and "不能处理" in head(app)
        assert "通过" not in footer_text(app) and "退回" not in footer_text(app)
        await press(pilot, "a", "r")
        assert isinstance(app.screen, RecordScreen)  # no decision, no comment dialog
        assert decisions(other) == before
        await press(pilot, "escape")
        # From the queue the key is there, and the refusal says who has it.
        await press(pilot, "a")
        assert decisions(other) == before
        notes = " ".join(str(n.message) for n in app._notifications)  # noqa: SLF001
        assert f"已被 {OTHER} 处理中" in notes
    with other.connect() as conn:
        claim = claims.live_claim(conn, first.entity, first.uuid)
    assert claim is not None and claim.holder == OTHER_DESK  # the other desk's claim stands


async def test_a_record_freed_by_the_other_desk_can_be_decided_without_reopening(
    busy_desk: BusyDesk, other: Engine
) -> None:
    first = first_rows(other, 1)[0]
    with other.begin() as conn:
        claims.claim(conn, first.entity, first.uuid, OTHER_DESK, OTHER)
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert "处理中" in head(app)
        with other.begin() as conn:
            claims.release(conn, first.entity, first.uuid, OTHER_DESK)
        await wait_for_polls(pilot)
        assert "处理中" not in head(app)
        await press(pilot, "a")
        assert isinstance(app.screen, QueueScreen)
    with other.connect() as conn:
        assert conn.execute(
            select(HubDecision.actor).where(HubDecision.uuid == first.uuid)
        ).scalars().all() == [SUPERVISOR]


async def test_a_decision_from_another_desk_shows_in_the_open_queue_without_restart(
    busy_desk: BusyDesk, other: Engine
) -> None:
    first, second = first_rows(other, 2)
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        paged = app.screen.query_one(PagedList)
        assert paged.current.uuid == first.uuid
        count = paged.count
        counts = str(app.screen.query_one("#queue-counts", Static).render())
        assert "已通过 3" in counts
        with other.begin() as conn:
            item = (first.entity, first.uuid)
            approve(conn, [item], OTHER, desk=OTHER_DESK, seen={item: first.state})
        await wait_for_polls(pilot)
        assert paged.count == count - 1
        assert paged.current.uuid == second.uuid
        counts = str(app.screen.query_one("#queue-counts", Static).render())
        assert "已通过 4" in counts


async def test_a_record_decided_at_another_desk_while_open_says_so(
    busy_desk: BusyDesk, other: Engine
) -> None:
    first = first_rows(other, 1)[0]
    with other.begin() as conn:
        claims.claim(conn, first.entity, first.uuid, OTHER_DESK, OTHER)
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        with other.begin() as conn:
            item = (first.entity, first.uuid)
            approve(conn, [item], OTHER, desk=OTHER_DESK, seen={item: first.state})
            claims.release(conn, first.entity, first.uuid, OTHER_DESK)
        await wait_for_polls(pilot)
        assert app.screen.detail is not None
        assert app.screen.detail.state is ReviewState.APPROVED
        assert f"已由 {OTHER} 在另一审核台" in head(app)
        assert "通过" not in footer_text(app) and "退回" not in footer_text(app)
        await press(pilot, "r")
        assert isinstance(app.screen, RecordScreen)
    with other.connect() as conn:
        assert conn.execute(
            select(HubDecision.actor).where(HubDecision.uuid == first.uuid)
        ).scalars().all() == [OTHER]
