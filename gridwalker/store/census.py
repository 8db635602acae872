"""The enterprise census (楼宇企业普查): towers, floors, the census form, history, the info base.

Reads use SQLAlchemy expressions only (portable to the hub's PostgreSQL) and skip tombstoned
rows; counts come from GROUP BY queries, long lists from pages. An enterprise's party
organisation is read from its latest census record up to the year asked for; an enterprise
never censused counts as without an organisation until a census says otherwise. Writes go
through `Writer`. The rule flags of DOMAIN.md are computed by `domain.census.census_flags`;
the same rules written as SQL (`flag_condition`) only filter and count.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import (
    Alias,
    ColumnElement,
    Connection,
    Select,
    Subquery,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
)

from gridwalker.domain import clock
from gridwalker.domain.census import (
    MIN_MEMBERS_FOR_COMMITTEE,
    MIN_MEMBERS_FOR_GENERAL_BRANCH,
    MIN_MEMBERS_FOR_OWN_ORG,
    CensusFlag,
    census_flags,
    coverage_ratio,
)
from gridwalker.domain.choices import (
    BuildingKind,
    Choice,
    Industry,
    OperatingStatus,
    Ownership,
    PartyOrgKind,
    PartyOrgStatus,
    Scale,
)
from gridwalker.domain.validators import (
    Invalid,
    check_phone,
    check_uscc,
    normalize_phone,
    normalize_uscc,
)
from gridwalker.store.tables import Building, CensusRecord, Enterprise, Grid, Member
from gridwalker.store.writes import Writer

GONE_STATUSES = tuple(s.value for s in OperatingStatus if s.is_gone)
COVERED_STATUSES = tuple(s.value for s in PartyOrgStatus if s.covered)

# The form fields that hold a value-list code, and their value list.
CHOICE_FIELDS: dict[str, type[Choice]] = {
    "industry": Industry,
    "ownership": Ownership,
    "scale": Scale,
    "operating_status": OperatingStatus,
    "party_org_status": PartyOrgStatus,
    "party_org_kind": PartyOrgKind,
}
# What the enterprise row holds (the rest of the form is this year's census record).
ENTERPRISE_FIELDS = (
    "name",
    "uscc",
    "industry",
    "ownership",
    "floor",
    "room",
    "contact_name",
    "contact_phone",
    "operating_status",
)
RECORD_FIELDS = (
    "industry",
    "ownership",
    "scale",
    "employees",
    "operating_status",
    "contact_name",
    "contact_phone",
    "party_org_status",
    "party_org_kind",
    "party_members",
    "instructor_assigned",
    "has_union",
    "has_youth_league",
)


class CensusInputError(ValueError):
    """A census form that cannot be saved: `problems` maps each bad field to its reason."""

    def __init__(self, problems: dict[str, Invalid]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {p.en}" for name, p in problems.items()))


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TowerRow:
    """A tower with its census progress and party-organisation coverage."""

    uuid: str
    name: str
    kind: str
    floors: int | None
    grid_uuid: str
    grid_code: str
    enterprises: int  # present: not moved out or deregistered
    censused: int  # present and censused in the year
    with_org: int  # present, with an own or a joint organisation
    blank_spots: int  # present, without an organisation
    flagged: int  # present, with at least one rule flag
    gone: int  # moved out or deregistered, kept with their history
    to_census: int
    ratio: float | None


@dataclass(frozen=True, slots=True)
class EnterpriseMark:
    """An enterprise on its floor, marked for the tower view."""

    uuid: str
    name: str
    floor: int | None
    room: str | None
    uscc: str | None
    operating_status: str
    gone: bool
    censused_this_year: bool
    last_census_year: int | None
    party_org_status: str | None  # None: never censused
    party_org_kind: str | None
    party_members: int | None
    flags: list[CensusFlag]


@dataclass(frozen=True, slots=True)
class FloorRow:
    """One floor of a tower with its enterprises in room order."""

    floor: int | None
    enterprises: list[EnterpriseMark]
    present: int
    censused: int


@dataclass(frozen=True, slots=True)
class EnterpriseRef:
    """Where an enterprise is recorded: enough to show it and link to it."""

    uuid: str
    name: str
    uscc: str | None
    tower_uuid: str
    tower_name: str
    floor: int | None
    room: str | None
    operating_status: str

    def place(self, lang: str = "zh") -> str:
        """Tower, floor and room as one line, e.g. "良友大厦 12层 1203"."""
        parts = [self.tower_name]
        if self.floor is not None:
            parts.append(f"floor {self.floor}" if lang == "en" else f"{self.floor}层")
        if self.room:
            parts.append(f"room {self.room}" if lang == "en" else self.room)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class CensusRecordRow:
    """One year's census answers of an enterprise."""

    uuid: str
    year: int
    census_date: date
    member_uuid: str | None
    member_name: str | None
    industry: str | None
    ownership: str | None
    scale: str | None
    employees: int | None
    operating_status: str
    contact_name: str | None
    contact_phone: str | None
    party_org_status: str
    party_org_kind: str | None
    party_members: int
    instructor_assigned: bool
    has_union: bool
    has_youth_league: bool
    flags: list[CensusFlag]


@dataclass(frozen=True, slots=True)
class InfoRow:
    """One enterprise of the information base (contact phone raw: mask it at output)."""

    uuid: str
    tower_uuid: str
    tower: str
    floor: int | None
    room: str | None
    name: str
    uscc: str | None
    industry: str | None
    ownership: str | None
    scale: str | None
    employees: int | None
    operating_status: str
    census_year: int | None
    party_org_status: str | None
    party_org_kind: str | None
    party_members: int | None
    instructor_assigned: bool | None
    has_union: bool | None
    has_youth_league: bool | None
    flags: list[CensusFlag]
    contact_name: str | None
    contact_phone: str | None


@dataclass(frozen=True, slots=True)
class InfoFilter:
    """What the information base shows; None means "any"."""

    grid_uuid: str | None = None
    tower_uuid: str | None = None
    industry: str | None = None
    party_org_status: str | None = None
    flag: CensusFlag | None = None
    include_gone: bool = False
    year: int | None = None  # latest record up to this year (default: this year)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Party-organisation coverage (组织覆盖率) and blank spots (空白点) of a scope."""

    towers: int
    enterprises: int
    censused: int
    with_org: int
    ratio: float | None
    blank_spots: int
    towers_without_org: int


@dataclass
class CensusForm:
    """Every field of the census form; values as typed (codes or labels, numbers or text)."""

    uscc: str = ""
    name: str = ""
    industry: str | None = None
    ownership: str | None = None
    scale: str | None = None
    employees: int | str | None = None
    operating_status: str | None = OperatingStatus.NORMAL.value
    contact_name: str | None = None
    contact_phone: str | None = None
    party_org_status: str | None = None
    party_org_kind: str | None = None
    party_members: int | str | None = None
    instructor_assigned: bool = False
    has_union: bool = False
    has_youth_league: bool = False
    floor: int | str | None = None
    room: str | None = None
    # Where the answers came from (not saved): this year's record being edited, or the year
    # whose answers were carried over; None for a form started from the enterprise row.
    record_uuid: str | None = field(default=None, compare=False)
    source_year: int | None = field(default=None, compare=False)

    def flags(self) -> list[CensusFlag]:
        """The rule flags of the answers as they stand (never blocking)."""
        members = _as_int(self.party_members)
        if members is None or members < 0:
            return []
        return _safe_flags(members, self.party_org_status, self.party_org_kind)

    def to_dict(self) -> dict[str, Any]:
        """The form as JSON-ready data (for drafts)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CensusForm:
        """A form from `to_dict` data; unknown keys (an older draft) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# --- helpers --------------------------------------------------------------------------------


def _this_year(year: int | None) -> int:
    """The census year asked for, else the clock's year."""
    return clock.today().year if year is None else year


def _record_table(name: str) -> Alias:
    """An alias of the census record table."""
    return CensusRecord.__table__.alias(name)  # type: ignore[attr-defined]


def _latest_record(year: int) -> Subquery:
    """Each enterprise's latest live census record up to `year` (joined by enterprise_uuid)."""
    rec = _record_table("rec")
    newest = (
        select(CensusRecord.enterprise_uuid, func.max(CensusRecord.year).label("year"))
        .where(CensusRecord.deleted == false(), CensusRecord.year <= year)
        .group_by(CensusRecord.enterprise_uuid)
        .subquery("newest")
    )
    return (
        select(rec)
        .join(
            newest,
            and_(newest.c.enterprise_uuid == rec.c.enterprise_uuid, newest.c.year == rec.c.year),
        )
        .where(rec.c.deleted == false())
        .subquery("latest")
    )


def _year_record(year: int) -> Subquery:
    """The live census records of exactly `year`."""
    cur = _record_table("cur_rec")
    return (
        select(cur.c.uuid, cur.c.enterprise_uuid)
        .where(cur.c.year == year, cur.c.deleted == false())
        .subquery("cur")
    )


def flag_condition(flag: CensusFlag, rec: Any) -> ColumnElement[bool]:
    """The rule of `flag` as a SQL condition on a census record's columns (`rec.c`)."""
    members = rec.c.party_members
    status = func.coalesce(rec.c.party_org_status, PartyOrgStatus.NONE.value)
    kind = func.coalesce(rec.c.party_org_kind, "")
    own = status == PartyOrgStatus.OWN.value
    if flag is CensusFlag.SHOULD_SET_UP:
        return and_(status == PartyOrgStatus.NONE.value, members >= MIN_MEMBERS_FOR_OWN_ORG)
    if flag is CensusFlag.TOO_FEW_MEMBERS:
        return and_(own, members < MIN_MEMBERS_FOR_OWN_ORG)
    if flag is CensusFlag.EXPECT_GENERAL_BRANCH:
        return and_(
            own,
            members >= MIN_MEMBERS_FOR_GENERAL_BRANCH,
            members < MIN_MEMBERS_FOR_COMMITTEE,
            kind != PartyOrgKind.GENERAL_BRANCH.value,
        )
    if flag is CensusFlag.EXPECT_COMMITTEE:
        return and_(own, members >= MIN_MEMBERS_FOR_COMMITTEE, kind != PartyOrgKind.COMMITTEE.value)
    raise ValueError(f"no SQL rule for flag {flag!r}")


def _any_flag(rec: Any) -> ColumnElement[bool]:
    """Whether a census record raises any rule flag."""
    return or_(*(flag_condition(flag, rec) for flag in CensusFlag))


def _safe_flags(members: int | None, status: str | None, kind: str | None) -> list[CensusFlag]:
    """The rule flags, or none when a stored code is not one the domain knows."""
    try:
        return census_flags(members, status, kind)
    except ValueError:
        return []


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), zero for no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _present() -> ColumnElement[bool]:
    """An enterprise still in its tower (not moved out or deregistered)."""
    return Enterprise.operating_status.not_in(GONE_STATUSES)


def _room_order() -> tuple[Any, ...]:
    """Floor (unknown floors last), then room with shorter numbers first, then name."""
    return (
        Enterprise.floor.is_(None),
        Enterprise.floor,
        func.length(func.coalesce(Enterprise.room, "")),
        Enterprise.room,
        Enterprise.name,
        Enterprise.uuid,
    )


def _as_int(value: object) -> int | None:
    """A whole number from an int or its text; None when empty or not a whole number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _blank(value: object) -> bool:
    """Whether a form value is empty."""
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str | None:
    """Stripped text, None when empty."""
    if _blank(value):
        return None
    return str(value).strip()


def _code(choice: type[Choice], value: object) -> str | None:
    """The code of a value-list entry typed as code or label; None when empty."""
    if _blank(value):
        return None
    return choice.parse(str(value)).value


# --- towers and floors ----------------------------------------------------------------------


def _tower_rows(
    conn: Connection, grid_uuid: str | None, tower_uuid: str | None, year: int
) -> list[TowerRow]:
    """Census figures per tower of a scope, in the order of what needs attention."""
    latest = _latest_record(year)
    cur = _year_record(year)
    present = _present()
    per_tower = (
        select(
            Enterprise.building_uuid,
            func.count().label("n_all"),
            _count_if(present).label("present"),
            _count_if(and_(present, cur.c.uuid.is_not(None))).label("censused"),
            _count_if(and_(present, latest.c.party_org_status.in_(COVERED_STATUSES))).label(
                "with_org"
            ),
            _count_if(and_(present, _any_flag(latest))).label("flagged"),
        )
        .outerjoin(latest, latest.c.enterprise_uuid == Enterprise.uuid)
        .outerjoin(cur, cur.c.enterprise_uuid == Enterprise.uuid)
        .where(Enterprise.deleted == false())
        .group_by(Enterprise.building_uuid)
        .subquery("per_tower")
    )
    stmt = (
        select(
            Building.uuid,
            Building.name,
            Building.kind,
            Building.floors,
            Building.grid_uuid,
            Grid.code,
            func.coalesce(per_tower.c.present, 0),
            func.coalesce(per_tower.c.censused, 0),
            func.coalesce(per_tower.c.with_org, 0),
            func.coalesce(per_tower.c.flagged, 0),
            func.coalesce(per_tower.c.n_all, 0),
        )
        .join(Grid, Grid.uuid == Building.grid_uuid)
        .outerjoin(per_tower, per_tower.c.building_uuid == Building.uuid)
        .where(
            Building.deleted == false(),
            or_(Building.kind == BuildingKind.COMMERCIAL.value, per_tower.c.n_all > 0),
        )
    )
    if grid_uuid is not None:
        stmt = stmt.where(Building.grid_uuid == grid_uuid)
    if tower_uuid is not None:
        stmt = stmt.where(Building.uuid == tower_uuid)
    rows = []
    for row in conn.execute(stmt):
        uuid, name, kind, floors, grid, code, present_n, censused, with_org, flagged, n_all = row
        rows.append(
            TowerRow(
                uuid=uuid,
                name=name,
                kind=kind,
                floors=floors,
                grid_uuid=grid,
                grid_code=code,
                enterprises=int(present_n),
                censused=int(censused),
                with_org=int(with_org),
                blank_spots=int(present_n) - int(with_org),
                flagged=int(flagged),
                gone=int(n_all) - int(present_n),
                to_census=int(present_n) - int(censused),
                ratio=coverage_ratio(int(with_org), int(present_n)),
            )
        )
    rows.sort(key=lambda r: (-(r.to_census + r.blank_spots), r.name, r.uuid))
    return rows


def towers_overview(
    conn: Connection, *, grid_uuid: str | None = None, year: int | None = None
) -> list[TowerRow]:
    """Every tower of a grid (or of the whole database), most needing attention first.

    Towers are the commercial buildings plus any other building that holds enterprises.
    """
    return _tower_rows(conn, grid_uuid, None, _this_year(year))


def tower_floors(conn: Connection, tower_uuid: str, *, year: int | None = None) -> list[FloorRow]:
    """A tower's enterprises (moved-out ones too, marked) grouped by floor, in room order."""
    year = _this_year(year)
    latest = _latest_record(year)
    cur = _year_record(year)
    stmt = (
        select(
            Enterprise.uuid,
            Enterprise.name,
            Enterprise.floor,
            Enterprise.room,
            Enterprise.uscc,
            Enterprise.operating_status,
            cur.c.uuid.is_not(None),
            latest.c.year,
            latest.c.party_org_status,
            latest.c.party_org_kind,
            latest.c.party_members,
        )
        .outerjoin(latest, latest.c.enterprise_uuid == Enterprise.uuid)
        .outerjoin(cur, cur.c.enterprise_uuid == Enterprise.uuid)
        .where(Enterprise.building_uuid == tower_uuid, Enterprise.deleted == false())
        .order_by(*_room_order())
    )
    floors: list[FloorRow] = []
    marks: list[EnterpriseMark] = []
    for row in conn.execute(stmt):
        uuid, name, floor, room, uscc, status, censused, last_year, org, kind, members = row
        if marks and marks[-1].floor != floor:
            floors.append(_floor_row(marks))
            marks = []
        marks.append(
            EnterpriseMark(
                uuid=uuid,
                name=name,
                floor=floor,
                room=room,
                uscc=uscc,
                operating_status=status,
                gone=status in GONE_STATUSES,
                censused_this_year=bool(censused),
                last_census_year=last_year,
                party_org_status=org,
                party_org_kind=kind,
                party_members=members,
                flags=_safe_flags(members, org, kind) if last_year is not None else [],
            )
        )
    if marks:
        floors.append(_floor_row(marks))
    return floors


def _floor_row(marks: list[EnterpriseMark]) -> FloorRow:
    """A floor from its enterprises."""
    present = [m for m in marks if not m.gone]
    return FloorRow(
        floor=marks[0].floor,
        enterprises=marks,
        present=len(present),
        censused=sum(1 for m in present if m.censused_this_year),
    )


def coverage(
    conn: Connection,
    *,
    grid_uuid: str | None = None,
    tower_uuid: str | None = None,
    year: int | None = None,
) -> Coverage:
    """Coverage figures of one tower, a grid or the whole database (present enterprises)."""
    rows = _tower_rows(conn, grid_uuid, tower_uuid, _this_year(year))
    enterprises = sum(r.enterprises for r in rows)
    with_org = sum(r.with_org for r in rows)
    return Coverage(
        towers=len(rows),
        enterprises=enterprises,
        censused=sum(r.censused for r in rows),
        with_org=with_org,
        ratio=coverage_ratio(with_org, enterprises),
        blank_spots=sum(r.blank_spots for r in rows),
        towers_without_org=sum(1 for r in rows if r.enterprises and not r.with_org),
    )


# --- one enterprise -------------------------------------------------------------------------


def _ref_query() -> Select[Any]:
    """Live enterprises with their tower, as EnterpriseRef columns."""
    return (
        select(
            Enterprise.uuid,
            Enterprise.name,
            Enterprise.uscc,
            Building.uuid,
            Building.name,
            Enterprise.floor,
            Enterprise.room,
            Enterprise.operating_status,
        )
        .join(Building, Building.uuid == Enterprise.building_uuid)
        .where(Enterprise.deleted == false())
    )


def find_by_uscc(
    conn: Connection, uscc: str, *, exclude_uuid: str | None = None
) -> EnterpriseRef | None:
    """The enterprise already recorded with this credit code (present ones first), if any."""
    code = normalize_uscc(uscc or "")
    if not code:
        return None
    stmt = _ref_query().where(Enterprise.uscc == code)
    if exclude_uuid is not None:
        stmt = stmt.where(Enterprise.uuid != exclude_uuid)
    stmt = stmt.order_by(
        Enterprise.operating_status.in_(GONE_STATUSES), Enterprise.name, Enterprise.uuid
    ).limit(1)
    row = conn.execute(stmt).first()
    return None if row is None else EnterpriseRef(*row)


def enterprise_ref(conn: Connection, enterprise_uuid: str) -> EnterpriseRef | None:
    """Where a live enterprise is recorded (for a link or a form's title), or None."""
    row = conn.execute(_ref_query().where(Enterprise.uuid == enterprise_uuid)).first()
    return None if row is None else EnterpriseRef(*row)


def _enterprise(conn: Connection, enterprise_uuid: str) -> dict[str, Any]:
    """A live enterprise row; LookupError when there is none."""
    row = (
        conn.execute(
            select(Enterprise.__table__).where(  # type: ignore[attr-defined]
                Enterprise.uuid == enterprise_uuid, Enterprise.deleted == false()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise LookupError(f"no enterprise {enterprise_uuid}")
    return dict(row)


def _record_of(conn: Connection, enterprise_uuid: str, year: int, *, before: bool) -> Any:
    """The live record of `year`, or with `before` the latest live one before it."""
    table = CensusRecord.__table__  # type: ignore[attr-defined]
    stmt = select(table).where(
        table.c.enterprise_uuid == enterprise_uuid, table.c.deleted == false()
    )
    if before:
        stmt = stmt.where(table.c.year < year).order_by(table.c.year.desc()).limit(1)
    else:
        stmt = stmt.where(table.c.year == year)
    return conn.execute(stmt).mappings().first()


def census_prefill(conn: Connection, enterprise_uuid: str, year: int) -> CensusForm:
    """The form for an enterprise's census of `year`.

    This year's record when there is one (editing), else the latest earlier record's answers
    (only changes need typing), else defaults; the enterprise's own fields come from its row.
    """
    ent = _enterprise(conn, enterprise_uuid)
    form = CensusForm(
        uscc=ent["uscc"] or "",
        name=ent["name"],
        industry=ent["industry"],
        ownership=ent["ownership"],
        operating_status=ent["operating_status"],
        contact_name=ent["contact_name"],
        contact_phone=ent["contact_phone"],
        floor=ent["floor"],
        room=ent["room"],
    )
    record = _record_of(conn, enterprise_uuid, year, before=False)
    if record is not None:
        form.record_uuid = record["uuid"]
    else:
        record = _record_of(conn, enterprise_uuid, year, before=True)
    if record is None:
        return form
    form.source_year = record["year"]
    form.industry = ent["industry"] or record["industry"]
    form.ownership = ent["ownership"] or record["ownership"]
    form.contact_name = ent["contact_name"] or record["contact_name"]
    form.contact_phone = ent["contact_phone"] or record["contact_phone"]
    form.scale = record["scale"]
    form.employees = record["employees"]
    form.party_org_status = record["party_org_status"]
    form.party_org_kind = record["party_org_kind"]
    form.party_members = record["party_members"]
    form.instructor_assigned = bool(record["instructor_assigned"])
    form.has_union = bool(record["has_union"])
    form.has_youth_league = bool(record["has_youth_league"])
    return form


def census_history(conn: Connection, enterprise_uuid: str) -> list[CensusRecordRow]:
    """An enterprise's census records, newest year first, with who took them."""
    stmt = (
        select(
            CensusRecord.uuid,
            CensusRecord.year,
            CensusRecord.census_date,
            CensusRecord.member_uuid,
            Member.name,
            CensusRecord.industry,
            CensusRecord.ownership,
            CensusRecord.scale,
            CensusRecord.employees,
            CensusRecord.operating_status,
            CensusRecord.contact_name,
            CensusRecord.contact_phone,
            CensusRecord.party_org_status,
            CensusRecord.party_org_kind,
            CensusRecord.party_members,
            CensusRecord.instructor_assigned,
            CensusRecord.has_union,
            CensusRecord.has_youth_league,
        )
        .outerjoin(Member, Member.uuid == CensusRecord.member_uuid)
        .where(CensusRecord.enterprise_uuid == enterprise_uuid, CensusRecord.deleted == false())
        .order_by(CensusRecord.year.desc())
    )
    return [
        CensusRecordRow(*row, flags=_safe_flags(row[14], row[12], row[13]))
        for row in conn.execute(stmt)
    ]


# --- validation and saving ------------------------------------------------------------------


def _invalid_choice(name: str, choice: type[Choice], value: object) -> Invalid:
    """The reason a value is not in its value list."""
    zh = "、".join(m.zh for m in choice)
    en = ", ".join(m.en for m in choice)
    return Invalid(
        f"census.{name}.choice",
        f"「{value}」不是可选的取值，可选：{zh}",
        f"{value!r} is not one of the values: {en}",
    )


def _check_count(value: object, zh_name: str, en_name: str) -> Invalid | None:
    """A head count: a whole number, not negative (empty is checked by the caller)."""
    number = _as_int(value)
    if number is None:
        return Invalid(
            "census.count.number",
            f"{zh_name}应为整数，实际为「{value}」",
            f"{en_name} must be a whole number, not {value!r}",
        )
    if number < 0:
        return Invalid(
            "census.count.negative",
            f"{zh_name}不能为负数",
            f"{en_name} cannot be negative",
        )
    return None


def validate_census(
    conn: Connection, form: CensusForm, *, enterprise_uuid: str | None = None
) -> dict[str, Invalid]:
    """Every problem of a form, by field; empty when it can be saved (flags never block).

    `enterprise_uuid` names the enterprise being edited (LookupError when there is none).
    """
    problems: dict[str, Invalid] = {}
    existing = _enterprise(conn, enterprise_uuid) if enterprise_uuid is not None else None

    if _blank(form.uscc):
        if existing is None or existing["uscc"]:
            problems["uscc"] = Invalid(
                "census.uscc.required",
                "请填写统一社会信用代码（18位，见营业执照）",
                "Enter the unified social credit code (18 characters, on the business licence)",
            )
    else:
        bad = check_uscc(form.uscc)
        if bad is not None:
            problems["uscc"] = bad
        else:
            other = find_by_uscc(conn, form.uscc, exclude_uuid=enterprise_uuid)
            if other is not None:
                problems["uscc"] = Invalid(
                    "census.duplicate_uscc",
                    f"该统一社会信用代码已登记为「{other.name}」（{other.place('zh')}），"
                    f"请打开该企业的记录，不要重复登记",
                    f"This credit code is already recorded for {other.name} "
                    f"({other.place('en')}); open that record instead of adding a duplicate",
                )

    if _blank(form.name):
        problems["name"] = Invalid(
            "census.name.required", "请填写企业名称", "Enter the enterprise's name"
        )

    for name, choice in CHOICE_FIELDS.items():
        value = getattr(form, name)
        if _blank(value):
            continue
        try:
            choice.parse(str(value))
        except ValueError:
            problems[name] = _invalid_choice(name, choice, value)
    if _blank(form.operating_status):
        problems["operating_status"] = Invalid(
            "census.operating_status.required", "请选择经营状态", "Choose the operating status"
        )

    employees = None
    if not _blank(form.employees):
        bad = _check_count(form.employees, "从业人数", "The number of employees")
        if bad is not None:
            problems["employees"] = bad
        else:
            employees = _as_int(form.employees)
    members = None
    if _blank(form.party_members):
        problems["party_members"] = Invalid(
            "census.party_members.required",
            "请填写党员人数（没有党员填0）",
            "Enter the number of party members (0 when there are none)",
        )
    else:
        bad = _check_count(form.party_members, "党员人数", "The number of party members")
        if bad is not None:
            problems["party_members"] = bad
        else:
            members = _as_int(form.party_members)
    if employees is not None and members is not None and members > employees:
        problems["party_members"] = Invalid(
            "census.party_members.more_than_employees",
            f"党员人数（{members}）不能多于从业人数（{employees}）",
            f"Party members ({members}) cannot outnumber employees ({employees})",
        )

    status = None
    if _blank(form.party_org_status):
        problems["party_org_status"] = Invalid(
            "census.party_org_status.required",
            "请选择党组织建立情况（单独组建、联合组建或未建立）",
            "Choose the party organisation: own, joint or none",
        )
    elif "party_org_status" not in problems:
        status = PartyOrgStatus.parse(str(form.party_org_status))
    if status is not None and "party_org_kind" not in problems:
        if status.covered and _blank(form.party_org_kind):
            problems["party_org_kind"] = Invalid(
                "census.party_org_kind.required",
                "已建立党组织时请选择组织类型（党支部、党总支或党委）",
                "With an organisation, choose its kind: branch, general branch or committee",
            )
        elif not status.covered and not _blank(form.party_org_kind):
            problems["party_org_kind"] = Invalid(
                "census.party_org_kind.without_org",
                "未建立党组织时不填组织类型",
                "Leave the kind empty when there is no organisation",
            )

    if not _blank(form.floor) and _as_int(form.floor) is None:
        problems["floor"] = Invalid(
            "census.floor.number",
            f"楼层应为整数，实际为「{form.floor}」",
            f"The floor must be a whole number, not {form.floor!r}",
        )
    if not _blank(form.contact_phone):
        bad = check_phone(str(form.contact_phone))
        if bad is not None:
            problems["contact_phone"] = bad
    return problems


def _enterprise_values(form: CensusForm) -> dict[str, Any]:
    """The enterprise row's fields from a valid form, normalised."""
    phone = _text(form.contact_phone)
    return {
        "name": str(form.name).strip(),
        "uscc": normalize_uscc(form.uscc) or None,
        "industry": _code(Industry, form.industry),
        "ownership": _code(Ownership, form.ownership),
        "floor": _as_int(form.floor),
        "room": _text(form.room),
        "contact_name": _text(form.contact_name),
        "contact_phone": normalize_phone(phone) if phone else None,
        "operating_status": _code(OperatingStatus, form.operating_status),
    }


def _record_values(form: CensusForm, own: dict[str, Any]) -> dict[str, Any]:
    """This year's census answers from a valid form, normalised."""
    return {
        "industry": own["industry"],
        "ownership": own["ownership"],
        "scale": _code(Scale, form.scale),
        "employees": _as_int(form.employees),
        "operating_status": own["operating_status"],
        "contact_name": own["contact_name"],
        "contact_phone": own["contact_phone"],
        "party_org_status": _code(PartyOrgStatus, form.party_org_status),
        "party_org_kind": _code(PartyOrgKind, form.party_org_kind),
        "party_members": _as_int(form.party_members),
        "instructor_assigned": bool(form.instructor_assigned),
        "has_union": bool(form.has_union),
        "has_youth_league": bool(form.has_youth_league),
    }


def save_census(
    conn: Connection,
    form: CensusForm,
    *,
    year: int,
    actor: str,
    member_uuid: str | None,
    enterprise_uuid: str | None = None,
    tower_uuid: str | None = None,
) -> tuple[str, str]:
    """Save a census: returns (enterprise uuid, census record uuid).

    Refuses a form with problems (`CensusInputError`, nothing written). A new enterprise is
    created in `tower_uuid`; an existing one gets its changed fields (and moves to
    `tower_uuid` when given). This year's record is inserted, or edited when it exists.
    Moving out or deregistering is an operating status: the enterprise and its history stay.
    """
    problems = validate_census(conn, form, enterprise_uuid=enterprise_uuid)
    if problems:
        raise CensusInputError(problems)
    if enterprise_uuid is None and tower_uuid is None:
        raise ValueError("a new enterprise needs the tower it is in (tower_uuid)")
    if tower_uuid is not None:
        found = conn.execute(
            select(Building.uuid).where(Building.uuid == tower_uuid, Building.deleted == false())
        ).first()
        if found is None:
            raise LookupError(f"no building {tower_uuid}")
    writer = Writer(conn, actor)
    own = _enterprise_values(form)
    if enterprise_uuid is None:
        enterprise_uuid = writer.insert("enterprise", {"building_uuid": tower_uuid, **own})
    else:
        changes = dict(own)
        if tower_uuid is not None:
            changes["building_uuid"] = tower_uuid
        writer.update("enterprise", enterprise_uuid, changes)
    answers = _record_values(form, own)
    existing = conn.execute(
        select(CensusRecord.uuid).where(
            CensusRecord.enterprise_uuid == enterprise_uuid, CensusRecord.year == year
        )
    ).scalar_one_or_none()
    if existing is not None:
        writer.update("census_record", existing, answers)
        return enterprise_uuid, existing
    record_uuid = writer.insert(
        "census_record",
        {
            "enterprise_uuid": enterprise_uuid,
            "year": year,
            "census_date": clock.today(),
            "member_uuid": member_uuid,
            **answers,
        },
    )
    return enterprise_uuid, record_uuid


# --- the information base -------------------------------------------------------------------


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
        stmt = stmt.where(_present())
    if flt.grid_uuid is not None:
        stmt = stmt.where(Building.grid_uuid == flt.grid_uuid)
    if flt.tower_uuid is not None:
        stmt = stmt.where(Enterprise.building_uuid == flt.tower_uuid)
    if flt.industry is not None:
        stmt = stmt.where(Enterprise.industry == _code(Industry, flt.industry))
    if flt.party_org_status is not None:
        status = _code(PartyOrgStatus, flt.party_org_status)
        stmt = stmt.where(
            func.coalesce(latest.c.party_org_status, literal(PartyOrgStatus.NONE.value)) == status
        )
    if flt.flag is not None:
        stmt = stmt.where(flag_condition(flt.flag, latest))
    return stmt


def infobase_count(conn: Connection, flt: InfoFilter) -> int:
    """How many enterprises the information base shows for a filter."""
    latest = _latest_record(_this_year(flt.year))
    stmt = _infobase_query(flt, latest, [func.count()])
    return int(conn.execute(stmt).scalar_one())


def infobase_page(conn: Connection, flt: InfoFilter, offset: int, limit: int) -> list[InfoRow]:
    """One page of the information base: tower, floor, room order."""
    if offset < 0 or limit < 0:
        raise ValueError(f"offset and limit must not be negative (got {offset}, {limit})")
    latest = _latest_record(_this_year(flt.year))
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
        .order_by(Building.name, Building.uuid, *_room_order())
        .offset(offset)
        .limit(limit)
    )
    rows = []
    for row in conn.execute(stmt):
        census_year, org, kind, members = row[12:16]
        flags = _safe_flags(members, org, kind) if census_year is not None else []
        rows.append(InfoRow(*row[:19], flags, *row[19:]))  # the columns are in InfoRow's order
    return rows
