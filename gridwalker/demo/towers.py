"""The demo street's office towers and their enterprises, each with a census history."""

from __future__ import annotations

import random
from datetime import date
from typing import Any, Protocol

from gridwalker.demo.street_data import (
    ENTERPRISES_PER_TOWER,
    GIVEN,
    INVENTED_TOWERS,
    REAL_TOWERS,
    SURNAMES,
    TOWER_COMMUNITIES,
    StreetSpec,
)
from gridwalker.domain.choices import PartyOrgKind
from gridwalker.domain.validators import make_uscc


class StreetBuilder(Protocol):
    """What the towers take from the street's builder (demo.street.StreetBuilder)."""

    rng: random.Random
    today: date
    spec: StreetSpec

    def add(self, entity: str, data: dict[str, Any]) -> str:
        """Write one row of `entity`; its uuid."""

    def name(self) -> str:
        """An invented person's name."""

    def mobile(self) -> str:
        """An invented mobile number."""

    def day_between(self, start: date, end: date) -> date:
        """A day in [start, end]."""


def build_towers(
    b: StreetBuilder, grids: list[tuple[str, int, str]], n_towers: int
) -> list[tuple[str, int, list[str]]]:
    rng = b.rng
    names = REAL_TOWERS + INVENTED_TOWERS
    by_community: dict[int, list[int]] = {}
    for gi, (_g, c, _code) in enumerate(grids):
        by_community.setdefault(c, []).append(gi)
    homes = [gi for c in TOWER_COMMUNITIES for gi in by_community.get(c, [])] or [0]
    out = []
    year = b.today.year
    for t in range(n_towers):
        gi = homes[t % len(homes)]
        floors = rng.randint(18, 36)
        tower = b.add(
            "building",
            {
                "grid_uuid": grids[gi][0],
                # Another street's towers carry its name: no two streets share a tower.
                "name": f"{b.spec.tower_prefix}{names[t]}",
                "seq": 900 + t,
                "kind": "commercial",
                "floors": floors,
                "units": 1,
                "has_elevator": True,
                "property_company": rng.choice(["仲量联行物业", "江汉物业", "高力物业"]),
                "property_phone": f"027-8{rng.randrange(10**7):07d}",
                "head_name": b.name(),
                "head_phone": b.mobile(),
            },
        )
        enterprises = []
        for _ in range(ENTERPRISES_PER_TOWER):
            floor = rng.randint(2, floors)
            enterprises.append(build_enterprise(b, tower, floor, year))
        out.append((tower, gi, enterprises))
    return out


def build_enterprise(b: StreetBuilder, tower: str, floor: int, year: int) -> str:
    rng = b.rng
    industry = rng.choices("IJLMFKRPHO", weights=[20, 12, 20, 10, 12, 6, 5, 5, 5, 5])[0]
    suffix = rng.choice(
        ["科技", "咨询", "商贸", "网络", "投资", "文化传媒", "信息技术", "财务管理"]
    )
    name = f"武汉{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{suffix}有限公司"
    social = rng.random() < 0.05
    prefix = ("N2" if rng.random() < 0.5 else "Y1") if social else "91"
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    uscc = make_uscc(f"{prefix}420103{body}")
    ownership = (
        "social_org"
        if social
        else rng.choices(["non_public", "state_owned", "foreign"], weights=[85, 8, 7])[0]
    )
    status = rng.choices(
        ["normal", "difficulty", "suspended", "moved_out", "deregistered"],
        weights=[82, 8, 3, 5, 2],
    )[0]
    ent = b.add(
        "enterprise",
        {
            "building_uuid": tower,
            "floor": floor,
            "room": f"{floor}{rng.randint(1, 20):02d}",
            "uscc": uscc,
            "name": name,
            "industry": industry,
            "ownership": ownership,
            "contact_name": b.name(),
            "contact_phone": b.mobile(),
            "operating_status": status,
        },
    )
    employees = rng.choice(
        [
            rng.randint(3, 20),
            rng.randint(20, 100),
            rng.randint(100, 400),
            rng.randint(400, 1200),
        ]
    )
    scale = (
        "micro"
        if employees < 10
        else "small"
        if employees < 100
        else "medium"
        if employees < 300
        else "large"
    )
    members = max(0, int(employees * rng.uniform(0.0, 0.12)))
    org = (
        "own" if members >= 3 and rng.random() < 0.6 else "joint" if rng.random() < 0.35 else "none"
    )
    kind = PartyOrgKind.BRANCH.value if org == "joint" else None  # a joint branch
    if org == "own":
        kind = (
            PartyOrgKind.COMMITTEE
            if members >= 100
            else PartyOrgKind.GENERAL_BRANCH
            if members >= 50
            else PartyOrgKind.BRANCH
        ).value
        if rng.random() < 0.1:
            kind = PartyOrgKind.BRANCH.value  # a few flagged cases for the census rules
    years = [year - 1] + ([year] if rng.random() < 0.55 else [])
    for y in years:
        b.add(
            "census_record",
            {
                "enterprise_uuid": ent,
                "year": y,
                "census_date": b.day_between(date(y, 3, 1), min(date(y, 11, 30), b.today)),
                "industry": industry,
                "ownership": ownership,
                "scale": scale,
                "employees": employees,
                "operating_status": status if y == year else "normal",
                "contact_name": None,
                "contact_phone": None,
                "party_org_status": org,
                "party_org_kind": kind,
                "party_members": members,
                "instructor_assigned": org != "none" or rng.random() < 0.3,
                "has_union": rng.random() < 0.4,
                "has_youth_league": rng.random() < 0.2,
            },
        )
    return ent
