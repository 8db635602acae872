"""The demo street's building consultations (意见征询), as the seed's story tells them.

邮三社区: an elevator for an old building's first unit, a major matter under Civil Code
art. 278, with the owner register, the cost sharing by floor and a month of door-to-door votes
— some owners changed their minds — leaving it a few owners short of passing. 江北社区: a
parking re-plan put to the owners of one building as an opinion survey (only when the demo is
big enough to hold a 江北 grid). Deterministic from its own seed, so the rest of the street is
the same with or without it; written through the store's functions like any typed-in record.
"""

from __future__ import annotations

import random
import uuid as uuid_mod
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from gridwalker.demo.street_data import GIVEN, SURNAMES
from gridwalker.domain.consultation import VoteChoice, VoteWay
from gridwalker.store.consult.consultations import create_consultation, find_consultation
from gridwalker.store.consult.register import register_rooms
from gridwalker.store.consult.scope import find_scope
from gridwalker.store.consult.votes import record_vote
from gridwalker.store.tables import Building, Community, Grid, Household, Member
from gridwalker.store.writes import Writer

ELEVATOR_COEFFICIENTS = {
    1: "0",
    2: "0.6",
    3: "0.8",
    4: "1.0",
    5: "1.2",
    6: "1.4",
    7: "1.6",
    8: "1.8",
}
PARKING_OPTIONS = ["方案A：划线停车、夜间限停", "方案B：与周边单位错时共享", "方案C：维持现状"]


def build_consultations(conn: Connection, seed: int, today: date) -> int:
    """Add the demo consultations to a built street; returns how many were made."""
    rng = random.Random(seed * 7919 + 278)  # art. 278: its own stream, the street's unchanged
    made = 0
    elevator = _first_building(conn, "邮三社区", old=True)
    if elevator is not None:
        _elevator(conn, rng, today, *elevator)
        made += 1
    parking = _first_building(conn, "江北社区", old=False)
    if parking is not None:
        _parking(conn, rng, today, *parking)
        made += 1
    return made


def _first_building(conn: Connection, community: str, *, old: bool) -> tuple[str, str, str] | None:
    """(grid code, building name, member name) of the first building of a community's first
    grid (an old one without an elevator, when asked and there is one)."""
    stmt = (
        select(
            Grid.code,
            Building.name.label("building"),
            Building.has_elevator,
            Member.name.label("member"),
        )
        .join(Community, Community.uuid == Grid.community_uuid)
        .join(Building, Building.grid_uuid == Grid.uuid)
        .outerjoin(Member, Member.uuid == Grid.member_uuid)
        .where(Community.name == community, Building.deleted.is_(False))
        .order_by(Grid.code, Building.seq)
    )
    rows = conn.execute(stmt).all()
    if not rows:
        return None
    code = rows[0].code
    in_grid = [r for r in rows if r.code == code]
    pick = next((r for r in in_grid if not r.has_elevator), in_grid[0]) if old else in_grid[0]
    return pick.code, pick.building, pick.member or "demo"


def _name(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )


def _uid(rng: random.Random) -> str:
    return str(uuid_mod.UUID(int=rng.getrandbits(128), version=4))


def _register(
    conn: Connection, rng: random.Random, consultation_uuid: str, building: str, unit: int | None
) -> None:
    """The owner register from the building's households: heads as owners, one owner holding
    two rooms, areas as a property company lists them."""
    stmt = select(
        Household.uuid, Household.unit, Household.floor, Household.room, Household.head_name
    ).where(Household.building_uuid == building, Household.deleted.is_(False))
    if unit is not None:
        stmt = stmt.where(Household.unit == unit)
    households = sorted(conn.execute(stmt).all(), key=lambda h: (h.unit, h.floor, h.room))
    rows, ids = [], []
    twice = _name(rng)  # owns two rooms: counts once
    for i, h in enumerate(households):
        owner = twice if i in (2, 5) else (h.head_name or _name(rng))
        area = (Decimal(rng.randint(5200, 9800)) / 100).quantize(Decimal("0.01"))
        rows.append(
            {
                "consultation_uuid": consultation_uuid,
                # each room in its own unit: a building-wide survey's 1-102 and 2-102 are two
                "unit": h.unit,
                "floor": h.floor,
                "room": h.room,
                "owner": owner,
                "unsold": False,
                "area": str(area),
                "household_uuid": h.uuid,
            }
        )
        ids.append(_uid(rng))
    Writer(conn, "demo").insert_many("consult_room", rows, ids)


def _elevator(
    conn: Connection, rng: random.Random, today: date, code: str, building: str, member: str
) -> None:
    scope = find_scope(conn, f"{code}/{building}/1单元")
    opens = today - timedelta(days=45)
    ident = create_consultation(
        conn,
        member,
        title=f"{building}1单元加装电梯",
        scope=scope,
        kind="decision",
        matter="major",
        opens=opens,
        closes=today + timedelta(days=30),
        cost="630000",
        subsidy="250000",
        coefficients=ELEVATOR_COEFFICIENTS,
    )
    _register(conn, rng, ident, scope.building_uuid, 1)
    info = find_consultation(conn, ident)
    rooms = register_rooms(conn, ident)
    # about three quarters of the rooms asked; a quarter of those against or abstaining, so
    # the vote stands a few owners short of 3/4; two owners first said no, then yes.
    asked = rooms[: max(1, (len(rooms) * 3 + 3) // 4)]
    against = set(rng.sample(range(len(asked)), max(1, len(asked) // 4 + 1)))
    changed = [i for i in range(len(asked)) if i not in against][:2]
    for i, room in enumerate(asked):
        day = opens + timedelta(days=rng.randint(1, 20))
        if i in changed:
            _vote(conn, member, info, room, VoteChoice.DISAGREE, day, rng)
            day = day + timedelta(days=rng.randint(5, 20))
        choice = (
            rng.choice([VoteChoice.DISAGREE, VoteChoice.ABSTAIN])
            if i in against
            else VoteChoice.AGREE
        )
        _vote(conn, member, info, room, choice, min(day, today), rng)


def _parking(
    conn: Connection, rng: random.Random, today: date, code: str, building: str, member: str
) -> None:
    scope = find_scope(conn, f"{code}/{building}")
    opens = today - timedelta(days=20)
    ident = create_consultation(
        conn,
        member,
        title=f"{building}停车位重新规划意见调查",
        scope=scope,
        kind="survey",
        options=PARKING_OPTIONS,
        opens=opens,
        closes=today + timedelta(days=10),
    )
    _register(conn, rng, ident, scope.building_uuid, None)
    info = find_consultation(conn, ident)
    rooms = register_rooms(conn, ident)
    for i, room in enumerate(rooms[: len(rooms) * 3 // 5]):
        day = opens + timedelta(days=rng.randint(1, 12))
        if i % 7 == 3:  # changed their mind after the residents' meeting
            _vote(conn, member, info, room, PARKING_OPTIONS[2], day, rng)
            day = min(today, day + timedelta(days=rng.randint(2, 6)))
        option = PARKING_OPTIONS[0] if rng.random() < 0.55 else rng.choice(PARKING_OPTIONS[1:])
        _vote(conn, member, info, room, option, day, rng)


def _vote(conn, member, info, room, choice, day, rng) -> None:  # noqa: ANN001
    way = rng.choice(
        [VoteWay.SIGNED, VoteWay.SIGNED, VoteWay.SIGNED, VoteWay.PROXY, VoteWay.WRITTEN]
    )
    record_vote(
        conn,
        member,
        info,
        room,
        choice=str(choice),
        way=way.value,
        voted_on=day,
        form_no=f"YS-{rng.randint(1, 999):03d}" if way is VoteWay.SIGNED else None,
        proxy_name=_name(rng) if way is VoteWay.PROXY else None,
    )
