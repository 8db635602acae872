"""Logging an issue: the form's input, where it happened (prefilled from a household,
visit, enterprise or building), its checks, and the first events of its workflow."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import (
    Connection,
    false,
    func,
    select,
)

from gridwalker.domain import clock
from gridwalker.domain.addresses import address as household_address
from gridwalker.domain.choices import (
    IssueCategory,
    IssueStatus,
    ReporterKind,
    Urgency,
)
from gridwalker.domain.validators import Invalid
from gridwalker.domain.workflow import (
    IssueAction,
    default_due,
)
from gridwalker.store.issues.constants import S
from gridwalker.store.issues.errors import IssueInputError
from gridwalker.store.tables import (
    Building,
    Community,
    Enterprise,
    Grid,
    Household,
    IssueEvent,
    Member,
    Visit,
)
from gridwalker.store.writes import Writer, stamp


@dataclass
class IssueInput:
    """What the log form (or a script) hands in; codes or labels for the value lists."""

    category: str
    description: str
    urgency: str = "normal"
    reporter_kind: str = "resident"
    reporter_name: str | None = None
    people_affected: int | None = None
    due_date: date | None = None  # None: the default for the urgency (default_due)
    household_uuid: str | None = None
    enterprise_uuid: str | None = None
    building_uuid: str | None = None
    visit_uuid: str | None = None
    place: str = ""  # empty: prefilled from the household, enterprise or building
    grid_uuid: str | None = None


@dataclass(frozen=True)
class Prefill:
    """Where an issue is, worked out from the record it was started from."""

    place: str = ""
    grid_uuid: str | None = None
    building_uuid: str | None = None
    household_uuid: str | None = None
    enterprise_uuid: str | None = None
    visit_uuid: str | None = None
    grid_name: str = ""  # the grid's code and name, in words
    member_name: str = ""  # who is logging it: the visit's member, else the grid's


def _missing(what_zh: str, what_en: str, uuid: str) -> Invalid:
    """The reason for a place uuid that names no live record."""
    return Invalid(
        "issue.place_missing",
        f"找不到{what_zh}（{uuid}）",
        f"No {what_en} with id {uuid}",
    )


def _mismatch(what_zh: str, what_en: str) -> Invalid:
    """The reason for a place uuid that contradicts the record the issue was started from."""
    return Invalid(
        "issue.place_mismatch",
        f"所选{what_zh}与登记对象所在位置不一致",
        f"The {what_en} does not match where the record it was logged from is",
    )


def _exists(conn: Connection, table: type[Building] | type[Grid], uuid: str) -> bool:
    """Whether a live row of `table` has this uuid."""
    stmt = select(table.uuid).where(table.uuid == uuid, table.deleted == false())
    return conn.execute(stmt).first() is not None


def _resolve_place(
    conn: Connection,
    *,
    household_uuid: str | None,
    enterprise_uuid: str | None,
    building_uuid: str | None,
    visit_uuid: str | None,
    grid_uuid: str | None,
) -> tuple[Prefill, dict[str, Invalid]]:
    """Work out the place of an issue and every problem with the uuids given."""
    problems: dict[str, Invalid] = {}
    texts: list[str] = []
    building = building_uuid or None
    grid = grid_uuid or None
    household = household_uuid or None
    enterprise = enterprise_uuid or None
    visit = visit_uuid or None

    def settle(key: str, current: str | None, found: str, what: tuple[str, str]) -> str:
        if current is not None and current != found:
            problems.setdefault(key, _mismatch(*what))
            return current
        return found

    # uuids given outright must exist before they can contradict anything
    if building and not _exists(conn, Building, building):
        problems["building_uuid"] = _missing("楼栋", "building", building)
        building = None
    if grid and not _exists(conn, Grid, grid):
        problems["grid_uuid"] = _missing("网格", "grid", grid)
        grid = None
    if visit:
        hh = conn.execute(
            select(Visit.household_uuid).where(Visit.uuid == visit, Visit.deleted == false())
        ).scalar_one_or_none()
        if hh is None:
            problems["visit_uuid"] = _missing("走访记录", "visit", visit)
        else:
            household = settle("visit_uuid", household, hh, ("走访记录", "visit"))
    if household:
        row = conn.execute(
            select(
                Household.unit,
                Household.room,
                Building.uuid.label("building_uuid"),
                Building.name.label("building"),
                Grid.uuid.label("grid_uuid"),
                Community.name.label("community"),
            )
            .join(Building, Building.uuid == Household.building_uuid)
            .join(Grid, Grid.uuid == Building.grid_uuid)
            .join(Community, Community.uuid == Grid.community_uuid)
            .where(Household.uuid == household, Household.deleted == false())
        ).first()
        if row is None:
            problems["household_uuid"] = _missing("住户", "household", household)
        else:
            texts.append(household_address(row.community, row.building, row.unit, row.room))
            building = settle("building_uuid", building, row.building_uuid, ("楼栋", "building"))
            grid = settle("grid_uuid", grid, row.grid_uuid, ("网格", "grid"))
    if enterprise:
        row = conn.execute(
            select(
                Enterprise.name,
                Enterprise.floor,
                Enterprise.room,
                Building.uuid.label("building_uuid"),
                Building.name.label("building"),
                Building.grid_uuid,
            )
            .join(Building, Building.uuid == Enterprise.building_uuid)
            .where(Enterprise.uuid == enterprise, Enterprise.deleted == false())
        ).first()
        if row is None:
            problems["enterprise_uuid"] = _missing("企业", "enterprise", enterprise)
        else:
            floor = f"{row.floor}层" if row.floor is not None else ""
            parts = [row.building, floor, row.room or "", row.name]
            texts.append(" ".join(p for p in parts if p))
            building = settle("building_uuid", building, row.building_uuid, ("楼栋", "building"))
            grid = settle("grid_uuid", grid, row.grid_uuid, ("网格", "grid"))
    if building and "building_uuid" not in problems:
        row = conn.execute(
            select(Building.name, Building.grid_uuid, Community.name.label("community"))
            .join(Grid, Grid.uuid == Building.grid_uuid)
            .join(Community, Community.uuid == Grid.community_uuid)
            .where(Building.uuid == building, Building.deleted == false())
        ).first()
        if row is not None:
            if not texts:
                texts.append(f"{row.community}·{row.name}")
            grid = settle("grid_uuid", grid, row.grid_uuid, ("网格", "grid"))
    prefill = Prefill(
        place=texts[0] if texts else "",
        grid_uuid=grid,
        building_uuid=building,
        household_uuid=household,
        enterprise_uuid=enterprise,
        visit_uuid=visit,
    )
    return prefill, problems


def place_prefill(
    conn: Connection,
    *,
    household_uuid: str | None = None,
    enterprise_uuid: str | None = None,
    building_uuid: str | None = None,
    visit_uuid: str | None = None,
) -> Prefill:
    """The place of an issue started from a household, enterprise, building or visit."""
    prefill, problems = _resolve_place(
        conn,
        household_uuid=household_uuid,
        enterprise_uuid=enterprise_uuid,
        building_uuid=building_uuid,
        visit_uuid=visit_uuid,
        grid_uuid=None,
    )
    if problems:
        raise IssueInputError(problems)
    if prefill.grid_uuid is None:
        return prefill
    grid = conn.execute(
        select(Grid.code, Grid.name, Grid.member_uuid).where(Grid.uuid == prefill.grid_uuid)
    ).first()
    member_uuid = grid.member_uuid if grid is not None else None
    if prefill.visit_uuid:
        member_uuid = (
            conn.execute(
                select(Visit.member_uuid).where(Visit.uuid == prefill.visit_uuid)
            ).scalar_one_or_none()
            or member_uuid
        )
    member = (
        conn.execute(select(Member.name).where(Member.uuid == member_uuid)).scalar_one_or_none()
        if member_uuid
        else None
    )
    return replace(
        prefill,
        grid_name=f"{grid.code} {grid.name}" if grid is not None else "",
        member_name=member or "",
    )


def _choice_problem(kind: type, value: str, what_zh: str, what_en: str) -> Invalid | None:
    """The reason a value-list entry is unknown, else None."""
    try:
        kind.parse(value)
    except (ValueError, TypeError):
        allowed_zh = "、".join(m.zh for m in kind)
        allowed_en = ", ".join(m.en for m in kind)
        return Invalid(
            f"issue.{what_en.replace(' ', '_')}",
            f"未知的{what_zh}「{value}」，可选：{allowed_zh}",
            f"Unknown {what_en} {value!r}; choose one of: {allowed_en}",
        )
    return None


def check_issue(conn: Connection, data: IssueInput) -> dict[str, Invalid]:
    """Every problem with an issue's input, by field (empty when it can be logged)."""
    problems: dict[str, Invalid] = {}
    if not (data.description or "").strip():
        problems["description"] = Invalid(
            "issue.description_empty",
            "请填写问题描述",
            "Describe the problem",
        )
    for key, kind, zh, en in (
        ("category", IssueCategory, "类别", "category"),
        ("urgency", Urgency, "紧急程度", "urgency"),
        ("reporter_kind", ReporterKind, "反映人类型", "reporter kind"),
    ):
        problem = _choice_problem(kind, getattr(data, key), zh, en)
        if problem is not None:
            problems[key] = problem
    people = data.people_affected
    if people is not None and (isinstance(people, bool) or not isinstance(people, int)):
        problems["people_affected"] = Invalid(
            "issue.people_not_number",
            f"涉及人数应为整数，实际为「{people}」",
            f"People affected must be a whole number, not {people!r}",
        )
    elif people is not None and people < 0:
        problems["people_affected"] = Invalid(
            "issue.people_negative",
            f"涉及人数不能为负数（{people}）",
            f"People affected cannot be negative ({people})",
        )
    today = clock.today()
    if data.due_date is not None and data.due_date < today:
        problems["due_date"] = Invalid(
            "issue.due_past",
            f"办结期限 {data.due_date} 早于今天（{today}）",
            f"The due date {data.due_date} is before today ({today})",
        )
    prefill, place_problems = _resolve_place(
        conn,
        household_uuid=data.household_uuid,
        enterprise_uuid=data.enterprise_uuid,
        building_uuid=data.building_uuid,
        visit_uuid=data.visit_uuid,
        grid_uuid=data.grid_uuid,
    )
    problems.update(place_problems)
    if not place_problems and not (data.place or "").strip() and not prefill.place:
        problems["place"] = Invalid(
            "issue.place_empty",
            "请填写地点，或从住户、企业、楼栋开始登记",
            "Enter the place, or log the issue from a household, an enterprise or a building",
        )
    return problems


def log_issue(
    conn: Connection,
    data: IssueInput,
    *,
    actor: str,
    member_uuid: str | None,
    draft: bool = False,
) -> str:
    """Log an issue (reported, with its submit event; or a draft) and return its uuid."""
    problems = check_issue(conn, data)
    if problems:
        raise IssueInputError(problems)
    prefill, _ = _resolve_place(
        conn,
        household_uuid=data.household_uuid,
        enterprise_uuid=data.enterprise_uuid,
        building_uuid=data.building_uuid,
        visit_uuid=data.visit_uuid,
        grid_uuid=data.grid_uuid,
    )
    grid_uuid = prefill.grid_uuid
    if grid_uuid is None and member_uuid:
        grid_uuid = conn.execute(
            select(Member.grid_uuid).where(Member.uuid == member_uuid)
        ).scalar_one_or_none()
    today = clock.today()
    urgency = Urgency.parse(data.urgency)
    status = S.DRAFT if draft else S.REPORTED
    writer = Writer(conn, actor)
    issue_uuid = writer.insert(
        "issue",
        {
            "grid_uuid": grid_uuid,
            "building_uuid": prefill.building_uuid,
            "household_uuid": prefill.household_uuid,
            "enterprise_uuid": prefill.enterprise_uuid,
            "visit_uuid": prefill.visit_uuid,
            "place": (data.place or "").strip() or prefill.place,
            "reporter_kind": ReporterKind.parse(data.reporter_kind).value,
            "reporter_name": (data.reporter_name or "").strip() or None,
            "category": IssueCategory.parse(data.category).value,
            "description": data.description.strip(),
            "people_affected": data.people_affected,
            "urgency": urgency.value,
            "status": status.value,
            "held_from": None,
            "reported_on": today,
            "due_date": data.due_date or default_due(urgency, today),
            "logged_by": member_uuid,
        },
    )
    if not draft:
        record_event(
            writer, issue_uuid, IssueAction.SUBMIT, None, S.REPORTED, "", member_uuid or actor
        )
    return issue_uuid


def record_event(
    writer: Writer,
    issue_uuid: str,
    action: IssueAction,
    old: IssueStatus | None,
    new: IssueStatus,
    note: str,
    who: str,
) -> str:
    """Record one workflow event, never dated before the issue's latest event (clock skew)."""
    at = stamp()
    latest = writer.conn.execute(
        select(func.max(IssueEvent.at)).where(IssueEvent.issue_uuid == issue_uuid)
    ).scalar_one_or_none()
    if latest is not None:
        if latest.tzinfo is None:
            latest = latest.replace(tzinfo=clock.LOCAL_TZ)
        at = max(at, latest)
    return writer.insert(
        "issue_event",
        {
            "issue_uuid": issue_uuid,
            "at": at,
            "actor": who,
            "action": action.value,
            "from_status": old.value if old else None,
            "to_status": new.value,
            "note": note,
        },
    )
