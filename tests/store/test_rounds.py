"""Rounds: coverage, the walking list, next unvisited, visits, roster edits, drafts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from gridwalker.domain.forms import ResidentInput, VisitInput
from gridwalker.store import rounds
from gridwalker.store.tables import Building, Device, Grid, Household, Resident, Visit

TODAY = date(2026, 11, 20)


@pytest.fixture
def grid(demo_engine) -> str:
    with demo_engine.connect() as conn:
        return conn.execute(select(Grid.uuid)).scalar_one()


def counter(conn) -> int:
    return conn.execute(select(Device.change_counter)).scalar_one()


def hand_count(conn, grid: str) -> tuple[int, int]:
    """Total households and those with a covering visit this month, counted directly."""
    total = conn.execute(select(func.count()).select_from(Household)).scalar_one()
    covered = conn.execute(
        select(func.count(func.distinct(Visit.household_uuid))).where(
            Visit.visited_on >= date(2026, 11, 1), Visit.outcome != "nobody_home"
        )
    ).scalar_one()
    return total, covered


def test_coverage_matches_a_hand_count(demo_engine, grid) -> None:
    with demo_engine.connect() as conn:
        cov = rounds.coverage(conn, grid)
        assert (cov.total, cov.visited) == hand_count(conn, grid)
        assert 0 < cov.revisit < cov.total
        assert rounds.round_count(conn, grid, "visited") == cov.visited
        assert rounds.round_count(conn, grid, "revisit") == cov.revisit
        assert rounds.round_count(conn, grid, None) == cov.total


def test_round_page_is_in_walking_order(demo_engine, grid) -> None:
    with demo_engine.connect() as conn:
        rows = rounds.round_page(conn, grid, None, 0, 1000)
        seqs = dict(conn.execute(select(Building.name, Building.seq)).all())
    keys = [(seqs[r.building], r.unit, r.floor, r.room) for r in rows]
    assert keys == sorted(keys) and len(rows) == 400
    with demo_engine.connect() as conn:
        page = rounds.round_page(conn, grid, None, 10, 5)
    assert [r.uuid for r in page] == [r.uuid for r in rows[10:15]]


def test_next_unvisited_follows_walking_order_and_wraps(demo_engine, grid) -> None:
    with demo_engine.connect() as conn:
        rows = rounds.round_page(conn, grid, None, 0, 1000)
        todo = [r.uuid for r in rows if r.status != "visited"]
        assert rounds.next_unvisited(conn, grid) == todo[0]
        assert rounds.next_unvisited(conn, grid, todo[0]) == todo[1]
        assert rounds.next_unvisited(conn, grid, todo[-1]) == todo[0]  # wraps round
        visited = next(r.uuid for r in rows if r.status == "visited")
        i = [r.uuid for r in rows].index(visited)
        expected = next(r.uuid for r in rows[i + 1 :] if r.status != "visited")
        assert rounds.next_unvisited(conn, grid, visited) == expected
        assert rounds.round_position(conn, grid, rows[37].uuid) == 37
        assert rounds.round_position(conn, grid, visited, "todo") is None  # not in that list


def test_a_visit_changes_coverage_and_drops_the_draft(demo_engine, grid) -> None:
    with demo_engine.begin() as conn:
        before = rounds.coverage(conn, grid)
        hh = rounds.next_unvisited(conn, grid)
        people = rounds.residents_of(conn, hh)
        rounds.save_draft(conn, rounds.visit_draft_key(hh), "visit", "x", {"visit": {}})
        uuid = rounds.save_visit(
            conn,
            "李晓梅",
            None,
            hh,
            VisitInput(
                outcome="visited",
                residents_seen=[p.uuid for p in people[:1]],
                concerns="楼道灯坏了",
            ),
        )
        after = rounds.coverage(conn, grid)
        assert after.visited == before.visited + 1
        assert rounds.load_draft(conn, rounds.visit_draft_key(hh)) is None
        history = rounds.visits_of(conn, hh)
        assert history[0].uuid == uuid and history[0].concerns == "楼道灯坏了"
        assert rounds.next_unvisited(conn, grid) != hh


def test_invalid_visit_writes_nothing(demo_engine, grid) -> None:
    with demo_engine.begin() as conn:
        hh = rounds.next_unvisited(conn, grid)
        before = counter(conn)
        with pytest.raises(rounds.FormError) as err:
            rounds.save_visit(
                conn, "t", None, hh, VisitInput(outcome="visited", follow_up="2026-01-01")
            )
        assert set(err.value.problems) == {"follow_up"}
        assert counter(conn) == before


def test_roster_edits(demo_engine, grid) -> None:
    with demo_engine.begin() as conn:
        hh = rounds.next_unvisited(conn, grid)
        new = rounds.add_resident(
            conn,
            "t",
            hh,
            ResidentInput(
                name="新生儿", sex="female", birth_date="2026-10-01", relation="grandchild"
            ),
        )
        roster = rounds.residents_of(conn, hh)
        assert new in [r.uuid for r in roster]
        edited = next(r for r in roster if r.uuid == new).as_input()
        edited.phone = "13912345678"
        assert rounds.update_resident(conn, "t", new, edited)
        assert rounds.update_resident(conn, "t", new, edited) is None  # no change, no write
        rounds.move_out(conn, "t", new)
        row = next(r for r in rounds.residents_of(conn, hh) if r.uuid == new)
        assert row.moved_out and row.phone == "13912345678"
        before = counter(conn)
        with pytest.raises(rounds.FormError) as err:
            rounds.add_resident(conn, "t", hh, ResidentInput(name="", phone="123"))
        assert set(err.value.problems) == {"name", "phone"}
        assert counter(conn) == before


def test_care_not_seen_and_follow_ups(demo_engine, grid) -> None:
    with demo_engine.begin() as conn:
        missing = rounds.care_not_seen(conn, grid)
        assert missing
        target = missing[0]
        rounds.save_visit(
            conn,
            "t",
            None,
            target.household_uuid,
            VisitInput(residents_seen=[target.resident_uuid], follow_up=TODAY.isoformat()),
        )
        assert target.resident_uuid not in [
            c.resident_uuid for c in rounds.care_not_seen(conn, grid)
        ]
        due = rounds.follow_ups_due(conn, grid)
        assert target.household_uuid in [f.household_uuid for f in due]
        assert all(f.follow_up <= TODAY for f in due)
        assert rounds.follow_ups_due(conn, grid, TODAY - timedelta(days=400)) == []


def test_drafts_round_trip(demo_engine) -> None:
    with demo_engine.begin() as conn:
        data = VisitInput(outcome="request", concerns="希望加装电梯")
        rounds.save_draft(conn, "visit:x", "visit", "1栋 101", rounds.visit_payload(data))
        rounds.save_draft(
            conn, "visit:x", "visit", "1栋 101", rounds.visit_payload(data, [{"op": "add"}])
        )
        drafts = rounds.list_drafts(conn)
        assert [d.key for d in drafts] == ["visit:x"]
        back, changes = rounds.visit_from_payload(drafts[0].payload)
        assert back == data and changes == [{"op": "add"}]
        rounds.delete_draft(conn, "visit:x")
        assert rounds.list_drafts(conn) == []


def test_members_and_household_info(demo_engine, grid) -> None:
    with demo_engine.connect() as conn:
        members = rounds.members(conn)
        assert members[0].name == "李晓梅" and members[0].grid_code == "XH-01-01"
        hh = conn.execute(select(Household.uuid).limit(1)).scalar_one()
        info = rounds.household_info(conn, hh)
        assert info.address.startswith("邮三社区·") and info.grid_uuid == grid
        assert rounds.household_info(conn, "nope") is None
        n = conn.execute(
            select(func.count()).select_from(Resident).where(Resident.household_uuid == hh)
        ).scalar_one()
        assert len(rounds.residents_of(conn, hh)) == n
