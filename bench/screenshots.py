"""`make screenshots`: an SVG of every screen, on the demo laptop as of a fixed day.

Writes into the folder given (the top-level `screens/`), which the README shows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2026, 11, 20)
SIZE = (120, 40)


async def settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def first(db: Path, stmt: Any) -> Any:
    from gridwalker.store.migrate import open_database

    engine = open_database(db)
    with engine.connect() as conn:
        value = conn.execute(stmt).scalar()
    engine.dispose()
    return value


def shots(db: Path) -> dict[str, Callable[[Any], Awaitable[None]]]:
    """Screen name → what to do in a running app before the screenshot."""
    from sqlalchemy import func, select

    from gridwalker.store.tables import Building, Enterprise, Household, Issue, Resident

    household = first(
        db,
        select(Household.uuid)
        .join(Resident, Resident.household_uuid == Household.uuid)
        .where(func.json_array_length(Resident.care_tags) > 0)
        .order_by(Household.uuid),
    )
    issue = first(db, select(Issue.uuid).where(Issue.status == "in_progress").order_by(Issue.uuid))
    tower = first(db, select(Building.uuid).where(Building.kind == "commercial"))
    enterprise = first(db, select(Enterprise.uuid).order_by(Enterprise.floor, Enterprise.room))

    async def today(pilot: Any) -> None:
        await settle(pilot)

    async def round_list(pilot: Any) -> None:
        await pilot.press("r")
        await settle(pilot)

    async def household_screen(pilot: Any) -> None:
        pilot.app.open_household(household)
        await settle(pilot)

    async def visit(pilot: Any) -> None:
        pilot.app.open_visit(household)
        await settle(pilot)

    async def resident(pilot: Any) -> None:
        pilot.app.open_household(household)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    async def search(pilot: Any) -> None:
        await pilot.press("slash", "w", "a", "n", "g")
        await settle(pilot)

    async def care(pilot: Any) -> None:
        pilot.app.open_attention_list("care")
        await settle(pilot)

    async def places(pilot: Any) -> None:
        await pilot.press("p")
        await settle(pilot)
        for keys in (("down", "space"), ("down", "space"), ("down",)):
            await pilot.press(*keys)
            await settle(pilot)

    async def help_keys(pilot: Any) -> None:
        await pilot.press("f1")
        await settle(pilot)

    async def issues(pilot: Any) -> None:
        await pilot.press("i")
        await settle(pilot)

    async def issue_detail(pilot: Any) -> None:
        from gridwalker.tui.common.issue_detail import IssueDetailScreen

        pilot.app.push_screen(IssueDetailScreen(issue))
        await settle(pilot)

    async def issue_form(pilot: Any) -> None:
        pilot.app.log_issue(household_uuid=household)
        await settle(pilot)

    async def towers(pilot: Any) -> None:
        await pilot.press("c")
        await settle(pilot)

    async def tower_screen(pilot: Any) -> None:
        pilot.app.open_tower(tower)
        await settle(pilot)

    async def census_form(pilot: Any) -> None:
        pilot.app.open_census_form(enterprise, tower)
        await settle(pilot)

    async def infobase(pilot: Any) -> None:
        pilot.app.open_infobase(street=False)
        await settle(pilot)

    async def export(pilot: Any) -> None:
        await pilot.press("e")
        await settle(pilot)

    async def consultation(pilot: Any) -> None:
        # The grid's consultations (k), then the first one: its live count.
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    return {
        "today": today,
        "round": round_list,
        "household": household_screen,
        "visit": visit,
        "resident": resident,
        "search": search,
        "care-list": care,
        "places": places,
        "help": help_keys,
        "issues": issues,
        "issue-detail": issue_detail,
        "issue-form": issue_form,
        "towers": towers,
        "tower": tower_screen,
        "census-form": census_form,
        "infobase": infobase,
        "export": export,
        "consultation": consultation,
    }


async def take(db: Path, out: Path, name: str, lang: str, action: Any) -> None:
    from gridwalker.domain import clock
    from gridwalker.tui.field.app import GridwalkerApp

    with clock.frozen(TODAY):
        app = GridwalkerApp(db, lang=lang)
        app.animation_level = "none"
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await action(pilot)
            app.save_screenshot(f"{name}.svg", str(out))


async def take_hub(db: Path, home: Any, out: Path, name: str, keys: tuple[str, ...]) -> None:
    from gridwalker.domain import clock
    from gridwalker.tui.desk.app import HubApp

    with clock.frozen(TODAY):
        app = HubApp(db, lang="zh", home=home)
        app.animation_level = "none"
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            app.save_screenshot(f"{name}.svg", str(out))


RETURN_COMMENT = "关爱对象的走访情况没有填写，请补充。"


def return_a_visit(db: Path, member_uuid: str) -> None:
    """A supervisor's return of the member's latest visit, as a hub bundle would bring it."""
    from sqlalchemy import select

    from gridwalker.domain import clock
    from gridwalker.store.migrate import open_database
    from gridwalker.store.returns import store_decisions
    from gridwalker.store.tables import Visit
    from gridwalker.store.writes import stable_uuid

    engine = open_database(db)
    with engine.begin() as conn:
        visit = conn.execute(
            select(Visit.uuid, Visit.rev)
            .where(Visit.member_uuid == member_uuid)
            .order_by(Visit.visited_at.desc(), Visit.uuid)
            .limit(1)
        ).one()
        decision = stable_uuid("screenshot-return", visit.uuid)
        store_decisions(
            conn,
            [
                {
                    "decision_uuid": decision,
                    "decision_rev": "1-" + decision.replace("-", "")[:16],
                    "entity": "visit",
                    "uuid": visit.uuid,
                    "rev": visit.rev,
                    "state": "returned",
                    "comment": RETURN_COMMENT,
                    "actor": "王主任",
                    "at": clock.now(),
                }
            ],
        )
    engine.dispose()


async def returned_list(pilot: Any) -> None:
    pilot.app.open_returned()
    await settle(pilot)


async def correction(pilot: Any) -> None:
    pilot.app.open_returned()
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def take_setup(root: Path, out: Path) -> None:
    """A new laptop's first start: the setup (no member on it yet)."""
    from gridwalker import config
    from gridwalker.domain import clock
    from gridwalker.tui.field.app import GridwalkerApp

    home = config.paths(root)
    home.data.mkdir(parents=True, exist_ok=True)
    with clock.frozen(TODAY):
        app = GridwalkerApp(home.field_db, lang="zh", home=home)
        app.animation_level = "none"
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(50):
                await settle(pilot)
                if type(app.screen).__name__ == "SetupScreen":
                    break
            app.save_screenshot("setup.svg", str(out))


HUB_SHOTS = {
    "hub-queue": (),
    "hub-record": ("enter",),
    "hub-conflicts": ("2",),
    "hub-bundles": ("3",),
    "hub-members": ("4",),
    # The queue's state filter → 重新提交 (the third choice), then the first such record: the
    # earlier comment and what changed since the returned version.
    "hub-resubmitted": ("s", "down", "down", "enter", "enter"),
    "hub-coverage": ("5",),
    # Enter on a figure of the first grid: its visited households, its care-tagged residents.
    "hub-coverage-households": ("5", "down", "right", "right", "right", "enter"),
    "hub-coverage-care": ("5", "down", "right", "right", "right", "right", "right", "enter"),
    # The street's building consultations (7), then the elevator (the second, opened earlier
    # than the parking survey): its count against the thresholds and its votes.
    "hub-consultations": ("7",),
    "hub-consultation": ("7", "down", "enter"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="make only these pictures (file names without .svg), e.g. --only hub-consultation",
    )
    args = parser.parse_args()
    only = set(args.only or ())

    def wanted(name: str) -> bool:
        return not only or name in only

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GRIDWALKER_HOME"] = tmp
        from gridwalker import config
        from gridwalker.demo.street import build_demo
        from gridwalker.domain import clock
        from gridwalker.store import rounds
        from gridwalker.store.migrate import open_database
        from gridwalker.sync.keys import init_device_key, init_hub_identity, trust_hub

        db = Path(tmp) / "demo.db"
        engine = open_database(db)
        with clock.frozen(TODAY):
            build_demo(engine, households=400, today=TODAY)
        with engine.connect() as conn:
            member = rounds.members(conn)[0]
        engine.dispose()
        home = config.paths()
        config.save_settings(
            home,
            config.Settings(
                member_uuid=member.uuid, member_name=member.name, grid_code=member.grid_code
            ),
        )
        init_device_key(home)
        trust_hub(home, init_hub_identity(home, clock.now())[0])
        actions = shots(db)
        for name, action in actions.items():
            if wanted(name):
                asyncio.run(take(db, out, name, "zh", action))
                print(f"{out / name}.svg")
        for name in ("today", "visit"):
            if wanted(f"{name}-en"):
                asyncio.run(take(db, out, f"{name}-en", "en", actions[name]))
                print(f"{out / name}-en.svg")
        with clock.frozen(TODAY):
            return_a_visit(db, member.uuid)
        for name, action in (("returned", returned_list), ("correction", correction)):
            if wanted(name):
                asyncio.run(take(db, out, name, "zh", action))
                print(f"{out / name}.svg")
        if wanted("setup"):
            asyncio.run(take_setup(Path(tmp) / "new-laptop", out))
            print(f"{out / 'setup'}.svg")
        if not any(wanted(name) for name in HUB_SHOTS):
            return
        from gridwalker.demo.hub import build_demo_hub

        hub_home = config.paths(Path(tmp) / "hub")
        with clock.frozen(TODAY):
            build_demo_hub(hub_home, households=2000, today=TODAY)
        for name, keys in HUB_SHOTS.items():
            if wanted(name):
                asyncio.run(take_hub(hub_home.hub_db, hub_home, out, name, keys))
                print(f"{out / name}.svg")


if __name__ == "__main__":
    main()
