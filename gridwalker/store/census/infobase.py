"""The census information base: every enterprise with its latest record, filtered and paged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, Subquery, false, func, literal, select

from gridwalker.domain.choices import Industry, PartyOrgStatus
from gridwalker.store.census.conditions import (
    flag_condition,
    latest_record,
    room_order,
    still_present,
    this_year,
)
from gridwalker.store.census.rows import InfoFilter, InfoRow, safe_flags
from gridwalker.store.census.values import choice_code
from gridwalker.store.tables import Building, Enterprise


def _infobase_query(flt: InfoFilter, latest: Subquery, columns: list[Any]) -> Select[Any]:
    """The information base's rows for a filter, selecting `columns`."""
    stmt = (
        select(*columns)
        .select_from(Enterprise)
        .join(Building, Building.uuid == Enterprise.building_uuid)
        .outerjoin(latest, latest.c.enterprise_uuid == Enterprise.uuid)
        .where(Enterprise.deleted == false(), Building.deleted == false())
    )
    if not flt.include_gone:
        stmt = stmt.where(still_present())
    if flt.grid_uuid is not None:
        stmt = stmt.where(Building.grid_uuid == flt.grid_uuid)
    if flt.street_uuid is not None:
        stmt = stmt.where(Enterprise.street_uuid == flt.street_uuid)
    if flt.tower_uuid is not None:
        stmt = stmt.where(Enterprise.building_uuid == flt.tower_uuid)
    if flt.industry is not None:
        stmt = stmt.where(Enterprise.industry == choice_code(Industry, flt.industry))
    if flt.party_org_status is not None:
        status = choice_code(PartyOrgStatus, flt.party_org_status)
        stmt = stmt.where(
            func.coalesce(latest.c.party_org_status, literal(PartyOrgStatus.NONE.value)) == status
        )
    if flt.flag is not None:
        stmt = stmt.where(flag_condition(flt.flag, latest))
    return stmt


def infobase_count(conn: Connection, flt: InfoFilter) -> int:
    """How many enterprises the information base shows for a filter."""
    latest = latest_record(this_year(flt.year))
    stmt = _infobase_query(flt, latest, [func.count()])
    return int(conn.execute(stmt).scalar_one())


def infobase_page(conn: Connection, flt: InfoFilter, offset: int, limit: int) -> list[InfoRow]:
    """One page of the information base: tower, floor, room order."""
    if offset < 0 or limit < 0:
        raise ValueError(f"offset and limit must not be negative (got {offset}, {limit})")
    latest = latest_record(this_year(flt.year))
    columns = [
        Enterprise.uuid,
        Building.uuid,
        Building.name,
        Enterprise.floor,
        Enterprise.room,
        Enterprise.name,
        Enterprise.uscc,
        Enterprise.industry,
        Enterprise.ownership,
        latest.c.scale,
        latest.c.employees,
        Enterprise.operating_status,
        latest.c.year,
        latest.c.party_org_status,
        latest.c.party_org_kind,
        latest.c.party_members,
        latest.c.instructor_assigned,
        latest.c.has_union,
        latest.c.has_youth_league,
        Enterprise.contact_name,
        Enterprise.contact_phone,
    ]
    stmt = (
        _infobase_query(flt, latest, columns)
        .order_by(func.length(Building.name), Building.name, Building.uuid, *room_order())
        .offset(offset)
        .limit(limit)
    )
    rows = []
    for row in conn.execute(stmt):
        census_year, org, kind, members = row[12:16]
        flags = safe_flags(members, org, kind) if census_year is not None else []
        rows.append(InfoRow(*row[:19], flags, *row[19:]))  # the columns are in InfoRow's order
    return rows
