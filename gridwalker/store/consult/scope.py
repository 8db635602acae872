"""A consultation's scope: a building, or one 单元 of it, named by its path of names
(街道/社区/网格/楼栋[/单元]) or by its grid code and building (XH-01-01/7栋[/1单元])."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, select

from gridwalker.domain.addresses import building_number
from gridwalker.store.consult import ConsultProblem
from gridwalker.store.rounds.setup import GridRef, SetupProblem, find_grid, grids, split_path
from gridwalker.store.tables import Building

_UNIT = re.compile(r"^(\d+)\s*(?:单元)?$")


@dataclass(frozen=True)
class Scope:
    """Where a consultation asks: the grid, the building and maybe one unit."""

    grid_uuid: str
    building_uuid: str
    building: str
    unit: int | None
    path: str


def _unit(text: str) -> int | None:
    found = _UNIT.match(text.strip())
    return int(found.group(1)) if found and int(found.group(1)) > 0 else None


def find_scope(conn: Connection, spec: str) -> Scope:
    """The building (and unit) a scope names; ConsultProblem when it names none."""
    names = split_path(spec or "")
    grid: GridRef | None = None
    rest: list[str] = []
    if names:
        by_code = [g for g in grids(conn) if g.code.upper() == names[0].upper()]
        if by_code:
            grid, rest = by_code[0], names[1:]
    if grid is None and len(names) >= 4:
        try:
            grid = find_grid(conn, "/".join(names[:3]))
        except SetupProblem as exc:
            raise ConsultProblem(str(exc)) from None
        rest = names[3:]
    if grid is None or not 1 <= len(rest) <= 2:
        raise ConsultProblem(
            f"范围「{spec}」应写成 街道/社区/网格/楼栋[/单元] 或 网格代码/楼栋[/单元] / scope "
            f"{spec!r}: write street/community/grid/building[/unit] or GRIDCODE/building[/unit]"
        )
    unit = None
    if len(rest) == 2:
        unit = _unit(rest[1])
        if unit is None:
            raise ConsultProblem(
                f"单元「{rest[1]}」应为正整数（如 1单元）/ unit {rest[1]!r}: expected a whole "
                "number (e.g. 1单元)"
            )
    building_uuid, name = _building(conn, grid, rest[0])
    path = f"{grid.path}/{name}" + (f"/{unit}单元" if unit else "")
    return Scope(grid.uuid, building_uuid, name, unit, path)


def _building(conn: Connection, grid: GridRef, text: str) -> tuple[str, str]:
    """The live building of a grid named `text` (or numbered so: 7 → 7栋)."""
    rows = conn.execute(
        select(Building.uuid, Building.name).where(
            Building.grid_uuid == grid.uuid, Building.deleted.is_(False)
        )
    ).all()
    exact = [r for r in rows if r.name == text.strip()]
    if not exact and text.strip().isdigit():
        exact = [r for r in rows if building_number(r.name) == int(text)]
    if len(exact) == 1:
        return exact[0].uuid, exact[0].name
    known = "、".join(sorted(r.name for r in rows)[:20]) or "—"
    if exact:
        raise ConsultProblem(
            f"{grid.path} 有多栋楼名为「{text}」，请写全名 / more than one building of "
            f"{grid.path} is {text!r}: give its full name"
        )
    raise ConsultProblem(
        f"{grid.path} 没有楼栋「{text}」（已有：{known}）/ no building {text!r} in {grid.path} "
        f"(known: {known})"
    )
