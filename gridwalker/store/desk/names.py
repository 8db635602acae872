"""The names and places a record's uuids stand for, so the desk shows words, not ids.

A visit names its household, its member, the residents seen and those with care checks; a
resident its household; a census record its enterprise; an issue its grid, building,
household, enterprise or visit. Each uuid is looked up once, in whichever table holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from gridwalker.domain.addresses import address, door
from gridwalker.store.tables import (
    Building,
    Community,
    Enterprise,
    Grid,
    Household,
    Member,
    Resident,
    Visit,
)

BATCH = 500


def uuids_in(data: dict[str, Any]) -> set[str]:
    """Every uuid a record's data names: its *_uuid fields, the residents seen, the care
    checks' residents and the residents of its roster changes."""
    found: set[str] = set()
    for name, value in data.items():
        if name.endswith("_uuid") and isinstance(value, str) and value:
            found.add(value)
    found.update(v for v in data.get("residents_seen") or [] if isinstance(v, str))
    checks = data.get("care_checks")
    if isinstance(checks, dict):
        found.update(k for k in checks if isinstance(k, str))
    for change in data.get("roster_changes") or []:
        if isinstance(change, dict) and isinstance(change.get("resident"), str):
            found.add(change["resident"])
    return found


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


def names_of(conn: Connection, records: Iterable[dict[str, Any]]) -> dict[str, str]:
    """uuid -> words (a person's name, a household's address, a grid's code and name …) for
    every uuid the records name that this database knows."""
    wanted: set[str] = set()
    for data in records:
        wanted |= uuids_in(data)
    wanted.discard("")
    names: dict[str, str] = {}
    for chunk in _chunks(sorted(wanted)):
        for uuid, name in conn.execute(
            select(Member.uuid, Member.name).where(Member.uuid.in_(chunk))
        ):
            names[uuid] = name
        for uuid, name in conn.execute(
            select(Resident.uuid, Resident.name).where(Resident.uuid.in_(chunk))
        ):
            names[uuid] = name
        for r in conn.execute(
            select(
                Household.uuid,
                Household.unit,
                Household.room,
                Building.name.label("building"),
                Community.name.label("community"),
            )
            .join(Building, Building.uuid == Household.building_uuid)
            .join(Grid, Grid.uuid == Building.grid_uuid)
            .join(Community, Community.uuid == Grid.community_uuid)
            .where(Household.uuid.in_(chunk))
        ):
            names[r.uuid] = address(r.community, r.building, r.unit, r.room)
        for uuid, name in conn.execute(
            select(Enterprise.uuid, Enterprise.name).where(Enterprise.uuid.in_(chunk))
        ):
            names[uuid] = name
        for uuid, name in conn.execute(
            select(Building.uuid, Building.name).where(Building.uuid.in_(chunk))
        ):
            names[uuid] = name
        for uuid, code, name in conn.execute(
            select(Grid.uuid, Grid.code, Grid.name).where(Grid.uuid.in_(chunk))
        ):
            names[uuid] = f"{code} {name}"
        for uuid, name in conn.execute(
            select(Community.uuid, Community.name).where(Community.uuid.in_(chunk))
        ):
            names[uuid] = name
        for r in conn.execute(
            select(
                Visit.uuid,
                Visit.visited_on,
                Household.unit,
                Household.room,
                Building.name.label("building"),
            )
            .join(Household, Household.uuid == Visit.household_uuid)
            .join(Building, Building.uuid == Household.building_uuid)
            .where(Visit.uuid.in_(chunk))
        ):
            names[r.uuid] = f"{r.visited_on.isoformat()} {door(r.building, r.unit, r.room)}"
    return names
