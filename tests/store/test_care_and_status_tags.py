"""Status tags (党员, 退役军人, 失业) are recorded but never make a care case (DOMAIN.md)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from gridwalker.domain import clock
from gridwalker.domain.choices import is_care_case
from gridwalker.store import rounds
from gridwalker.store.desk import coverage_lists
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Building, Household, Resident
from gridwalker.store.writes import Writer


def test_is_care_case() -> None:
    assert not is_care_case([])
    assert not is_care_case(["party_member", "veteran", "unemployed"])
    assert is_care_case(["party_member", "elderly_alone"])


def test_status_tags_alone_are_not_care_cases_in_lists_and_figures(small_street: Path) -> None:
    engine = open_database(small_street)
    with engine.begin() as conn:
        conn.execute(update(Resident).values(care_tags=[]))
        grid, first = conn.execute(
            select(Building.grid_uuid, Resident.uuid)
            .join(Household, Household.building_uuid == Building.uuid)
            .join(Resident, Resident.household_uuid == Household.uuid)
            .where(Resident.moved_out.is_(False), Resident.deleted.is_(False))
            .limit(1)
        ).one()
        others = (
            conn.execute(
                select(Resident.uuid)
                .join(Household, Household.uuid == Resident.household_uuid)
                .join(Building, Building.uuid == Household.building_uuid)
                .where(
                    Building.grid_uuid == grid,
                    Resident.uuid != first,
                    Resident.moved_out.is_(False),
                    Resident.deleted.is_(False),
                )
                .limit(1)
            )
            .scalars()
            .all()
        )
        second = others[0]
        writer = Writer(conn, "test")
        writer.update("resident", first, {"care_tags": ["party_member", "veteran", "unemployed"]})
        writer.update("resident", second, {"care_tags": ["party_member", "elderly_alone"]})
    today = clock.today()
    with engine.connect() as conn:
        listed_rows = rounds.care_not_seen(conn, grid, today)
        total, _seen = coverage_lists.care_by_grid(conn, today).get(grid, (0, 0))
        walk = {r.uuid: r.care for r in rounds.round_page(conn, grid, None, 0, 10_000, today)}
        homes = dict(
            conn.execute(
                select(Resident.uuid, Resident.household_uuid).where(
                    Resident.uuid.in_([first, second])
                )
            ).all()
        )
    engine.dispose()
    assert {r.resident_uuid for r in listed_rows} == {second}
    assert total == 1
    assert walk[homes[second]] and (homes[first] == homes[second] or not walk[homes[first]])
