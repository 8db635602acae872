"""The walking list: a grid's households in walking order, with this cycle's status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, exists, false, func, literal, select, tuple_

from gridwalker.domain import clock
from gridwalker.domain.choices import CARE_CASE_TAGS
from gridwalker.store.dialect import json_list_has_any
from gridwalker.store.rounds.cycle import cycle_visits, status_expr
from gridwalker.store.tables import Building, Draft, Household, Resident

STATUSES = ("visited", "revisit", "todo")


@dataclass(frozen=True)
class RoundRow:
    """One door of the round, with its marks."""

    uuid: str
    building: str
    unit: int
    floor: int
    room: str
    head_name: str | None
    occupancy: str
    status: str  # visited | revisit | todo
    care: bool
    draft: bool


def has_care_tag():  # noqa: ANN201 - a SQL condition
    """The resident has a care tag (独居老人, 高龄老人 …); status tags alone (党员, 退役军人, 失业)
    do not make a care case (DOMAIN.md)."""
    return json_list_has_any(Resident.care_tags, CARE_CASE_TAGS)


def _round_query(grid_uuid: str, status: str | None, day: date):  # noqa: ANN202
    cyc = cycle_visits(day, grid_uuid)
    st = status_expr(cyc)
    care = exists().where(
        Resident.household_uuid == Household.uuid,
        Resident.deleted == false(),
        Resident.moved_out == false(),
        has_care_tag(),
    )
    draft = exists().where(Draft.key == literal("visit:") + Household.uuid)
    stmt = (
        select(
            Household.uuid,
            Building.name.label("building"),
            Household.unit,
            Household.floor,
            Household.room,
            Household.head_name,
            Household.occupancy,
            st.label("status"),
            care.label("care"),
            draft.label("draft"),
        )
        .join(Building, Building.uuid == Household.building_uuid)
        .outerjoin(cyc, cyc.c.hh == Household.uuid)
        .where(Building.grid_uuid == grid_uuid, Household.deleted == false())
    )
    if status:
        stmt = stmt.where(st == status)
    return stmt


# Walking order, made total by the uuids so paging and "next" never skip or repeat a door.
# Names and rooms in natural order (2栋 before 10栋, 201 before 1001): shorter first.
WALK_ORDER = (
    Building.seq,
    func.length(Building.name),
    Building.name,
    Building.uuid,
    Household.unit,
    Household.floor,
    func.length(Household.room),
    Household.room,
    Household.uuid,
)


def round_page(
    conn: Connection,
    grid_uuid: str,
    status: str | None,
    offset: int,
    limit: int,
    day: date | None = None,
) -> list[RoundRow]:
    """One page of the grid's households in walking order, with this cycle's marks."""
    stmt = _round_query(grid_uuid, status, day or clock.today()).order_by(*WALK_ORDER)
    rows = conn.execute(stmt.offset(offset).limit(limit)).all()
    return [
        RoundRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), bool(r[9]))
        for r in rows
    ]


def round_count(
    conn: Connection, grid_uuid: str, status: str | None, day: date | None = None
) -> int:
    """How many households the round list holds with this filter."""
    sub = _round_query(grid_uuid, status, day or clock.today()).subquery()
    return conn.execute(select(func.count()).select_from(sub)).scalar_one()


def _walk_key(conn: Connection, household_uuid: str) -> tuple | None:
    return conn.execute(
        select(*WALK_ORDER)
        .join(Building, Building.uuid == Household.building_uuid)
        .where(Household.uuid == household_uuid)
    ).first()


def round_position(
    conn: Connection,
    grid_uuid: str,
    household_uuid: str,
    status: str | None = None,
    day: date | None = None,
) -> int | None:
    """Index of a household in the (filtered) walking list, or None when not in it."""
    query = _round_query(grid_uuid, status, day or clock.today())
    if conn.execute(query.where(Household.uuid == household_uuid)).first() is None:
        return None
    key = _walk_key(conn, household_uuid)
    sub = query.where(tuple_(*WALK_ORDER) < tuple_(*key)).subquery()
    return conn.execute(select(func.count()).select_from(sub)).scalar_one()


def next_unvisited(
    conn: Connection, grid_uuid: str, after_uuid: str | None = None, day: date | None = None
) -> str | None:
    """The next household not yet visited this cycle in walking order (wrapping round)."""
    sub = (
        _round_query(grid_uuid, None, day or clock.today())
        .add_columns(
            Building.seq.label("seq"),
            Building.name.label("b_name"),
            Building.uuid.label("b_uuid"),
        )
        .subquery()
    )
    walk = (
        sub.c.seq,
        func.length(sub.c.b_name),
        sub.c.b_name,
        sub.c.b_uuid,
        sub.c.unit,
        sub.c.floor,
        func.length(sub.c.room),
        sub.c.room,
        sub.c.uuid,
    )
    base = select(sub.c.uuid).where(sub.c.status != "visited").order_by(*walk).limit(1)
    key = _walk_key(conn, after_uuid) if after_uuid else None
    if key is not None:
        found = conn.execute(base.where(tuple_(*walk) > tuple_(*key))).scalar()
        if found:
            return found
    return conn.execute(base).scalar()
