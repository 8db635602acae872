"""The desk's decisions on conflicts and held bundles, and its figures against hand counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gridwalker.domain import clock
from gridwalker.domain.choices import ReviewState, VisitOutcome, is_care_case
from gridwalker.store.desk.conflicts import (
    conflict_count,
    conflict_detail,
    conflict_page,
    resolve_conflict,
)
from gridwalker.store.desk.coverage import coverage_table
from gridwalker.store.desk.decisions import return_item
from gridwalker.store.desk.errors import ReviewError
from gridwalker.store.desk.members import SPARK_DAYS, member_stats
from gridwalker.store.desk.queue import QueueFilter, queue_count, queue_page
from gridwalker.store.desk.records import record_detail
from gridwalker.store.ledger import bundle_count, bundle_page, held_bundles
from gridwalker.store.tables import Building, Household, Issue, Resident, Visit
from gridwalker.store.tables.hub import HubConflict, HubRev
from gridwalker.store.tables.review import HubResolution
from gridwalker.sync.hub.backlog import BacklogProblem, force_apply
from tests.support.bundles import rebuild
from tests.support.demo import DEMO_TODAY, MEMBER
from tests.support.hubs import Desk, both_engines
from tests.support.laptops import Field, make_field


def _household(lap: Field) -> str:
    with lap.engine.connect() as conn:
        return conn.execute(select(Household.uuid).order_by(Household.uuid).limit(1)).scalar_one()


@both_engines
def test_conflict_resolution_is_a_new_revision_with_who_and_why(
    desk: Desk, field_a: Field, tmp_path: Path, small_street: Path
) -> None:
    field_b = make_field(tmp_path / "lap-b", small_street, "lap-b", desk)
    uuid = _household(field_a)
    assert desk.one(field_a.export().path).status == "applied"
    assert desk.one(field_b.export().path).status == "applied"
    field_a.edit("household", uuid, phone="13900000001", head_name="甲")
    field_b.edit("household", uuid, phone="18600000002")
    assert desk.one(field_a.export().path).status == "applied"
    assert desk.one(field_b.export().path).conflicts == 1
    desk.arrivals()
    with desk.engine.begin() as conn:
        assert conflict_count(conn) == 1
        [row] = conflict_page(conn, 0, 10)
        assert (row.entity, row.uuid, row.fields) == ("household", uuid, ["phone"])
        detail = conflict_detail(conn, row.id)
        [phone] = detail.fields
        assert {phone.mine, phone.theirs} == {"13900000001", "18600000002"}
        assert len(detail.versions) == 2
        assert queue_count(conn, QueueFilter(flags=frozenset({"conflict"}))) == 1
        with pytest.raises(ReviewError):
            resolve_conflict(conn, row.id, {"phone": "theirs"}, "王书记", "")
        with pytest.raises(ReviewError):
            resolve_conflict(conn, row.id, {"room": "mine"}, "王书记", "核实")
        merged_rev = record_detail(conn, "household", uuid).record["rev"]
        rev = resolve_conflict(
            conn, row.id, {"phone": "13911112222"}, "王书记", "电话核实为户主本人新号码"
        )
        assert rev != merged_rev
        live = record_detail(conn, "household", uuid)
        assert live.record["phone"] == "13911112222" and live.record["head_name"] == "甲"
        assert live.record["updated_by"] == "王书记" and live.record["base_rev"] == merged_rev
        resolution = conn.execute(select(HubResolution)).one()
        assert (resolution.actor, resolution.reason, resolution.rev) == (
            "王书记",
            "电话核实为户主本人新号码",
            rev,
        )
        assert conflict_count(conn) == 0
        assert (
            conn.execute(
                select(func.count()).select_from(HubConflict).where(HubConflict.status == "open")
            ).scalar_one()
            == 0
        )
        assert not conn.execute(select(HubRev.rev).where(HubRev.head)).all()
        assert live.state == ReviewState.APPROVED
    # The laptops' versions arriving again change nothing: the resolution descends from both.
    assert desk.one(field_b.home.outbox / "gridwalker-lap-b-000002.zip.age").status == "already"
    field_b.edit("household", uuid, unit=3)
    assert desk.one(field_b.export().path).status == "applied"
    with desk.engine.connect() as conn:
        live = record_detail(conn, "household", uuid).record
        assert (live["phone"], live["unit"]) == ("13911112222", 3)
        assert conflict_count(conn) == 0
    # The resolution goes back to laptop A, whose copy it descends from.
    result = desk.export_to("lap-a")
    assert result.counts.get("household") == 1
    outcome = field_a.apply(result.paths[0])
    assert outcome.status == "applied" and outcome.applied == 1, outcome.message
    with field_a.engine.connect() as conn:
        assert (
            conn.execute(select(Household.phone).where(Household.uuid == uuid)).scalar_one()
            == "13911112222"
        )
    field_b.engine.dispose()


@both_engines
def test_force_apply_of_a_held_bundle(desk: Desk, field_a: Field) -> None:
    uuid = _household(field_a)
    one = field_a.export().path
    field_a.edit("household", uuid, phone="13900000001")
    two = field_a.export().path
    field_a.edit("household", uuid, phone="13900000002")
    three = field_a.export().path
    field_a.edit("household", uuid, phone="13900000003")
    four = field_a.export().path
    assert desk.one(one).status == "applied"
    assert desk.one(three).status == "held"
    assert desk.one(four).status == "held"
    with desk.engine.connect() as conn:
        held = held_bundles(conn)
        assert [(h.seq, h.missing) for h in held] == [(3, [2]), (4, [2])]
    outcome = force_apply(desk.engine, desk.home, held[0].id, "王书记")
    assert (outcome.applied, outcome.missing) == (1, [2])
    assert [(o.seq, o.status) for o in outcome.after] == [(4, "applied")]
    with desk.engine.connect() as conn:
        phone = conn.execute(select(Household.phone).where(Household.uuid == uuid)).scalar_one()
        assert phone == "13900000003"
        assert held_bundles(conn) == []
        books = {b.seq: b for b in bundle_page(conn, 0, 10)}
        assert sorted(books) == [1, 3, 4]
        assert (books[3].forced_by, books[3].missing) == ("王书记", (2,))
        assert books[4].forced_by is None
    outcomes = desk.import_(two)  # the missing bundle arrives: applied, nothing lost
    assert [(o.seq, o.status) for o in outcomes] == [(2, "applied")]
    with desk.engine.connect() as conn:
        phone = conn.execute(select(Household.phone).where(Household.uuid == uuid)).scalar_one()
        assert phone == "13900000003"  # the later edit stays: seq 2's edit is its ancestor
        assert bundle_count(conn) == 4
        books = {b.seq: b for b in bundle_page(conn, 0, 10)}
        assert (books[3].forced_by, books[3].missing) == ("王书记", ())
        assert conflict_count(conn) == 0


def test_a_late_bundle_that_does_not_fit_the_forced_chain_is_a_fork(
    desk: Desk, field_a: Field
) -> None:
    uuid = _household(field_a)
    one = field_a.export(plaintext=True).path
    field_a.edit("household", uuid, phone="13900000001")
    two = field_a.export(plaintext=True).path
    field_a.edit("household", uuid, phone="13900000002")
    three = field_a.export(plaintext=True).path
    # Another seq 2, validly signed, that is not the one seq 3 names as its predecessor.
    other = rebuild(
        field_a, two, two.with_name("other-" + two.name), edit_manifest={"bundle_id": "x"}
    )
    assert desk.one(one).status == "applied"
    assert desk.one(three).status == "held"
    with desk.engine.connect() as conn:
        [held] = held_bundles(conn)
    force_apply(desk.engine, desk.home, held.id, "王书记")
    outcome = desk.one(other)
    assert (outcome.status, outcome.reason) == ("refused", "fork")
    assert "follows another seq 2" in outcome.message
    assert desk.one(two).status == "applied"  # the real one still fits
    with desk.engine.connect() as conn:
        assert bundle_count(conn) == 3


def test_forcing_needs_a_name_and_a_held_bundle(desk: Desk) -> None:
    with pytest.raises(BacklogProblem, match="no held bundle"):
        force_apply(desk.engine, desk.home, 99, "王书记")
    with pytest.raises(BacklogProblem, match="who forces"):
        force_apply(desk.engine, desk.home, 99, " ")


@both_engines
def test_coverage_figures_against_hand_counts(desk: Desk, field_a: Field) -> None:
    desk.one(field_a.export().path)
    start, end = clock.cycle_bounds(DEMO_TODAY)
    with desk.engine.connect() as conn:
        table = coverage_table(conn, DEMO_TODAY)
        grids = [r for r in table if r.level == "grid"]
        households = conn.execute(
            select(Household.uuid, Building.grid_uuid).join(
                Building, Building.uuid == Household.building_uuid
            )
        ).all()
        grid_of = dict(households)
        visits = conn.execute(
            select(Visit.household_uuid, Visit.outcome, Visit.residents_seen).where(
                Visit.visited_on >= start, Visit.visited_on < end
            )
        ).all()
        residents = conn.execute(
            select(Resident.uuid, Resident.household_uuid, Resident.care_tags)
        ).all()
        issues = conn.execute(
            select(Issue.grid_uuid, Issue.category, Issue.status, Issue.due_date)
        ).all()
    seen = {r for v in visits for r in v.residents_seen}
    for row in grids:
        mine = {h for h, g in grid_of.items() if g == row.grid_uuid}
        covered = {v.household_uuid for v in visits if v.outcome != VisitOutcome.NOBODY_HOME}
        assert row.households == len(mine)
        assert row.visited == len(covered & mine)
        care = [r for r in residents if r.household_uuid in mine and is_care_case(r.care_tags)]
        assert row.care_residents == len(care)
        assert row.care_seen == sum(r.uuid in seen for r in care)
        opened = [
            i
            for i in issues
            if i.grid_uuid == row.grid_uuid
            and i.status not in ("draft", "declined", "resolved", "verified", "closed")
        ]
        assert row.open_total == len(opened)
        overdue = [
            i
            for i in opened
            if i.status not in ("resolved", "verified") and i.due_date and i.due_date < DEMO_TODAY
        ]
        assert row.overdue_total == len(overdue)
    street = table[-1]
    assert street.level == "street"
    assert street.households == len(households) and street.visited == sum(g.visited for g in grids)


@both_engines
def test_member_stats(desk: Desk, field_a: Field) -> None:
    desk.one(field_a.export().path)
    desk.arrivals()
    with desk.engine.begin() as conn:
        first = queue_page(conn, QueueFilter(entity="visit"), 0, 1)[0]
        return_item(conn, "visit", first.uuid, "请补充", "王书记")
        stats = {s.name: s for s in member_stats(conn, DEMO_TODAY)}
        since = date.fromordinal(DEMO_TODAY.toordinal() - SPARK_DAYS + 1)
        per_member = dict(
            conn.execute(
                select(Visit.member_uuid, func.count())
                .where(Visit.visited_on >= since, Visit.visited_on <= DEMO_TODAY)
                .group_by(Visit.member_uuid)
            ).all()
        )
    me = stats[MEMBER]
    assert len(me.visits_per_day) == SPARK_DAYS
    assert sum(me.visits_per_day) == per_member[me.member_uuid]
    assert me.last_bundle_age_days == 0 and me.last_bundle_at is not None
    assert me.returned_open == 1
    assert 0 < me.households_covered <= me.households
    assert all(s.last_bundle_at is None for n, s in stats.items() if n != MEMBER)
