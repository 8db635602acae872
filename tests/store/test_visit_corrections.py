"""Correcting a stored (returned) visit: `update_visit` checks it as a new visit is, over the
rev the form loaded; `correction_target` finds what a returned record is corrected in."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from gridwalker.domain import clock
from gridwalker.store import rounds
from gridwalker.store.returns import correction_target
from gridwalker.store.tables import Audit, Device, Visit
from gridwalker.store.writes import StaleWrite, Writer


def books(engine: Engine) -> tuple[int, int, list[tuple]]:
    """The change counter, the audit trail's length and every visit row."""
    with engine.connect() as conn:
        return (
            conn.execute(select(Device.change_counter)).scalar_one(),
            conn.execute(select(func.count()).select_from(Audit)).scalar_one(),
            [tuple(r) for r in conn.execute(select(Visit).order_by(Visit.uuid))],
        )


def a_visit(engine: Engine) -> rounds.StoredVisit:
    """A visit of the demo street with people seen, as the form loads it."""
    with engine.connect() as conn:
        uuid = (
            conn.execute(select(Visit.uuid).where(Visit.outcome == "visited").order_by(Visit.uuid))
            .scalars()
            .first()
        )
        stored = rounds.stored_visit(conn, uuid)
    assert stored is not None
    return stored


def test_a_correction_changes_the_visit_and_keeps_its_day(demo_engine: Engine) -> None:
    stored = a_visit(demo_engine)
    with demo_engine.begin() as conn:
        rev = rounds.update_visit(
            conn,
            "李晓梅",
            stored.uuid,
            replace(stored.data, concerns="已补充"),
            expect_rev=stored.rev,
        )
    with demo_engine.connect() as conn:
        row = conn.execute(select(Visit).where(Visit.uuid == stored.uuid)).one()
    assert rev is not None and row.rev == rev and row.concerns == "已补充"
    assert row.visited_on == stored.visited_on and row.household_uuid == stored.household_uuid


def test_a_follow_up_already_past_may_stay_but_not_be_set_anew(demo_engine: Engine) -> None:
    stored = a_visit(demo_engine)
    past = date(2026, 11, 1)
    with demo_engine.begin() as conn:
        kept = Writer(conn, "x").update("visit", stored.uuid, {"follow_up": past})
    data = replace(stored.data, follow_up=past.isoformat(), concerns="补充")
    with demo_engine.begin() as conn:
        assert rounds.update_visit(conn, "x", stored.uuid, data, expect_rev=kept)
    before = books(demo_engine)
    with pytest.raises(rounds.FormError) as caught, demo_engine.begin() as conn:
        rounds.update_visit(
            conn, "x", stored.uuid, replace(data, follow_up="2026-11-02"), expect_rev=None
        )
    assert caught.value.problems["follow_up"].code == "visit.follow_up_past"
    assert books(demo_engine) == before
    assert clock.today() > past


@pytest.mark.parametrize("bad", ["stranger", "nobody_home_seen", "stale"])
def test_a_bad_correction_writes_nothing(demo_engine: Engine, bad: str) -> None:
    stored = a_visit(demo_engine)
    data, expect = stored.data, stored.rev
    if bad == "stranger":
        data = replace(data, residents_seen=["not-of-this-household"])
    elif bad == "nobody_home_seen":
        data = replace(data, outcome="nobody_home", residents_seen=stored.data.residents_seen)
    else:
        with demo_engine.begin() as conn:  # another window saved it meanwhile
            Writer(conn, "other").update("visit", stored.uuid, {"concerns": "别处"})
        data = replace(data, concerns="我的")
    before = books(demo_engine)
    error = StaleWrite if bad == "stale" else rounds.FormError
    with pytest.raises(error), demo_engine.begin() as conn:
        rounds.update_visit(conn, "李晓梅", stored.uuid, data, expect_rev=expect)
    assert books(demo_engine) == before


def test_correction_targets(demo_engine: Engine) -> None:
    stored = a_visit(demo_engine)
    with demo_engine.connect() as conn:
        target = correction_target(conn, "visit", stored.uuid)
        assert target is not None and target.household_uuid == stored.household_uuid
        assert target.visit == stored and target.draft is None
        assert correction_target(conn, "visit", "no-such-visit") is None
        assert correction_target(conn, "household", stored.household_uuid) is not None
    with demo_engine.begin() as conn:
        Writer(conn, "x").delete("visit", stored.uuid)
    with demo_engine.connect() as conn:
        assert correction_target(conn, "visit", stored.uuid) is None
