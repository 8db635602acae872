"""What needs the member's attention today: care-tagged not seen, follow-ups, last export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, exists, false, select
from sqlalchemy.orm import aliased

from gridwalker.domain import clock
from gridwalker.domain.addresses import door
from gridwalker.store.rounds.cycle import grid_households
from gridwalker.store.rounds.walking import WALK_ORDER, has_care_tag
from gridwalker.store.tables import Building, Device, Household, Resident, Visit


@dataclass(frozen=True)
class CareRow:
    """A care-tagged resident not seen this cycle."""

    resident_uuid: str
    name: str
    care_tags: list[str]
    household_uuid: str
    address: str


def care_tagged():  # noqa: ANN201 - a SQL condition
    """A present resident with at least one care tag, of a live household (the field app's
    care list and the hub's coverage count the same people)."""
    return and_(
        Resident.deleted == false(),
        Resident.moved_out == false(),
        Household.deleted == false(),
        has_care_tag(),
    )


def care_not_seen(conn: Connection, grid_uuid: str, day: date | None = None) -> list[CareRow]:
    """Residents with care tags in the grid whom no visit of this cycle has seen."""
    start, end = clock.cycle_bounds(day or clock.today())
    seen: set[str] = set()
    visits = select(Visit.residents_seen).where(
        Visit.household_uuid.in_(grid_households(grid_uuid)),
        Visit.visited_on >= start,
        Visit.visited_on < end,
        Visit.deleted == false(),
    )
    for (people,) in conn.execute(visits):
        seen.update(people or [])
    stmt = (
        select(
            Resident.uuid,
            Resident.name,
            Resident.care_tags,
            Household.uuid,
            Building.name,
            Household.unit,
            Household.room,
        )
        .join(Household, Household.uuid == Resident.household_uuid)
        .join(Building, Building.uuid == Household.building_uuid)
        .where(
            Building.grid_uuid == grid_uuid,
            care_tagged(),
        )
        .order_by(*WALK_ORDER)
    )
    return [
        CareRow(r[0], r[1], list(r[2]), r[3], door(r[4], r[5], r[6]))
        for r in conn.execute(stmt)
        if r[0] not in seen
    ]


@dataclass(frozen=True)
class FollowUpRow:
    """A household whose last visit asked for a follow-up that is now due."""

    household_uuid: str
    address: str
    follow_up: date
    concerns: str


def follow_ups_due(conn: Connection, grid_uuid: str, day: date | None = None) -> list[FollowUpRow]:
    """Follow-ups due by today whose household has had no visit since."""
    today = day or clock.today()
    later = aliased(Visit)
    stmt = (
        select(
            Visit.household_uuid,
            Building.name,
            Household.unit,
            Household.room,
            Visit.follow_up,
            Visit.concerns,
        )
        .join(Household, Household.uuid == Visit.household_uuid)
        .join(Building, Building.uuid == Household.building_uuid)
        .where(
            Building.grid_uuid == grid_uuid,
            Visit.deleted == false(),
            Visit.follow_up.is_not(None),
            Visit.follow_up <= today,
            Household.deleted == false(),
            ~exists().where(  # the household's latest visit asked for it
                later.household_uuid == Visit.household_uuid,
                later.visited_at > Visit.visited_at,
                later.deleted == false(),
            ),
        )
        .order_by(Visit.follow_up, *WALK_ORDER)
    )
    return [FollowUpRow(r[0], door(r[1], r[2], r[3]), r[4], r[5] or "") for r in conn.execute(stmt)]


@dataclass(frozen=True)
class LastExport:
    """When this laptop last exported, and the file."""

    at: datetime | None
    file: str | None


def last_export(conn: Connection) -> LastExport:
    """The device's last export, if any."""
    row = conn.execute(select(Device.last_export_at, Device.last_export_file)).first()
    return LastExport(*(row or (None, None)))
