"""A second street at a hub, written by the hub itself: a place chain and a few records of
each place-bound kind, to test what is filtered and confined by street."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine

from gridwalker.domain import clock
from gridwalker.store.desk.arrivals import record_arrivals
from gridwalker.store.writes import Writer

OTHER_STREET = "民权街道"
OTHER_GRID = "MQ-01-01"


@dataclass(frozen=True)
class OtherStreet:
    """The uuids of what `add_other_street` wrote."""

    street: str
    community: str
    grid: str
    building: str
    households: tuple[str, ...]
    residents: tuple[str, ...]
    visit: str
    enterprise: str
    census_record: str
    issue: str


def add_other_street(
    engine: Engine, name: str = OTHER_STREET, grid: str = OTHER_GRID
) -> OtherStreet:
    """Write a street of two households (a resident each, a visit, an issue) and a tower with
    one censused enterprise, through the Writer; then record the hub's arrivals."""
    today: date = clock.today()
    with engine.begin() as conn:
        w = Writer(conn, "枢纽测试")
        street = w.insert("street", {"name": name, "area_code": "420103"})
        community = w.insert("community", {"street_uuid": street, "name": "民权社区"})
        grid_uuid = w.insert("grid", {"community_uuid": community, "code": grid, "name": "第1网格"})
        building = w.insert(
            "building", {"grid_uuid": grid_uuid, "name": "民权里1栋", "kind": "mixed"}
        )
        households = tuple(
            w.insert_many(
                "household",
                [
                    {"building_uuid": building, "room": "101", "head_name": "赵大"},
                    {"building_uuid": building, "room": "102", "head_name": "钱二"},
                ],
            )
        )
        residents = tuple(
            w.insert_many(
                "resident",
                [
                    {"household_uuid": households[0], "name": "赵大"},
                    {"household_uuid": households[1], "name": "钱二"},
                ],
            )
        )
        visit = w.insert(
            "visit",
            {
                "household_uuid": households[0],
                "visited_on": today,
                "visited_at": datetime.combine(today, datetime.min.time(), clock.now().tzinfo),
                "outcome": "visited",
            },
        )
        enterprise = w.insert("enterprise", {"building_uuid": building, "name": "民权科技有限公司"})
        census_record = w.insert(
            "census_record",
            {"enterprise_uuid": enterprise, "year": today.year, "census_date": today},
        )
        issue = w.insert(
            "issue",
            {
                "grid_uuid": grid_uuid,
                "household_uuid": households[1],
                "category": "parking",
                "description": "楼下停车难",
                "reported_on": today,
            },
        )
        record_arrivals(conn)
    return OtherStreet(
        street,
        community,
        grid_uuid,
        building,
        households,
        residents,
        visit,
        enterprise,
        census_record,
        issue,
    )
