"""The issue log: logging, the workflow's transitions with their events, lists and detail.

Every write goes through `Writer` in the caller's transaction; a refused input or transition
raises before anything is written. Lists page from SQL and compute "overdue" there with
portable expressions, with the same meaning as `domain.workflow.is_overdue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    false,
    func,
    literal,
    select,
)

from gridwalker.domain import clock
from gridwalker.domain.addresses import address as household_address
from gridwalker.domain.choices import (
    IssueCategory,
    IssueStatus,
    ReporterKind,
    Role,
    Urgency,
)
from gridwalker.domain.validators import Invalid
from gridwalker.domain.workflow import (
    IssueAction,
    TransitionError,
    allowed_actions,
    apply_action,
    default_due,
    is_overdue,
    requires_note,
)
from gridwalker.store.tables import (
    Building,
    Community,
    Enterprise,
    Grid,
    Household,
    Issue,
    IssueEvent,
    Member,
    Visit,
)
from gridwalker.store.writes import Writer, stamp

S = IssueStatus

# Statuses that can be past due (is_overdue: not a draft, not resolved/verified/closed/declined).
OVERDUE_CAPABLE: tuple[str, ...] = tuple(
    s.value for s in IssueStatus if s is not S.DRAFT and not s.is_done_for_overdue
)
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in IssueStatus if s.is_open)
DUE_SOON_DAYS = 7
MIN_PREFIX = 6

SortKey = Literal["due", "age"]


# --- errors ---------------------------------------------------------------------------------


class IssueInputError(ValueError):
    """Input that cannot be logged; `.problems` maps each bad field to its bilingual reason."""

    def __init__(self, problems: dict[str, Invalid]) -> None:
        super().__init__("; ".join(f"{k}: {v.zh} / {v.en}" for k, v in problems.items()))
        self.problems = problems


class IssueNotFound(LookupError):
    """No live issue has that uuid (or uuid prefix); `.invalid` says so in zh and en."""

    def __init__(self, invalid: Invalid) -> None:
        super().__init__(f"{invalid.zh} / {invalid.en}")
        self.invalid = invalid


# --- logging --------------------------------------------------------------------------------


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
    return prefill


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
        _event(writer, issue_uuid, IssueAction.SUBMIT, None, S.REPORTED, "", member_uuid or actor)
    return issue_uuid


def _event(
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


# --- the workflow ---------------------------------------------------------------------------


def resolve_issue(conn: Connection, text: str) -> str:
    """The uuid of the live issue named by a full uuid or a unique prefix of 6+ characters."""
    key = (text or "").strip().lower()
    if len(key) < MIN_PREFIX:
        raise IssueNotFound(
            Invalid(
                "issue.prefix_short",
                f"事件编号至少要写{MIN_PREFIX}位（「{key}」太短）",
                f"Give at least {MIN_PREFIX} characters of the issue id ({key!r} is too short)",
            )
        )
    found = (
        conn.execute(
            select(Issue.uuid)
            .where(Issue.uuid.startswith(key, autoescape=True), Issue.deleted == false())
            .order_by(Issue.uuid)
            .limit(2)
        )
        .scalars()
        .all()
    )
    if not found:
        raise IssueNotFound(Invalid("issue.not_found", f"找不到事件「{key}」", f"No issue {key!r}"))
    if len(found) > 1:
        raise IssueNotFound(
            Invalid(
                "issue.ambiguous",
                f"「{key}」对应多个事件，请多写几位",
                f"{key!r} matches several issues; give more characters",
            )
        )
    return found[0]


def transition(
    conn: Connection,
    issue_uuid: str,
    action: IssueAction | str,
    *,
    role: Role | str,
    actor: str,
    note: str = "",
    member_uuid: str | None = None,
) -> IssueStatus:
    """Apply a workflow action and record its event; refused: TransitionError, nothing written."""
    # The event's actor is the member uuid when there is one (the timeline shows the member's
    # name); `actor` stamps the row (updated_by) and stands in for scripts without a member.
    row = conn.execute(
        select(Issue.status, Issue.held_from).where(
            Issue.uuid == issue_uuid, Issue.deleted == false()
        )
    ).first()
    if row is None:
        raise IssueNotFound(
            Invalid("issue.not_found", f"找不到事件「{issue_uuid}」", f"No issue {issue_uuid!r}")
        )
    old = S(row.status)
    held_from = S(row.held_from) if row.held_from else None
    new = apply_action(old, action, role, held_from)  # also checks action and role codes
    act = IssueAction(action)
    note = (note or "").strip()
    if requires_note(act) and not note:
        raise TransitionError(
            Invalid(
                "workflow.note_required",
                f"{act.zh}必须填写原因",
                f"Say why in a note to {act.en.lower()} an issue",
            )
        )
    changes: dict[str, Any] = {"status": new.value}
    if act is IssueAction.HOLD:
        changes["held_from"] = old.value
    elif act is IssueAction.RESUME:
        changes["held_from"] = None
    if act is IssueAction.SUBMIT:
        # Reported today: a due date that was only the default moves with it.
        changes["reported_on"] = clock.today()
        row = conn.execute(
            select(Issue.urgency, Issue.reported_on, Issue.due_date).where(Issue.uuid == issue_uuid)
        ).one()
        urgency = Urgency(row.urgency)
        if row.due_date == default_due(urgency, row.reported_on):
            changes["due_date"] = default_due(urgency, clock.today())
    writer = Writer(conn, actor)
    writer.update("issue", issue_uuid, changes)
    _event(writer, issue_uuid, act, old, new, note, member_uuid or actor)
    return new


# --- lists and counts -----------------------------------------------------------------------


@dataclass(frozen=True)
class IssueFilter:
    """Which issues a list shows; every field narrows it, None/False means "any"."""

    statuses: frozenset[str] | None = None
    category: str | None = None
    building_uuid: str | None = None
    grid_uuid: str | None = None
    overdue: bool = False
    mine: str | None = None  # a member uuid: issues that member logged
    household_uuid: str | None = None
    enterprise_uuid: str | None = None
    due_within_days: int | None = None  # live issues due from today to today + n
    open_only: bool = False


@dataclass(frozen=True)
class IssueRow:
    """One line of the issue list."""

    uuid: str
    category: IssueCategory
    status: IssueStatus
    urgency: Urgency
    summary: str  # first line of the description
    place: str
    reported_on: date
    due_date: date | None
    overdue: bool
    age_days: int


@dataclass(frozen=True)
class TodayCounts:
    """The issue figures on the Today screen."""

    open: int
    overdue: int
    due_this_week: int


def _overdue(today: date) -> ColumnElement[bool]:
    """Past due and still live (is_overdue in SQL)."""
    return and_(
        Issue.status.in_(OVERDUE_CAPABLE),
        Issue.due_date.is_not(None),
        Issue.due_date < today,
    )


def _due_within(days: int, today: date) -> ColumnElement[bool]:
    """Live and due between today and today + days (inclusive)."""
    return and_(
        Issue.status.in_(OVERDUE_CAPABLE),
        Issue.due_date >= today,
        Issue.due_date <= today + timedelta(days=days),
    )


def _where(
    flt: IssueFilter, today: date, *, with_statuses: bool = True
) -> list[ColumnElement[bool]]:
    """The conditions of a filter."""
    conds: list[ColumnElement[bool]] = [Issue.deleted == false()]
    if with_statuses and flt.statuses is not None:
        conds.append(Issue.status.in_(sorted(flt.statuses)))
    if flt.open_only:
        conds.append(Issue.status.in_(OPEN_STATUSES))
    if flt.category:
        conds.append(Issue.category == flt.category)
    if flt.building_uuid:
        conds.append(Issue.building_uuid == flt.building_uuid)
    if flt.grid_uuid:
        conds.append(Issue.grid_uuid == flt.grid_uuid)
    if flt.household_uuid:
        conds.append(Issue.household_uuid == flt.household_uuid)
    if flt.enterprise_uuid:
        conds.append(Issue.enterprise_uuid == flt.enterprise_uuid)
    if flt.mine:
        conds.append(Issue.logged_by == flt.mine)
    if flt.overdue:
        conds.append(_overdue(today))
    if flt.due_within_days is not None:
        conds.append(_due_within(flt.due_within_days, today))
    return conds


def _first_line(text: str) -> str:
    """The first non-empty line of a text."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def issue_page(
    conn: Connection, flt: IssueFilter, sort: SortKey, offset: int, limit: int
) -> list[IssueRow]:
    """One page of the issue list: by due date (undated last) or newest first."""
    today = clock.today()
    overdue = case((_overdue(today), literal(1)), else_=literal(0))
    if sort == "due":
        order = [Issue.due_date.is_(None), Issue.due_date, Issue.reported_on, Issue.uuid]
    elif sort == "age":
        order = [Issue.reported_on.desc(), Issue.change.desc(), Issue.uuid]
    else:
        raise ValueError(f"sort must be 'due' or 'age', not {sort!r}")
    stmt = (
        select(
            Issue.uuid,
            Issue.category,
            Issue.status,
            Issue.urgency,
            Issue.description,
            Issue.place,
            Issue.reported_on,
            Issue.due_date,
            overdue.label("overdue"),
        )
        .where(*_where(flt, today))
        .order_by(*order)
        .offset(max(0, offset))
        .limit(max(0, limit))
    )
    return [
        IssueRow(
            uuid=r.uuid,
            category=IssueCategory(r.category),
            status=S(r.status),
            urgency=Urgency(r.urgency),
            summary=_first_line(r.description),
            place=r.place,
            reported_on=r.reported_on,
            due_date=r.due_date,
            overdue=bool(r.overdue),
            age_days=(today - r.reported_on).days,
        )
        for r in conn.execute(stmt)
    ]


def issue_count(conn: Connection, flt: IssueFilter) -> int:
    """How many issues a filter holds."""
    stmt = select(func.count()).select_from(Issue).where(*_where(flt, clock.today()))
    return conn.execute(stmt).scalar_one()


def status_counts(conn: Connection, flt: IssueFilter) -> dict[str, int]:
    """Issues per status code under a filter's other conditions (its statuses are ignored)."""
    stmt = (
        select(Issue.status, func.count())
        .where(*_where(flt, clock.today(), with_statuses=False))
        .group_by(Issue.status)
    )
    counts = {s.value: 0 for s in IssueStatus}
    for status, n in conn.execute(stmt):
        counts[status] = n
    return counts


def today_filters(grid_uuid: str | None = None) -> dict[str, IssueFilter]:
    """The filters behind each Today figure, so a figure opens exactly the list it counts."""
    return {
        "open": IssueFilter(grid_uuid=grid_uuid, open_only=True),
        "overdue": IssueFilter(grid_uuid=grid_uuid, overdue=True),
        "due_this_week": IssueFilter(grid_uuid=grid_uuid, due_within_days=DUE_SOON_DAYS),
    }


def today_counts(conn: Connection, grid_uuid: str | None = None) -> TodayCounts:
    """Open, overdue and due-within-a-week issues (of one grid, or all), in one query."""
    today = clock.today()

    def tally(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, literal(1)), else_=literal(0))), 0)

    conds: list[ColumnElement[bool]] = [Issue.deleted == false()]
    if grid_uuid:
        conds.append(Issue.grid_uuid == grid_uuid)
    row = conn.execute(
        select(
            tally(Issue.status.in_(OPEN_STATUSES)),
            tally(_overdue(today)),
            tally(_due_within(DUE_SOON_DAYS, today)),
        ).where(*conds)
    ).one()
    return TodayCounts(open=int(row[0]), overdue=int(row[1]), due_this_week=int(row[2]))


# --- detail ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    """One event of an issue's timeline."""

    at: datetime  # local time (Asia/Shanghai)
    who: str  # the member's name when the actor is a member uuid, else the actor as recorded
    actor: str
    action: IssueAction
    from_status: IssueStatus | None
    to_status: IssueStatus
    note: str


@dataclass(frozen=True)
class IssueDetail:
    """Everything about one issue, with its place names and its timeline (oldest first)."""

    uuid: str
    category: IssueCategory
    description: str
    status: IssueStatus
    held_from: IssueStatus | None
    urgency: Urgency
    reporter_kind: ReporterKind
    reporter_name: str | None
    people_affected: int | None
    place: str
    reported_on: date
    due_date: date | None
    overdue: bool
    age_days: int
    grid_uuid: str | None
    grid_code: str | None
    grid_name: str | None
    community_name: str | None
    building_uuid: str | None
    building_name: str | None
    household_uuid: str | None
    household_address: str | None
    enterprise_uuid: str | None
    enterprise_name: str | None
    visit_uuid: str | None
    logged_by: str | None
    logged_by_name: str | None
    updated_at: datetime
    timeline: list[TimelineEvent] = field(default_factory=list)

    def actions(self, role: Role | str) -> list[IssueAction]:
        """The actions `role` may take now: exactly what the workflow allows."""
        return allowed_actions(self.status, role)


def issue_detail(conn: Connection, issue_uuid: str) -> IssueDetail:
    """One issue with its place names, who logged it and every event; IssueNotFound if none."""
    logger = Member.__table__.alias("logger")
    hh_building = Building.__table__.alias("hh_building")
    stmt = (
        select(
            *Issue.__table__.c,
            Grid.code.label("grid_code"),
            Grid.name.label("grid_name"),
            Community.name.label("community_name"),
            Building.name.label("building_name"),
            Household.unit.label("hh_unit"),
            Household.room.label("hh_room"),
            hh_building.c.name.label("hh_building_name"),
            Enterprise.name.label("enterprise_name"),
            logger.c.name.label("logged_by_name"),
        )
        .outerjoin(Grid, Grid.uuid == Issue.grid_uuid)
        .outerjoin(Community, Community.uuid == Grid.community_uuid)
        .outerjoin(Building, Building.uuid == Issue.building_uuid)
        .outerjoin(Household, Household.uuid == Issue.household_uuid)
        .outerjoin(hh_building, hh_building.c.uuid == Household.building_uuid)
        .outerjoin(Enterprise, Enterprise.uuid == Issue.enterprise_uuid)
        .outerjoin(logger, logger.c.uuid == Issue.logged_by)
        .where(Issue.uuid == issue_uuid, Issue.deleted == false())
    )
    row = conn.execute(stmt).first()
    if row is None:
        raise IssueNotFound(
            Invalid("issue.not_found", f"找不到事件「{issue_uuid}」", f"No issue {issue_uuid!r}")
        )
    issue = row
    today = clock.today()
    address = None
    if issue.household_uuid and row.hh_building_name is not None:
        address = household_address(
            row.community_name or "", row.hh_building_name, row.hh_unit, row.hh_room
        )
    status = S(issue.status)
    return IssueDetail(
        uuid=issue.uuid,
        category=IssueCategory(issue.category),
        description=issue.description,
        status=status,
        held_from=S(issue.held_from) if issue.held_from else None,
        urgency=Urgency(issue.urgency),
        reporter_kind=ReporterKind(issue.reporter_kind),
        reporter_name=issue.reporter_name,
        people_affected=issue.people_affected,
        place=issue.place,
        reported_on=issue.reported_on,
        due_date=issue.due_date,
        overdue=is_overdue(status, issue.due_date, today),
        age_days=(today - issue.reported_on).days,
        grid_uuid=issue.grid_uuid,
        grid_code=row.grid_code,
        grid_name=row.grid_name,
        community_name=row.community_name,
        building_uuid=issue.building_uuid,
        building_name=row.building_name,
        household_uuid=issue.household_uuid,
        household_address=address,
        enterprise_uuid=issue.enterprise_uuid,
        enterprise_name=row.enterprise_name,
        visit_uuid=issue.visit_uuid,
        logged_by=issue.logged_by,
        logged_by_name=row.logged_by_name,
        updated_at=issue.updated_at,
        timeline=issue_timeline(conn, issue_uuid),
    )


def issue_timeline(conn: Connection, issue_uuid: str) -> list[TimelineEvent]:
    """An issue's events, oldest first (ties in time kept in the order they were written)."""
    stmt = (
        select(*IssueEvent.__table__.c, Member.name.label("member_name"))
        .outerjoin(Member, Member.uuid == IssueEvent.actor)
        .where(IssueEvent.issue_uuid == issue_uuid, IssueEvent.deleted == false())
        .order_by(IssueEvent.at, IssueEvent.change, IssueEvent.uuid)
    )
    out = []
    for ev in conn.execute(stmt):
        out.append(
            TimelineEvent(
                at=ev.at.astimezone(clock.LOCAL_TZ) if ev.at.tzinfo else ev.at,
                who=ev.member_name or ev.actor,
                actor=ev.actor,
                action=IssueAction(ev.action),
                from_status=S(ev.from_status) if ev.from_status else None,
                to_status=S(ev.to_status),
                note=ev.note,
            )
        )
    return out


def building_name(conn: Connection, building_uuid: str) -> str | None:
    """A building's name (for an issue list filtered by building), or None when unknown."""
    return conn.execute(
        select(Building.name).where(Building.uuid == building_uuid)
    ).scalar_one_or_none()
