"""Several desks on one queue (issue #15): claims, and decisions taken once.

Every test runs on both engines with two real connections to one hub database (two engines:
two desks, as two supervisors' machines or two desks on one hub file).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from gridwalker.domain.choices import ReviewState
from gridwalker.store.desk import claims
from gridwalker.store.desk.decisions import approve, return_item
from gridwalker.store.desk.errors import ReviewError
from gridwalker.store.desk.queue import QueueFilter, QueueRow, queue_page
from gridwalker.store.migrate import open_database
from gridwalker.store.tables.review import HubClaim, HubDecision, HubReview
from tests.support.hubs import Desk, both_engines
from tests.support.laptops import Field

pytestmark = both_engines

DESK_A, DESK_B = "desk-a-0001", "desk-b-0002"


@pytest.fixture
def rows(desk: Desk, field_a: Field) -> list[QueueRow]:
    """The first records of a queue the laptop's bundle filled."""
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    with desk.engine.connect() as conn:
        return queue_page(conn, QueueFilter(), 0, 6)


@pytest.fixture
def other(desk: Desk) -> Iterator[Engine]:
    """A second desk's own engine on the same hub database."""
    engine = open_database(desk.db)
    yield engine
    engine.dispose()


def decisions_on(engine: Engine, uuid: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(HubDecision).where(HubDecision.uuid == uuid)
        ).scalar_one()


def state_of(engine: Engine, row: QueueRow) -> str:
    with engine.connect() as conn:
        return conn.execute(
            select(HubReview.state).where(
                HubReview.entity == row.entity, HubReview.uuid == row.uuid, HubReview.current
            )
        ).scalar_one()


def test_two_desks_open_one_record_one_claims_it_the_other_sees_who(
    desk: Desk, other: Engine, rows: list[QueueRow]
) -> None:
    row = rows[0]
    with desk.engine.begin() as conn:
        mine = claims.claim(conn, row.entity, row.uuid, DESK_A, "王书记")
    with other.begin() as conn:
        theirs = claims.claim(conn, row.entity, row.uuid, DESK_B, "李主任")
    assert mine.held_by(DESK_A) and mine.actor == "王书记"
    # The second desk is told who has it and since when; the claim stays the first desk's.
    assert not theirs.held_by(DESK_B)
    assert (theirs.holder, theirs.actor, theirs.claimed_at) == (DESK_A, "王书记", mine.claimed_at)
    assert "王书记" in theirs.refusal().zh and "处理中" in theirs.refusal().zh
    assert "being handled by 王书记" in theirs.refusal().en.lower()
    # A renewal by the holder keeps "since when" and moves the lease on.
    with desk.engine.begin() as conn:
        again = claims.claim(conn, row.entity, row.uuid, DESK_A, "王书记")
    assert again.claimed_at == mine.claimed_at and again.expires_at >= mine.expires_at
    with desk.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(HubClaim)).scalar_one() == 1
    # The queue names who has it for the other desks, not for the desk that has it.
    with other.connect() as conn:
        theirs_page = queue_page(conn, QueueFilter(), 0, 6, desk=DESK_B)
        mine_page = queue_page(conn, QueueFilter(), 0, 6, desk=DESK_A)
    assert [r.claimed_by for r in theirs_page] == ["王书记"] + [""] * (len(rows) - 1)
    assert [r.claimed_by for r in mine_page] == [""] * len(rows)


def test_a_claim_is_released_on_close_and_when_the_desk_quits(
    desk: Desk, other: Engine, rows: list[QueueRow]
) -> None:
    first, second = rows[0], rows[1]
    with desk.engine.begin() as conn:
        claims.claim(conn, first.entity, first.uuid, DESK_A, "王书记")
        claims.claim(conn, second.entity, second.uuid, DESK_A, "王书记")
    with other.begin() as conn:
        assert not claims.release(conn, first.entity, first.uuid, DESK_B)  # not B's to give
    with desk.engine.begin() as conn:
        assert claims.release(conn, first.entity, first.uuid, DESK_A)  # the record closed
    with other.begin() as conn:
        assert claims.claim(conn, first.entity, first.uuid, DESK_B, "李主任").held_by(DESK_B)
        assert not claims.claim(conn, second.entity, second.uuid, DESK_B, "李主任").held_by(DESK_B)
    with desk.engine.begin() as conn:
        assert claims.release_all(conn, DESK_A) == 1  # the desk quits
    with other.begin() as conn:
        assert claims.claim(conn, second.entity, second.uuid, DESK_B, "李主任").held_by(DESK_B)


def test_a_crashed_desks_claim_runs_out_after_its_lease(
    desk: Desk, other: Engine, rows: list[QueueRow]
) -> None:
    row = rows[0]
    lease = timedelta(seconds=1)
    with desk.engine.begin() as conn:
        claims.claim(conn, row.entity, row.uuid, DESK_A, "王书记", lease=lease)
    desk.engine.dispose()  # desk A is gone without releasing anything
    with other.begin() as conn:
        assert not claims.claim(conn, row.entity, row.uuid, DESK_B, "李主任").held_by(DESK_B)
    time.sleep(1.2)  # the lease runs out by the database's clock
    with other.begin() as conn:
        assert claims.live_claim(conn, row.entity, row.uuid) is None
        taken = claims.claim(conn, row.entity, row.uuid, DESK_B, "李主任")
    assert taken.held_by(DESK_B) and taken.actor == "李主任"
    # Desk A back from the dead cannot renew what it lost.
    with desk.engine.begin() as conn:
        renewed = claims.renew(conn, row.entity, row.uuid, DESK_A)
    assert renewed is not None and renewed.held_by(DESK_B)


def test_a_desk_cannot_decide_a_record_another_desk_holds(
    desk: Desk, other: Engine, rows: list[QueueRow]
) -> None:
    row = rows[0]
    with desk.engine.begin() as conn:
        claims.claim(conn, row.entity, row.uuid, DESK_A, "王书记")
    item = (row.entity, row.uuid)
    for decide in (
        lambda conn: approve(conn, [item], "李主任", desk=DESK_B, seen={item: row.state}),
        lambda conn: approve(conn, [(r.entity, r.uuid) for r in rows], "李主任", desk=DESK_B),
        lambda conn: return_item(conn, *item, "请核实", "李主任", desk=DESK_B, seen=row.state),
        lambda conn: approve(conn, [item], "李主任"),  # a desk of no claims at all (a script)
    ):
        with pytest.raises(ReviewError) as refused, other.begin() as conn:
            decide(conn)
        assert refused.value.invalid.code == "review.claimed"
        assert "王书记" in refused.value.invalid.zh
    assert decisions_on(other, row.uuid) == 0 and state_of(other, row) == row.state.value
    # The holder decides it.
    with desk.engine.begin() as conn:
        assert approve(conn, [item], "王书记", desk=DESK_A, seen={item: row.state}) == 1
    assert decisions_on(desk.engine, row.uuid) == 1


def test_a_record_decided_elsewhere_is_refused_with_who_and_nothing_written(
    desk: Desk, other: Engine, rows: list[QueueRow]
) -> None:
    row = rows[0]
    item = (row.entity, row.uuid)
    seen = {item: row.state}  # both desks showed it waiting
    with other.begin() as conn:
        approve(conn, [item], "李主任", desk=DESK_B, seen=seen)
    for decide in (
        lambda conn: approve(conn, [item], "王书记", desk=DESK_A, seen=seen),
        lambda conn: return_item(conn, *item, "请核实", "王书记", desk=DESK_A, seen=row.state),
    ):
        with pytest.raises(ReviewError) as refused, desk.engine.begin() as conn:
            decide(conn)
        assert refused.value.invalid.code == "review.decided_elsewhere"
        assert "李主任" in refused.value.invalid.zh and "李主任" in refused.value.invalid.en
    assert decisions_on(desk.engine, row.uuid) == 1
    assert state_of(desk.engine, row) == ReviewState.APPROVED.value


def _at_once(*calls: Callable[[], Any]) -> list[BaseException | None]:
    """Run the calls in threads released together; what each raised (None: it went through)."""
    start = threading.Barrier(len(calls))
    out: list[BaseException | None] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        start.wait()
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - collected for the test to look at
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return out


def test_two_desks_deciding_one_record_at_once_make_exactly_one_decision(
    desk: Desk, other: Engine, rows: list[QueueRow]
) -> None:
    def decide(engine: Engine, holder: str, actor: str, row: QueueRow, how: str) -> None:
        item = (row.entity, row.uuid)
        with engine.begin() as conn:
            if how == "approve":
                approve(conn, [item], actor, desk=holder, seen={item: row.state})
            else:
                return_item(conn, *item, "请核实", actor, desk=holder, seen=row.state)

    pairs = [
        ("approve", "approve"),
        ("approve", "return"),
        ("return", "approve"),
        ("return", "return"),
    ]
    for row, (how_a, how_b) in zip(rows[:4], pairs, strict=True):
        errors = _at_once(
            lambda row=row, how=how_a: decide(desk.engine, DESK_A, "王书记", row, how),
            lambda row=row, how=how_b: decide(other, DESK_B, "李主任", row, how),
        )
        assert decisions_on(desk.engine, row.uuid) == 1, errors
        refused = [e for e in errors if e is not None]
        assert len(refused) == 1, errors
        assert isinstance(refused[0], ReviewError)
        assert refused[0].invalid.code == "review.decided_elsewhere"
