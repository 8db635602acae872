"""One household: its place and head, its residents and its visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, case, false, select

from gridwalker.domain.addresses import address
from gridwalker.domain.choices import Relation
from gridwalker.domain.forms import ResidentInput
from gridwalker.store.tables import Building, Community, Grid, Household, Member, Resident, Visit


@dataclass(frozen=True)
class HouseholdInfo:
    """Where a household is and who heads it."""

    uuid: str
    address: str
    community: str
    grid_uuid: str
    building_uuid: str
    building: str
    unit: int
    floor: int
    room: str
    occupancy: str
    head_name: str | None
    phone: str | None


def household_info(conn: Connection, household_uuid: str) -> HouseholdInfo | None:
    """A household with its place, or None."""
    r = (
        conn.execute(
            select(
                Household,
                Building.name.label("building"),
                Building.grid_uuid,
                Community.name.label("community"),
            )
            .join(Building, Building.uuid == Household.building_uuid)
            .join(Grid, Grid.uuid == Building.grid_uuid)
            .join(Community, Community.uuid == Grid.community_uuid)
            .where(Household.uuid == household_uuid, Household.deleted == false())
        )
        .mappings()
        .first()
    )
    if r is None:
        return None
    where = address(r["community"], r["building"], r["unit"], r["room"])
    return HouseholdInfo(
        r["uuid"],
        where,
        r["community"],
        r["grid_uuid"],
        r["building_uuid"],
        r["building"],
        r["unit"],
        r["floor"],
        r["room"],
        r["occupancy"],
        r["head_name"],
        r["phone"],
    )


@dataclass(frozen=True)
class ResidentRow:
    """A resident as the roster shows it (the screen masks ID and phone)."""

    uuid: str
    name: str
    sex: str | None
    birth_date: date | None
    id_number: str | None
    phone: str | None
    relation: str
    residence_type: str
    care_tags: list[str]
    moved_out: bool
    rev: str = ""  # the row's rev when read: an edit of it is saved only over this rev
    household_uuid: str = ""
    moved_out_on: date | None = None  # the day of moving out (迁出), when known
    moved_to: str | None = None  # where to, as the member wrote it

    def as_input(self) -> ResidentInput:
        """The resident as a form to edit."""
        return ResidentInput(
            name=self.name,
            sex=self.sex or "",
            birth_date=self.birth_date.isoformat() if self.birth_date else "",
            id_number=self.id_number or "",
            phone=self.phone or "",
            relation=self.relation,
            residence_type=self.residence_type,
            care_tags=list(self.care_tags),
        )


# ResidentRow's columns, in its order.
_RESIDENT_COLUMNS = (
    Resident.uuid,
    Resident.name,
    Resident.sex,
    Resident.birth_date,
    Resident.id_number,
    Resident.phone,
    Resident.relation,
    Resident.residence_type,
    Resident.care_tags,
    Resident.moved_out,
    Resident.rev,
    Resident.household_uuid,
    Resident.moved_out_on,
    Resident.moved_to,
)


def _resident(r: Any) -> ResidentRow:
    return ResidentRow(*r[:8], list(r[8] or []), bool(r[9]), *r[10:])


def residents_of(conn: Connection, household_uuid: str) -> list[ResidentRow]:
    """The household's roster: present residents first (head first), then moved-out ones."""
    stmt = (
        select(*_RESIDENT_COLUMNS)
        .where(Resident.household_uuid == household_uuid, Resident.deleted == false())
        .order_by(
            Resident.moved_out, case((Resident.relation == "self", 0), else_=1), Resident.birth_date
        )
    )
    return [_resident(r) for r in conn.execute(stmt)]


def resident_row(conn: Connection, resident_uuid: str) -> ResidentRow | None:
    """One live resident as the roster has it (with its rev), or None."""
    r = conn.execute(
        select(*_RESIDENT_COLUMNS).where(
            Resident.uuid == resident_uuid, Resident.deleted == false()
        )
    ).first()
    return None if r is None else _resident(r)


def other_heads(conn: Connection, household_uuid: str, excluding: str | None = None) -> list[str]:
    """The names of the household's present residents related as 本人 ("self"), but for
    `excluding` (the resident a form edits): what `domain.forms.second_head` is given."""
    stmt = select(Resident.name).where(
        Resident.household_uuid == household_uuid,
        Resident.deleted == false(),
        Resident.moved_out == false(),
        Resident.relation == Relation.SELF.value,
    )
    if excluding is not None:
        stmt = stmt.where(Resident.uuid != excluding)
    return list(conn.execute(stmt.order_by(Resident.name)).scalars())


@dataclass(frozen=True)
class HouseholdFacts:
    """What the household rules need to know of a resident's household (the resident a form
    edits left out): its other present heads, and how many others live there."""

    other_heads: list[str]
    others_present: int
    moved_out: bool = False  # the resident left out has moved out (no rule applies to them)


def household_facts(
    conn: Connection, household_uuid: str, excluding: str | None = None
) -> HouseholdFacts:
    """The facts of a household the resident form checks and offers tags by."""
    people = residents_of(conn, household_uuid)
    present = [r for r in people if not r.moved_out and r.uuid != excluding]
    return HouseholdFacts(
        [r.name for r in present if r.relation == Relation.SELF.value],
        len(present),
        any(r.uuid == excluding and r.moved_out for r in people),
    )


@dataclass(frozen=True)
class VisitRow:
    """A past visit, as the household's history lists it."""

    uuid: str
    visited_on: date
    outcome: str
    member: str | None
    seen: int
    concerns: str
    follow_up: date | None


def visits_of(conn: Connection, household_uuid: str, limit: int = 50) -> list[VisitRow]:
    """The household's visits, newest first."""
    stmt = (
        select(
            Visit.uuid,
            Visit.visited_on,
            Visit.outcome,
            Member.name,
            Visit.residents_seen,
            Visit.concerns,
            Visit.follow_up,
        )
        .outerjoin(Member, Member.uuid == Visit.member_uuid)
        .where(Visit.household_uuid == household_uuid, Visit.deleted == false())
        .order_by(Visit.visited_at.desc())
        .limit(limit)
    )
    return [
        VisitRow(r[0], r[1], r[2], r[3], len(r[4] or []), r[5], r[6]) for r in conn.execute(stmt)
    ]
