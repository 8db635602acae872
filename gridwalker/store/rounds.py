"""The grid member's rounds: coverage this cycle, the walking list, households, visits, drafts.

A household counts as covered when it has a visit in the current cycle whose outcome is not
"nobody home" (DOMAIN.md); it needs a revisit when its only visits this cycle found nobody.
Lists page from SQL in walking order (building, unit, floor, room). Queries are portable
SQLAlchemy expressions; writes go through `Writer`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import aliased

from gridwalker.domain import clock
from gridwalker.domain.addresses import address, door
from gridwalker.domain.choices import VisitOutcome
from gridwalker.domain.forms import (
    ResidentInput,
    VisitInput,
    check_resident,
    check_visit,
    parse_iso_day,
    resident_fields,
)
from gridwalker.domain.validators import Invalid
from gridwalker.store.tables import (
    Building,
    Community,
    Device,
    Draft,
    Grid,
    Household,
    Member,
    Resident,
    Visit,
)
from gridwalker.store.writes import Writer

STATUSES = ("visited", "revisit", "todo")


class FormError(ValueError):
    """A form that cannot be saved: the reason for each bad field."""

    def __init__(self, problems: dict[str, Invalid]) -> None:
        super().__init__("; ".join(f"{k}: {v.en}" for k, v in problems.items()))
        self.problems = problems


# --- who is signed in -----------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRef:
    """A member and the grid they walk."""

    uuid: str
    name: str
    grid_uuid: str | None
    grid_code: str
    grid_name: str
    community: str


def members(conn: Connection) -> list[MemberRef]:
    """Everyone who can sign in on this database, with their grid (for the first start)."""
    stmt = (
        select(Member.uuid, Member.name, Grid.uuid, Grid.code, Grid.name, Community.name)
        .outerjoin(Grid, Grid.member_uuid == Member.uuid)
        .outerjoin(Community, Community.uuid == Grid.community_uuid)
        .where(Member.deleted == false())
        .order_by(Grid.code, Member.name)
    )
    return [MemberRef(*(r[:3]), r[3] or "", r[4] or "", r[5] or "") for r in conn.execute(stmt)]


def member_ref(conn: Connection, member_uuid: str) -> MemberRef | None:
    """One member with their grid, or None when unknown."""
    return next((m for m in members(conn) if m.uuid == member_uuid), None)


# --- coverage -------------------------------------------------------------------------------


def _cycle_visits(day: date, grid_uuid: str | None = None):  # noqa: ANN202 - a Subquery
    """Per household (of one grid, or all): whether this cycle has a covering visit, and a
    nobody-home visit."""
    start, end = clock.cycle_bounds(day)
    nobody = Visit.outcome == VisitOutcome.NOBODY_HOME.value
    stmt = select(
        Visit.household_uuid.label("hh"),
        func.max(case((nobody, 0), else_=1)).label("covered"),
        func.max(case((nobody, 1), else_=0)).label("missed"),
    ).where(Visit.visited_on >= start, Visit.visited_on < end, Visit.deleted == false())
    if grid_uuid is not None:  # only this grid's doors: an index look-up, not the street
        stmt = stmt.where(Visit.household_uuid.in_(_grid_households(grid_uuid)))
    return stmt.group_by(Visit.household_uuid).subquery()


def _status_expr(cyc):  # noqa: ANN001, ANN202
    return case(
        (cyc.c.covered == 1, literal("visited")),
        (cyc.c.missed == 1, literal("revisit")),
        else_=literal("todo"),
    )


def _grid_households(grid_uuid: str) -> Select:
    return (
        select(Household.uuid)
        .join(Building, Building.uuid == Household.building_uuid)
        .where(Building.grid_uuid == grid_uuid, Household.deleted == false())
    )


@dataclass(frozen=True)
class Coverage:
    """This cycle's coverage of a grid."""

    total: int
    visited: int
    revisit: int

    @property
    def ratio(self) -> float:
        return self.visited / self.total if self.total else 0.0


def coverage(conn: Connection, grid_uuid: str, day: date | None = None) -> Coverage:
    """Households of the grid, how many are covered this cycle, how many need a revisit."""
    cyc = _cycle_visits(day or clock.today(), grid_uuid)
    stmt = (
        select(
            func.count(),
            func.coalesce(func.sum(cyc.c.covered), 0),
            func.coalesce(
                func.sum(case((and_(cyc.c.missed == 1, cyc.c.covered == 0), 1), else_=0)), 0
            ),
        )
        .select_from(Household)
        .join(Building, Building.uuid == Household.building_uuid)
        .outerjoin(cyc, cyc.c.hh == Household.uuid)
        .where(Building.grid_uuid == grid_uuid, Household.deleted == false())
    )
    total, visited, revisit = conn.execute(stmt).one()
    return Coverage(int(total), int(visited), int(revisit))


# --- the walking list -----------------------------------------------------------------------


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


def _round_query(grid_uuid: str, status: str | None, day: date):  # noqa: ANN202
    cyc = _cycle_visits(day, grid_uuid)
    st = _status_expr(cyc)
    care = exists().where(
        Resident.household_uuid == Household.uuid,
        Resident.deleted == false(),
        Resident.moved_out == false(),
        func.json_array_length(Resident.care_tags) > 0,
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
WALK_ORDER = (
    Building.seq,
    Building.name,
    Building.uuid,
    Household.unit,
    Household.floor,
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
    walk = (sub.c.seq, sub.c.b_name, sub.c.b_uuid, sub.c.unit, sub.c.floor, sub.c.room, sub.c.uuid)
    base = select(sub.c.uuid).where(sub.c.status != "visited").order_by(*walk).limit(1)
    key = _walk_key(conn, after_uuid) if after_uuid else None
    if key is not None:
        found = conn.execute(base.where(tuple_(*walk) > tuple_(*key))).scalar()
        if found:
            return found
    return conn.execute(base).scalar()


# --- a household ----------------------------------------------------------------------------


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


def residents_of(conn: Connection, household_uuid: str) -> list[ResidentRow]:
    """The household's roster: present residents first (head first), then moved-out ones."""
    stmt = (
        select(
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
        )
        .where(Resident.household_uuid == household_uuid, Resident.deleted == false())
        .order_by(
            Resident.moved_out, case((Resident.relation == "self", 0), else_=1), Resident.birth_date
        )
    )
    return [ResidentRow(*r[:8], list(r[8] or []), bool(r[9])) for r in conn.execute(stmt)]


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


# --- what needs attention today -------------------------------------------------------------


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
        func.json_array_length(Resident.care_tags) > 0,
    )


def care_not_seen(conn: Connection, grid_uuid: str, day: date | None = None) -> list[CareRow]:
    """Residents with care tags in the grid whom no visit of this cycle has seen."""
    start, end = clock.cycle_bounds(day or clock.today())
    seen: set[str] = set()
    visits = select(Visit.residents_seen).where(
        Visit.household_uuid.in_(_grid_households(grid_uuid)),
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


# --- roster edits and visits ----------------------------------------------------------------


def add_resident(conn: Connection, actor: str, household_uuid: str, data: ResidentInput) -> str:
    """Add a resident to a household; FormError (nothing written) when the form is invalid."""
    problems = check_resident(data, clock.today())
    if problems:
        raise FormError(problems)
    return Writer(conn, actor).insert(
        "resident", {"household_uuid": household_uuid, **resident_fields(data)}
    )


def update_resident(
    conn: Connection, actor: str, resident_uuid: str, data: ResidentInput
) -> str | None:
    """Save changes to a resident; returns the new rev, or None when nothing changed."""
    problems = check_resident(data, clock.today())
    if problems:
        raise FormError(problems)
    return Writer(conn, actor).update("resident", resident_uuid, resident_fields(data))


def move_out(
    conn: Connection, actor: str, resident_uuid: str, moved_out: bool = True
) -> str | None:
    """Mark a resident as moved out (or back in); the record and its history stay."""
    return Writer(conn, actor).update("resident", resident_uuid, {"moved_out": moved_out})


def save_visit(
    conn: Connection,
    actor: str,
    member_uuid: str | None,
    household_uuid: str,
    data: VisitInput,
    roster_changes: list[dict[str, Any]] | None = None,
) -> str:
    """Record a visit (FormError when invalid, nothing written) and drop its draft."""
    people = residents_of(conn, household_uuid)
    present = {r.uuid for r in people if not r.moved_out}
    tagged = {r.uuid for r in people if r.care_tags and not r.moved_out}
    today = clock.today()
    problems = check_visit(data, today, present, tagged)
    if problems:
        raise FormError(problems)
    now = clock.now().replace(microsecond=0)
    follow = parse_iso_day(data.follow_up) if data.follow_up.strip() else None
    uuid = Writer(conn, actor).insert(
        "visit",
        {
            "household_uuid": household_uuid,
            "member_uuid": member_uuid,
            "visited_on": today,
            "visited_at": now,
            "outcome": data.outcome,
            "residents_seen": list(dict.fromkeys(data.residents_seen)),
            "care_checks": {k: v for k, v in data.care_checks.items() if v.strip()},
            "concerns": data.concerns.strip(),
            "follow_up": follow,
            "roster_changes": roster_changes or [],
        },
    )
    delete_draft(conn, visit_draft_key(household_uuid))
    return uuid


# --- drafts (local, never synced) -----------------------------------------------------------


def visit_draft_key(household_uuid: str) -> str:
    """The draft key of the visit form of a household."""
    return f"visit:{household_uuid}"


@dataclass(frozen=True)
class DraftRow:
    """A form in progress."""

    key: str
    kind: str
    title: str
    payload: dict[str, Any]
    updated_at: datetime


def save_draft(conn: Connection, key: str, kind: str, title: str, payload: dict[str, Any]) -> None:
    """Keep a form's state (one row per form, replaced on every change)."""
    values = {"kind": kind, "title": title, "payload": payload, "updated_at": clock.now()}
    if conn.execute(update(Draft).where(Draft.key == key).values(**values)).rowcount == 0:
        conn.execute(insert(Draft).values(key=key, **values))


def load_draft(conn: Connection, key: str) -> DraftRow | None:
    """A saved draft, or None."""
    r = conn.execute(
        select(Draft.key, Draft.kind, Draft.title, Draft.payload, Draft.updated_at).where(
            Draft.key == key
        )
    ).first()
    return DraftRow(*r) if r else None


def list_drafts(conn: Connection) -> list[DraftRow]:
    """Every draft waiting, newest first."""
    stmt = select(Draft.key, Draft.kind, Draft.title, Draft.payload, Draft.updated_at).order_by(
        Draft.updated_at.desc()
    )
    return [DraftRow(*r) for r in conn.execute(stmt)]


def delete_draft(conn: Connection, key: str) -> None:
    """Drop a draft (after saving or discarding the form)."""
    conn.execute(delete(Draft).where(Draft.key == key))


def visit_payload(
    data: VisitInput, roster_changes: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A visit form as a draft payload."""
    return {"visit": asdict(data), "roster_changes": roster_changes or []}


def visit_from_payload(payload: dict[str, Any]) -> tuple[VisitInput, list[dict[str, Any]]]:
    """A draft payload back as a visit form."""
    return VisitInput(**payload.get("visit", {})), list(payload.get("roster_changes", []))


def household_of_visit_draft(key: str) -> str | None:
    """The household whose visit a draft key holds (None: not a visit's draft)."""
    prefix = visit_draft_key("")
    return key.removeprefix(prefix) if key.startswith(prefix) else None
