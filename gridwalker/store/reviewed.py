"""The reviewed entities, and each one's rows described for review: place, member, title.

The hub's review rows and the laptop's list of returned records name a record the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select

from gridwalker.domain.choices import IssueCategory, VisitOutcome
from gridwalker.store.tables import (
    Building,
    CensusRecord,
    Enterprise,
    Grid,
    Household,
    Issue,
    Resident,
    Visit,
)

REVIEWED: tuple[str, ...] = ("visit", "household", "resident", "census_record", "issue")


def _row_columns(model: Any) -> tuple[Any, ...]:
    """The columns every queue row starts with: which revision, who wrote it when, the
    change number it has in this database, and the device its version came from (hub)."""
    return (
        model.uuid,
        model.rev,
        model.deleted,
        model.updated_at,
        model.updated_by,
        model.change,
        model.device_id,
    )


def described(entity: str) -> tuple[Select[Any], Any]:
    """Per live row of a reviewed entity: sync columns, its day, place, member and title parts.

    Returns the statement and the entity's table model (to add conditions on its columns).
    """
    if entity == "visit":
        return (
            select(
                *_row_columns(Visit),
                Visit.visited_on.label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                Visit.street_uuid,
                func.coalesce(Visit.member_uuid, Grid.member_uuid).label("member_uuid"),
                Building.name.label("t1"),
                Household.unit.label("t2"),
                Household.room.label("t3"),
                Visit.outcome.label("t4"),
            )
            .select_from(Visit)
            .outerjoin(Household, Household.uuid == Visit.household_uuid)
            .outerjoin(Building, Building.uuid == Household.building_uuid)
            .outerjoin(Grid, Grid.uuid == Building.grid_uuid)
        ), Visit
    if entity == "household":
        return (
            select(
                *_row_columns(Household),
                literal(None).label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                Household.street_uuid,
                Grid.member_uuid,
                Building.name.label("t1"),
                Household.unit.label("t2"),
                Household.room.label("t3"),
                Household.head_name.label("t4"),
            )
            .select_from(Household)
            .outerjoin(Building, Building.uuid == Household.building_uuid)
            .outerjoin(Grid, Grid.uuid == Building.grid_uuid)
        ), Household
    if entity == "resident":
        return (
            select(
                *_row_columns(Resident),
                literal(None).label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                Resident.street_uuid,
                Grid.member_uuid,
                Building.name.label("t1"),
                Household.unit.label("t2"),
                Household.room.label("t3"),
                Resident.name.label("t4"),
            )
            .select_from(Resident)
            .outerjoin(Household, Household.uuid == Resident.household_uuid)
            .outerjoin(Building, Building.uuid == Household.building_uuid)
            .outerjoin(Grid, Grid.uuid == Building.grid_uuid)
        ), Resident
    if entity == "census_record":
        return (
            select(
                *_row_columns(CensusRecord),
                CensusRecord.census_date.label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                CensusRecord.street_uuid,
                func.coalesce(CensusRecord.member_uuid, Grid.member_uuid).label("member_uuid"),
                Building.name.label("t1"),
                CensusRecord.year.label("t2"),
                Enterprise.room.label("t3"),
                Enterprise.name.label("t4"),
            )
            .select_from(CensusRecord)
            .outerjoin(Enterprise, Enterprise.uuid == CensusRecord.enterprise_uuid)
            .outerjoin(Building, Building.uuid == Enterprise.building_uuid)
            .outerjoin(Grid, Grid.uuid == Building.grid_uuid)
        ), CensusRecord
    if entity == "issue":
        return (
            select(
                *_row_columns(Issue),
                Issue.reported_on.label("day"),
                Grid.uuid.label("grid_uuid"),
                Grid.community_uuid,
                Issue.street_uuid,
                func.coalesce(Issue.logged_by, Grid.member_uuid).label("member_uuid"),
                Issue.place.label("t1"),
                Issue.category.label("t2"),
                Issue.status.label("t3"),
                Issue.description.label("t4"),
            )
            .select_from(Issue)
            .outerjoin(Grid, Grid.uuid == Issue.grid_uuid)
        ), Issue
    raise ValueError(f"{entity!r} is not a reviewed entity ({', '.join(REVIEWED)})")


def title_of(entity: str, row: Any) -> str:
    """A short, language-neutral line naming the record (place, name, year)."""
    address = " ".join(
        str(p)
        for p in (row.t1, f"{row.t2}单元" if row.t2 is not None else None, row.t3)
        if p not in (None, "")
    )
    if entity == "visit":
        try:
            outcome = VisitOutcome(row.t4).zh
        except ValueError:
            outcome = str(row.t4)
        return f"{address} · {outcome}"
    if entity == "household":
        return f"{address} · {row.t4}" if row.t4 else address
    if entity == "resident":
        return f"{row.t4} · {address}"
    if entity == "census_record":
        return f"{row.t4 or '?'} · {row.t1 or ''} {row.t3 or ''} · {row.t2}".replace("  ", " ")
    try:
        category = IssueCategory(row.t2).zh
    except ValueError:
        category = str(row.t2)
    first = next((line.strip() for line in (row.t4 or "").splitlines() if line.strip()), "")
    return f"{category} · {row.t1 or ''} · {first[:40]}"
