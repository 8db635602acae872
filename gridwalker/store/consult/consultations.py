"""Consultations: made over a scope, found by id (or its first characters), listed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from gridwalker.domain import fields
from gridwalker.domain.consultation import (
    ConsultError,
    ConsultKind,
    ConsultStatus,
    Matter,
    parse_coefficient,
    parse_money,
)
from gridwalker.store.consult import ConsultProblem
from gridwalker.store.consult.scope import Scope, find_scope
from gridwalker.store.tables import (
    Building,
    Community,
    Consultation,
    ConsultRoom,
    ConsultVote,
    Grid,
    Street,
)
from gridwalker.store.writes import Writer

ID_MIN = 6  # the fewest first characters of an id a command accepts


@dataclass(frozen=True)
class ConsultationInfo:
    """A consultation as lists and commands show it."""

    uuid: str
    title: str
    kind: ConsultKind
    matter: Matter | None
    status: ConsultStatus
    scope: str
    building_uuid: str
    building: str
    unit: int | None
    grid_uuid: str
    options: list[str]
    opens: date | None
    closes: date | None
    cost: Decimal | None
    subsidy: Decimal | None
    coefficients: dict[int, Decimal] = field(default_factory=dict)
    rooms: int = 0
    votes: int = 0
    closed_at: datetime | None = None  # set by a supervisor at the hub: the result is fixed
    closed_by: str | None = None
    counted: frozenset[str] = frozenset()  # the votes the fixed result was made from
    counted_rooms: dict[str, dict[str, str]] = field(default_factory=dict)  # the register then

    @property
    def closed(self) -> bool:
        """Whether the consultation takes no more votes (its result fixed when closed at
        the hub)."""
        return self.status is ConsultStatus.CLOSED


def create_consultation(
    conn: Connection,
    actor: str,
    *,
    title: str,
    scope: str | Scope,
    kind: str,
    matter: str | None = None,
    options: Sequence[str] = (),
    opens: date | None = None,
    closes: date | None = None,
    cost: str | None = None,
    subsidy: str | None = None,
    coefficients: dict[int, str] | None = None,
) -> str:
    """Make a consultation (checked first: nothing is written when anything is wrong)."""
    place = scope if isinstance(scope, Scope) else find_scope(conn, scope)
    data = check_consultation(
        title=title,
        kind=kind,
        matter=matter,
        options=options,
        opens=opens,
        closes=closes,
        cost=cost,
        subsidy=subsidy,
        coefficients=coefficients or {},
    )
    data.update(grid_uuid=place.grid_uuid, building_uuid=place.building_uuid, unit=place.unit)
    return Writer(conn, actor).insert("consultation", data)


def check_consultation(
    *,
    title: str,
    kind: str,
    matter: str | None,
    options: Sequence[str],
    opens: date | None,
    closes: date | None,
    cost: str | None,
    subsidy: str | None,
    coefficients: dict[int, str],
) -> dict[str, Any]:
    """A consultation's fields, checked; ConsultProblem naming the first that is wrong."""
    title = " ".join((title or "").split())
    if not title:
        raise ConsultProblem("请写明征询事项（标题）/ give the consultation a title")
    try:
        the_kind = ConsultKind.parse(kind)
        the_matter = Matter.parse(matter) if matter else None
    except ValueError as exc:
        raise ConsultProblem(str(exc)) from None
    texts = [" ".join(o.split()) for o in options]
    if the_kind is ConsultKind.DECISION:
        if the_matter is None:
            raise ConsultProblem(
                "表决须注明事项类别：--matter major（重大）或 ordinary（一般）/ a decision needs "
                "--matter major or ordinary"
            )
        if texts:
            raise ConsultProblem(
                "表决的选项固定为 同意/不同意/弃权，不另设 --option / a decision's answers are "
                "agree, disagree, abstain: no --option"
            )
    else:
        if the_matter is not None:
            raise ConsultProblem(
                "意见调查没有法定事项类别，不设 --matter / a survey has no --matter"
            )
        if len(texts) < 2 or len(set(texts)) != len(texts) or not all(texts):
            raise ConsultProblem(
                "意见调查至少需要两个互不相同的选项（--option A --option B）/ a survey needs at "
                "least two different options (--option A --option B)"
            )
    if opens and closes and closes < opens:
        raise ConsultProblem(
            f"结束日期 {closes} 早于开始日期 {opens} / closes {closes} is before opens {opens}"
        )
    try:
        money = {
            "cost": str(parse_money(cost, "总造价", "cost")) if cost else None,
            "subsidy": str(parse_money(subsidy, "补贴", "subsidy")) if subsidy else None,
        }
        coefs = {str(int(k)): str(parse_coefficient(v)) for k, v in coefficients.items()}
    except ConsultError as exc:
        raise ConsultProblem(str(exc)) from None
    if money["subsidy"] and money["cost"] and Decimal(money["subsidy"]) > Decimal(money["cost"]):
        raise ConsultProblem("补贴超过总造价 / the subsidy exceeds the cost")
    data: dict[str, Any] = {
        "title": title,
        "kind": the_kind.value,
        "matter": the_matter.value if the_matter else None,
        "options": texts,
        "opens": opens,
        "closes": closes,
        "coefficients": coefs,
        "status": ConsultStatus.OPEN.value,
        **money,
    }
    for name, value in data.items():
        bad = fields.check_value("consultation", name, value)
        if bad is not None:
            raise ConsultProblem(f"{bad.zh} / {bad.en}")
    return data


def _infos(conn: Connection, where: Sequence[Any]) -> list[ConsultationInfo]:
    rooms = (
        select(ConsultRoom.consultation_uuid, func.count().label("n"))
        .where(ConsultRoom.deleted.is_(False))
        .group_by(ConsultRoom.consultation_uuid)
        .subquery()
    )
    votes = (
        select(ConsultVote.consultation_uuid, func.count().label("n"))
        .where(ConsultVote.deleted.is_(False))
        .group_by(ConsultVote.consultation_uuid)
        .subquery()
    )
    stmt = (
        select(
            Consultation.__table__,
            Building.name.label("building"),
            Grid.name.label("grid"),
            Community.name.label("community"),
            Street.name.label("street"),
            func.coalesce(rooms.c.n, 0).label("rooms"),
            func.coalesce(votes.c.n, 0).label("votes"),
        )
        .join(Building, Building.uuid == Consultation.building_uuid)
        .join(Grid, Grid.uuid == Consultation.grid_uuid)
        .join(Community, Community.uuid == Grid.community_uuid)
        .join(Street, Street.uuid == Community.street_uuid)
        .outerjoin(rooms, rooms.c.consultation_uuid == Consultation.uuid)
        .outerjoin(votes, votes.c.consultation_uuid == Consultation.uuid)
        .where(Consultation.deleted.is_(False), *where)
        # newest first, the undated last on either engine (PostgreSQL puts NULL first otherwise)
        .order_by(Consultation.opens.desc().nulls_last(), Consultation.title, Consultation.uuid)
    )
    out = []
    for row in conn.execute(stmt):
        c = row
        path = f"{row.street}/{row.community}/{row.grid}/{row.building}"
        out.append(
            ConsultationInfo(
                uuid=c.uuid,
                title=c.title,
                kind=ConsultKind(c.kind),
                matter=Matter(c.matter) if c.matter else None,
                status=ConsultStatus(c.status),
                scope=path + (f"/{c.unit}单元" if c.unit else ""),
                building_uuid=c.building_uuid,
                building=row.building,
                unit=c.unit,
                grid_uuid=c.grid_uuid,
                options=list(c.options or []),
                opens=c.opens,
                closes=c.closes,
                cost=Decimal(c.cost) if c.cost else None,
                subsidy=Decimal(c.subsidy) if c.subsidy else None,
                coefficients={int(k): Decimal(v) for k, v in (c.coefficients or {}).items()},
                rooms=row.rooms,
                votes=row.votes,
                closed_at=_aware(c.closed_at),
                closed_by=c.closed_by,
                counted=frozenset(c.counted or ()),
                counted_rooms=dict(c.counted_rooms or {}),
            )
        )
    return out


def ensure_open(consultation: ConsultationInfo) -> None:
    """ConsultProblem when the consultation is closed: it takes no more votes and its owner
    register is fixed (the result was counted on them)."""
    if not consultation.closed:
        return
    when = consultation.closed_at.date().isoformat() if consultation.closed_at else ""
    who = consultation.closed_by or ""
    raise ConsultProblem(
        f"该征询已于 {when} 由 {who} 结束，结果已固定，不再记录意见或修改名册 / this "
        f"consultation was closed on {when} by {who}: its result is fixed, it takes no more "
        "votes and its owner register no more changes"
    )


def _aware(at: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC, PostgreSQL aware: always aware."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def list_consultations(
    conn: Connection, building_uuid: str | None = None
) -> list[ConsultationInfo]:
    """Every live consultation (of one building when given), newest first."""
    where = [Consultation.building_uuid == building_uuid] if building_uuid else []
    return _infos(conn, where)


def find_consultation(conn: Connection, ident: str) -> ConsultationInfo:
    """The consultation an id names (the whole id, or its first characters when they are
    enough to tell it apart); ConsultProblem otherwise."""
    key = (ident or "").strip().lower()
    if len(key) < ID_MIN:
        raise ConsultProblem(
            f"征询编号「{ident}」太短：至少写 {ID_MIN} 位 / consultation id {ident!r} is too "
            f"short: give at least {ID_MIN} characters"
        )
    found = _infos(conn, [Consultation.uuid.startswith(key, autoescape=True)])
    if len(found) == 1:
        return found[0]
    if found:
        raise ConsultProblem(
            f"编号「{ident}」对应多个征询，请多写几位 / {ident!r} names more than one "
            "consultation: give more characters"
        )
    raise ConsultProblem(f"没有编号为「{ident}」的征询 / no consultation {ident!r}")
