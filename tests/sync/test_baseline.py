"""A laptop with history joins the hub (#13 §2): its past is the accepted baseline, not a queue
of thousands; what it does after enrolment is reviewed as usual."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from gridwalker.store.desk.arrivals import BASELINE
from gridwalker.store.tables import Household
from gridwalker.store.tables.review import HubReview
from gridwalker.sync.hub.enrol import enroll_pairing
from gridwalker.sync.keys import trust_hub
from gridwalker.sync.laptop.setup import pairing_for
from tests.support.hubs import Desk
from tests.support.laptops import Field, make_field


def joined(root: Path, template: Path, desk: Desk, *, baseline: bool) -> Field:
    lap = make_field(root, template, "lap-h", None)
    trust_hub(lap.home, desk.recipient)
    enroll_pairing(
        desk.engine, pairing_for(lap.home, "lap-h", "李晓梅", "XH-01-01"), baseline=baseline
    )
    return lap


def states(desk: Desk) -> dict[tuple[str, str | None], int]:
    desk.arrivals()
    with desk.engine.connect() as conn:
        return {
            (state, by if by == BASELINE else None): n
            for state, by, n in conn.execute(
                select(HubReview.state, HubReview.decided_by, func.count())
                .where(HubReview.current.is_(True))
                .group_by(HubReview.state, HubReview.decided_by)
            )
        }


def test_records_dated_before_enrolment_are_the_baseline(
    tmp_path: Path, small_street: Path, desk: Desk
) -> None:
    lap = joined(tmp_path / "lap", small_street, desk, baseline=False)
    assert desk.one(lap.export(full=True).path).status == "applied"
    desk.arrivals()
    with desk.engine.connect() as conn:
        rows = conn.execute(
            select(HubReview.day, HubReview.state, HubReview.decided_by).where(HubReview.current)
        ).all()
    enrolled = max(day for day, _s, _b in rows)  # the frozen today, the demo's last day
    before = [r for r in rows if r.day < enrolled]
    after = [r for r in rows if r.day >= enrolled]
    assert before and after
    assert all(r.state == "approved" and r.decided_by == BASELINE for r in before)
    assert all(r.state == "received" for r in after)


def test_with_baseline_the_whole_first_full_bundle_is_accepted(
    tmp_path: Path, small_street: Path, desk: Desk
) -> None:
    lap = joined(tmp_path / "lap", small_street, desk, baseline=True)
    assert desk.one(lap.export(full=True).path).status == "applied"
    first = states(desk)
    assert set(first) == {("approved", BASELINE)}, first
    # What the member does afterwards is reviewed as usual.
    with lap.engine.connect() as conn:
        household = conn.execute(select(Household.uuid).limit(1)).scalar_one()
    lap.edit("household", household, phone="13900000009")
    assert desk.one(lap.export().path).status == "applied"
    after = states(desk)
    assert after.get(("received", None)) == 1
