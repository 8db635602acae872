"""One issue whole: its place in words, its timeline, what may be done next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import (
    Connection,
    false,
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
    allowed_actions,
    is_overdue,
)
from gridwalker.store.issues.constants import S
from gridwalker.store.issues.errors import IssueNotFound
from gridwalker.store.tables import (
    Building,
    Community,
    Enterprise,
    Grid,
    Household,
    Issue,
    IssueEvent,
    Member,
)


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
    rev: str = ""  # the row's rev when read: a transition is taken only from this rev

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
        rev=issue.rev,
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
