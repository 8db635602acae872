"""The demo street: 新华街, Jianghan district, Wuhan, built deterministically from a seed.

The street, its real communities (邮三, 江北, 单洞) and towers (良友大厦, 民生银行大厦,
福星商会大厦) come from the public account of Xinhua Street; everything else — the other
communities, every person and company — is invented and deterministic from the seed.
Generated ID numbers and credit codes carry valid check characters.

Rows go in through `Writer.insert_many` (SQLAlchemy Core executemany) in batches, so each
row gets its rev and change number exactly as a typed-in row would.
"""

from __future__ import annotations

import random
import uuid as uuid_mod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine

from gridwalker.demo.consultations import build_consultations
from gridwalker.demo.street_data import (
    BATCH,
    COMMUNITY_THEMES,
    CONCERNS,
    DEMO_MEMBER,
    FULL_HOUSEHOLDS,
    FULL_TOWERS,
    GIVEN,
    GRIDS_PER_COMMUNITY,
    ISSUE_PATH_WEIGHTS,
    ISSUE_PATHS,
    ISSUE_TEXT,
    SUPERVISOR_ACTIONS,
    SURNAMES,
    StreetSpec,
    street_spec,
)
from gridwalker.demo.towers import build_towers
from gridwalker.domain import clock
from gridwalker.domain.choices import (
    CareTag,
    IssueCategory,
    IssueStatus,
    Role,
    Urgency,
    VisitOutcome,
)
from gridwalker.domain.validators import make_resident_id
from gridwalker.domain.workflow import IssueAction, apply_action, default_due
from gridwalker.store import search
from gridwalker.store.writes import Writer

Progress = Callable[[str, int, int], None]


@dataclass
class DemoSummary:
    """What a demo build made."""

    counts: dict[str, int] = field(default_factory=dict)
    member_uuid: str = ""
    member_name: str = DEMO_MEMBER
    grid_code: str = ""
    today: date | None = None


class StreetBuilder:
    """Builds the street into a database: places, residents, towers, visits and issues."""

    def __init__(
        self,
        engine: Engine,
        households: int,
        seed: int,
        months: int,
        today: date,
        progress: Progress | None,
        spec: StreetSpec | None = None,
    ) -> None:
        self.engine = engine
        self.spec = spec or street_spec(0)
        self.target = households
        self.rng = random.Random(seed)
        self.seed = seed
        self.months = months
        self.today = today
        self.progress = progress or (lambda *_: None)
        self.summary = DemoSummary(today=today)
        self.pending: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    # -- helpers ----------------------------------------------------------------------------

    def uid(self) -> str:
        return str(uuid_mod.UUID(int=self.rng.getrandbits(128), version=4))

    def add(self, entity: str, data: dict[str, Any]) -> str:
        row_id = self.uid()
        self.pending.setdefault(entity, []).append((row_id, data))
        return row_id

    def flush(self, writer: Writer) -> None:
        for entity, rows in self.pending.items():
            for i in range(0, len(rows), BATCH):
                chunk = rows[i : i + BATCH]
                writer.insert_many(entity, [d for _, d in chunk], [u for u, _ in chunk])
            self.summary.counts[entity] = self.summary.counts.get(entity, 0) + len(rows)
        self.pending.clear()

    def name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        return "1" + self.rng.choice("3578") + f"{self.rng.randrange(10**9):09d}"

    def day_between(self, start: date, end: date) -> date:
        span = max((end - start).days, 0)
        return start + timedelta(days=self.rng.randint(0, span))

    def stamp(self, day: date) -> datetime:
        minutes = self.rng.randint(9 * 60, 18 * 60)
        now = clock.now()
        at = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=now.tzinfo)
        return min(at, now.replace(microsecond=0))  # nothing happened later than now

    # -- the street -------------------------------------------------------------------------

    def build(self) -> DemoSummary:
        n_grids = max(1, round(34 * self.target / FULL_HOUSEHOLDS))
        n_grids = min(n_grids, 34)
        per_grid = self.target // n_grids
        n_towers = max(1, min(FULL_TOWERS, round(FULL_TOWERS * self.target / FULL_HOUSEHOLDS)))
        steps = ["places", "residents", "enterprises", "visits", "issues", "search"]
        self.step = 0

        def done(label: str) -> None:
            self.step += 1
            self.progress(label, self.step, len(steps))

        with self.engine.begin() as conn:
            writer = Writer(conn, "demo", index=False)
            spec = self.spec
            street = self.add("street", {"name": spec.name, "area_code": spec.area_code})
            communities = [
                self.add("community", {"street_uuid": street, "name": n}) for n in spec.communities
            ]
            grids: list[tuple[str, int, str]] = []  # (uuid, community index, code)
            members: dict[int, str] = {}  # grid index -> its member
            order = [(c, g) for c, count in enumerate(GRIDS_PER_COMMUNITY) for g in range(count)]
            for c, g in order[:n_grids]:
                member = self.add(
                    "member",
                    {
                        # The demo member (李晓梅) keeps the first grid of the first street.
                        "name": DEMO_MEMBER if not grids and not spec.tower_prefix else self.name(),
                        "phone": self.mobile(),
                        "role": Role.MEMBER.value,
                    },
                )
                code = f"{spec.grid_prefix}-{c + 1:02d}-{g + 1:02d}"
                grid = self.add(
                    "grid",
                    {
                        "community_uuid": communities[c],
                        "code": code,
                        "name": f"第{g + 1}网格",
                        "member_uuid": member,
                    },
                )
                self.pending["member"][-1][1]["grid_uuid"] = grid
                if not grids:
                    self.summary.member_uuid, self.summary.grid_code = member, code
                members[len(grids)] = member
                grids.append((grid, c, code))
            self.flush(writer)
            done("places")

            households = []  # (uuid, grid index, building uuid, building name, residents)
            for gi, (grid, c, _code) in enumerate(grids):
                households += self.residential(grid, gi, per_grid, c)
            self.flush(writer)
            done("residents")

            towers = build_towers(self, grids, n_towers)
            self.flush(writer)
            done("enterprises")

            self.visits(households, members)
            self.flush(writer)
            done("visits")

            self.issues(households, grids, members, towers)
            self.flush(writer)
            done("issues")

            made = build_consultations(conn, self.seed, self.today)
            if made:
                self.summary.counts["consultation"] = made

            search.rebuild(conn)
            done("search")
        return self.summary

    def residential(self, grid: str, gi: int, count: int, community: int) -> list[tuple]:
        rng = self.rng
        out = []
        made = 0
        b = 0
        while made < count:
            b += 1
            floors = rng.choice([6, 6, 7, 7, 8, 11, 18])
            units = rng.choice([1, 2, 2, 3])
            per_floor = 2
            old = floors <= 7
            bname = f"{b}栋"
            building = self.add(
                "building",
                {
                    "grid_uuid": grid,
                    "name": bname,
                    "seq": b,
                    "kind": "residential",
                    "floors": floors,
                    "units": units,
                    "has_elevator": not old,
                    "property_company": rng.choice(
                        ["江汉物业", "新华物业", "居民自管", "兴华物业"]
                    ),
                    "property_phone": f"027-8{rng.randrange(10**7):07d}",
                    "head_name": self.name(),
                    "head_phone": self.mobile(),
                },
            )
            for unit in range(1, units + 1):
                for floor in range(1, floors + 1):
                    for r in range(1, per_floor + 1):
                        if made >= count:
                            break
                        out.append(
                            self.household(building, bname, gi, unit, floor, f"{floor}{r:02d}")
                        )
                        made += 1
        return out

    def household(
        self, building: str, bname: str, gi: int, unit: int, floor: int, room: str
    ) -> tuple:
        rng = self.rng
        roll = rng.random()
        occupancy = (
            "owner"
            if roll < 0.68
            else "rented"
            if roll < 0.9
            else "multi_tenant"
            if roll < 0.94
            else "vacant"
        )
        head = self.name()
        hh = self.add(
            "household",
            {
                "building_uuid": building,
                "unit": unit,
                "floor": floor,
                "room": room,
                "occupancy": occupancy,
                "head_name": head if occupancy != "vacant" else None,
                "phone": self.mobile() if occupancy != "vacant" else None,
            },
        )
        residents: list[tuple[str, list[str]]] = []
        if occupancy == "vacant":
            return (hh, gi, building, bname, residents)
        size = rng.choices([1, 2, 3, 4, 5], weights=[18, 30, 28, 16, 8])[0]
        head_age = rng.choices(
            [rng.randint(25, 59), rng.randint(60, 79), rng.randint(80, 95)], weights=[55, 33, 12]
        )[0]
        surname = head[0]
        for i in range(size):
            if i == 0:
                name, age, relation = head, head_age, "self"
            elif i == 1:
                name, age, relation = self.name(), max(20, head_age + rng.randint(-5, 5)), "spouse"
            else:
                name = surname + self.name()[1:]
                age = max(0, head_age - rng.randint(22, 35))
                relation = "child" if age < head_age - 15 else "other"
                if head_age > 70 and rng.random() < 0.3:
                    relation = "grandchild"
                    age = rng.randint(3, 16)
            if occupancy == "rented":
                relation = "tenant" if i > 0 else relation
            sex = "male" if rng.random() < 0.5 else "female"
            birth = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            if birth > self.today:  # a baby born this year, not later
                birth = self.today - timedelta(days=rng.randint(1, 300))
            tags: list[str] = []
            if age >= 80:
                tags.append(CareTag.AGED_80.value)
            if size == 1 and age >= 65:
                tags.append(CareTag.ELDERLY_ALONE.value)
            for tag, p in (
                (CareTag.DISABLED, 0.02),
                (CareTag.DIBAO, 0.02),
                (CareTag.VETERAN, 0.02),
                (CareTag.PARTY_MEMBER, 0.06),
                (CareTag.UNEMPLOYED, 0.015),
            ):
                if age >= 18 and rng.random() < p:
                    tags.append(tag.value)
            if 0 < age < 16 and rng.random() < 0.05:
                tags.append(CareTag.LEFT_BEHIND_CHILD.value)
            area = (
                "420103"
                if rng.random() < 0.75
                else rng.choice(["420102", "420104", "420105", "421122", "420984"])
            )
            rid = self.add(
                "resident",
                {
                    "household_uuid": hh,
                    "name": name,
                    "sex": sex,
                    "birth_date": birth,
                    "id_number": make_resident_id(
                        area, birth, rng.randint(1, 499) * 2 - (sex == "male"), sex
                    )
                    if rng.random() < 0.85
                    else None,
                    "phone": self.mobile() if age >= 16 and rng.random() < 0.8 else None,
                    "relation": relation,
                    "residence_type": "floating"
                    if occupancy in ("rented", "multi_tenant")
                    else "permanent",
                    "care_tags": tags,
                },
            )
            residents.append((rid, tags))
        return (hh, gi, building, bname, residents)

    # -- towers and enterprises -------------------------------------------------------------

    # -- visits -----------------------------------------------------------------------------

    def visits(self, households: list[tuple], members: dict[int, str]) -> None:
        rng = self.rng
        first = date(self.today.year, self.today.month, 1)
        months = []
        d = first
        for _ in range(self.months):
            months.append(d)
            d = (d - timedelta(days=1)).replace(day=1)
        outcomes = [
            VisitOutcome.VISITED,
            VisitOutcome.REQUEST,
            VisitOutcome.NOBODY_HOME,
            VisitOutcome.REFUSED,
            VisitOutcome.ABSENT_REGISTERED,
            VisitOutcome.ROSTER_UPDATED,
        ]
        weights = [70, 6, 13, 2, 3, 6]
        for start in months:
            current = start == first
            end = (
                self.today
                if current
                else (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            )
            share = min(1.0, self.today.day / 26) * 0.9 if current else 0.97
            for hh, gi, _b, _bname, residents in households:
                if rng.random() > share:
                    continue
                outcome = (
                    VisitOutcome.VACANT
                    if not residents
                    else rng.choices(outcomes, weights=weights)[0]
                )
                self.visit(hh, members[gi], outcome, self.day_between(start, end), residents)
                if outcome is VisitOutcome.NOBODY_HOME and rng.random() < (0.3 if current else 0.8):
                    day = self.day_between(start, end)
                    self.visit(hh, members[gi], VisitOutcome.VISITED, day, residents)

    def visit(
        self, hh: str, member: str, outcome: VisitOutcome, day: date, residents: list[tuple]
    ) -> str:
        rng = self.rng
        seen = (
            [r for r, _ in residents]
            if outcome.counts_as_covered and outcome is not VisitOutcome.VACANT
            else []
        )
        if seen and len(seen) > 1:
            seen = rng.sample(seen, rng.randint(1, len(seen)))
        checks = {r: "见到，身体状况良好" for r, tags in residents if tags and r in seen}
        follow = day + timedelta(days=rng.choice([7, 14, 30])) if rng.random() < 0.08 else None
        return self.add(
            "visit",
            {
                "household_uuid": hh,
                "member_uuid": member,
                "visited_on": day,
                "visited_at": self.stamp(day),
                "outcome": outcome.value,
                "residents_seen": seen,
                "care_checks": checks,
                "concerns": rng.choice(CONCERNS) if seen else "",
                "follow_up": follow,
                "roster_changes": [],
            },
        )

    # -- issues -----------------------------------------------------------------------------

    def issues(
        self, households: list[tuple], grids: list, members: dict[int, str], towers: list
    ) -> None:
        rng = self.rng
        if not households:
            return
        count = max(12, round(5000 * len(households) / FULL_HOUSEHOLDS))
        categories = list(IssueCategory)
        start = self.today - timedelta(days=30 * self.months)
        for i in range(count):
            hh, gi, building, bname, _res = rng.choice(households)
            community = grids[gi][1]
            theme = COMMUNITY_THEMES.get(community)
            category = theme if theme and rng.random() < 0.4 else rng.choice(categories)
            urgency = Urgency.URGENT if rng.random() < 0.15 else Urgency.NORMAL
            # Every status shows up: cycle through the paths first, then draw by weight.
            path = (
                ISSUE_PATHS[i]
                if i < len(ISSUE_PATHS)
                else rng.choices(ISSUE_PATHS, weights=ISSUE_PATH_WEIGHTS)[0]
            )
            reported = self.day_between(start, self.today)
            if not path or path[-1] in (IssueAction.ACCEPT, IssueAction.START):
                reported = self.day_between(self.today - timedelta(days=40), self.today)
            enterprise = None
            if (
                towers
                and category in (IssueCategory.FIRE_HAZARD, IssueCategory.PROPERTY)
                and rng.random() < 0.3
            ):
                tower, gi, ents = rng.choice(towers)
                building, bname, hh, enterprise = tower, "", None, rng.choice(ents)
            member = members[gi]
            status = IssueStatus.REPORTED
            held_from = None
            events = [(reported, None, IssueAction.SUBMIT, IssueStatus.REPORTED, "")]
            day = reported
            for action in path:
                new = apply_action(status, action, Role.SUPERVISOR, held_from)
                day = min(self.today, day + timedelta(days=rng.randint(0, 6)))
                note = (
                    "已现场协调处理"
                    if action in (IssueAction.RESOLVE, IssueAction.RESOLVE_ON_SPOT)
                    else ""
                )
                if action is IssueAction.DECLINE:
                    note = "不属于社区职责范围，已告知居民向相关部门反映"
                if action is IssueAction.HOLD:
                    held_from = status
                    note = "等待业主表决结果"
                events.append((day, status, action, new, note))
                status = new
            issue = self.add(
                "issue",
                {
                    "grid_uuid": grids[gi][0],
                    "building_uuid": building,
                    "household_uuid": hh,
                    "enterprise_uuid": enterprise,
                    "place": bname,
                    "reporter_kind": "enterprise"
                    if enterprise
                    else rng.choice(["resident", "resident", "patrol"]),
                    "reporter_name": self.name(),
                    "category": category.value,
                    "description": ISSUE_TEXT[category].format(b=bname or "楼宇内"),
                    "people_affected": rng.choice([1, 2, 5, 12, 30, 80]),
                    "urgency": urgency.value,
                    "status": status.value,
                    "held_from": held_from.value if held_from else None,
                    "reported_on": reported,
                    "due_date": default_due(urgency, reported),
                    "logged_by": member,
                },
            )
            times: list[datetime] = []
            for when, *_rest in events:
                # strictly increasing times, even for several steps on one day
                at = self.stamp(when)
                times.append(at if not times else max(at, times[-1] + timedelta(minutes=20)))
            late = times[-1] - clock.now().replace(microsecond=0)
            if late > timedelta(0):  # the chain ran past now: move it all back
                times = [t - late for t in times]
            for at, (_when, old, action, new, note) in zip(times, events, strict=True):
                self.add(
                    "issue_event",
                    {
                        "issue_uuid": issue,
                        "at": at,
                        "actor": "supervisor" if action in SUPERVISOR_ACTIONS else member,
                        "action": action.value,
                        "from_status": old.value if old else None,
                        "to_status": new.value,
                        "note": note,
                    },
                )


def build_demo(
    engine: Engine,
    households: int = FULL_HOUSEHOLDS,
    seed: int = 7,
    months: int = 12,
    today: date | None = None,
    progress: Progress | None = None,
    street: int = 0,
) -> DemoSummary:
    """Build the demo street into a migrated, empty database; deterministic for a seed and day.

    `street` picks the street's names (demo.street_data.street_spec: 0 is 新华街); the seed
    makes its people, so several streets take several seeds."""
    if households < 1:
        raise ValueError("households must be at least 1")
    if months < 1:
        raise ValueError("months must be at least 1")
    day = today or clock.today()
    with clock.frozen(day):
        builder = StreetBuilder(
            engine, households, seed, months, day, progress, street_spec(street)
        )
        return builder.build()
