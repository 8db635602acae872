"""First-run setup on a laptop: the grids it knows, a grid named by code or path, the member.

A grid is named by its code (`XH-03-02`) or by its path of names (`新华街/邮三社区/第9网格`).
A grid the laptop does not hold yet (no roster imported) is made from its path and code with
the ids the hub gives the same place (`writes.stable_uuid`), so provisioning later brings the
same rows, not a second grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from gridwalker.store.tables import Building, Community, Grid, Issue, Member, Street
from gridwalker.store.writes import Writer, new_uuid, stable_uuid

GRID_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
PATH_SEPARATORS = re.compile(r"\s*[/／]\s*")


class SetupProblem(ValueError):
    """A member or grid that cannot be set up as given (the message is bilingual)."""


@dataclass(frozen=True)
class GridRef:
    """A grid with the names of its community and street."""

    uuid: str
    code: str
    name: str
    community: str
    street: str
    member_uuid: str | None = None

    @property
    def path(self) -> str:
        """Its path of names: 街道/社区/网格."""
        return f"{self.street}/{self.community}/{self.name}"


def grids(conn: Connection) -> list[GridRef]:
    """Every live grid of the database, by code."""
    stmt = (
        select(Grid.uuid, Grid.code, Grid.name, Community.name, Street.name, Grid.member_uuid)
        .join(Community, Community.uuid == Grid.community_uuid)
        .join(Street, Street.uuid == Community.street_uuid)
        .where(Grid.deleted.is_(False))
        .order_by(Grid.code)
    )
    return [GridRef(*row) for row in conn.execute(stmt)]


def split_path(text: str) -> list[str]:
    """The names of a path `街道/社区/网格` (a full-width slash too), blanks dropped."""
    return [part for part in PATH_SEPARATORS.split(text.strip()) if part]


def find_grid(conn: Connection, spec: str) -> GridRef | None:
    """The grid a code or a path of names (街道/社区/网格, or 社区/网格 when unique) names."""
    spec = spec.strip()
    if not spec:
        return None
    known = grids(conn)
    by_code = [g for g in known if g.code.upper() == spec.upper()]
    if by_code:
        return by_code[0]
    names = split_path(spec)
    if len(names) < 2:
        return None
    found = [g for g in known if [g.street, g.community, g.name][-len(names) :] == names]
    if len(found) > 1:
        raise SetupProblem(
            f"「{spec}」指向多个网格，请写出完整路径或网格代码 / {spec!r} names more than one grid: "
            "give the whole path or the grid's code"
        )
    return found[0] if found else None


def unknown_grid(conn: Connection, spec: str) -> SetupProblem:
    """The error for a grid the database does not hold, listing the ones it does."""
    known = grids(conn)
    listed = "; ".join(f"{g.code} {g.path}" for g in known[:12])
    more = f" … (+{len(known) - 12})" if len(known) > 12 else ""
    if known:
        hint = f"已有网格 / known grids: {listed}{more}"
    else:
        hint = (
            "数据库中还没有网格：请给出网格代码和路径，或先导入花名册 / this database holds no grid "
            "yet: give the grid's code and its path (--grid XH-03-09 --place 新华街/邮三社区/第9网格), "
            "or import a roster first"
        )
    return SetupProblem(f"未知网格「{spec}」/ unknown grid {spec!r}. {hint}")


def check_code(code: str) -> str:
    """A grid code as typed, checked (letters, digits, '-' and '_'; at most 32)."""
    code = code.strip().upper()
    if not GRID_CODE.match(code):
        raise SetupProblem(
            f"网格代码「{code}」无效：只能含字母、数字和“-”，最多 32 个字符 / "
            f"not a grid code: {code!r} (letters, digits and '-', at most 32)"
        )
    return code


def make_grid(conn: Connection, writer: Writer, code: str, place: str) -> GridRef:
    """A grid the laptop does not hold yet, with its community and street (made when missing)."""
    code = check_code(code)
    names = split_path(place)
    if len(names) != 3:
        raise SetupProblem(
            f"网格路径应为“街道/社区/网格”：{place!r} / a grid's path is street/community/grid: "
            f"{place!r}"
        )
    street_name, community_name, grid_name = names
    street = conn.execute(
        select(Street.uuid).where(Street.name == street_name, Street.deleted.is_(False))
    ).scalar()
    if street is None:
        street = writer.insert(
            "street",
            {"name": street_name, "area_code": ""},
            uuid=stable_uuid("street", street_name),
        )
    community = conn.execute(
        select(Community.uuid).where(
            Community.name == community_name,
            Community.street_uuid == street,
            Community.deleted.is_(False),
        )
    ).scalar()
    if community is None:
        community = writer.insert(
            "community",
            {"street_uuid": street, "name": community_name},
            uuid=stable_uuid("community", street_name, community_name),
        )
    uuid = writer.insert(
        "grid",
        {"community_uuid": community, "code": code, "name": grid_name},
        uuid=stable_uuid("grid", code),
    )
    return GridRef(uuid, code, grid_name, community_name, street_name)


def set_up_member(
    conn: Connection,
    writer: Writer,
    name: str,
    grid: GridRef,
    phone: str | None = None,
) -> str:
    """The member who walks `grid` (made, or found by name), assigned to it; returns their uuid.

    Idempotent: the same name and grid again changes nothing. A grid that another member walks
    is refused (the hub moves members: `gridwalker hub member move`).
    """
    name = name.strip()
    if not name:
        raise SetupProblem("网格员姓名不能为空 / the member's name must not be empty")
    phone = (phone or "").strip() or None
    found = conn.execute(
        select(Member.uuid, Member.phone, Member.grid_uuid).where(
            Member.name == name, Member.deleted.is_(False)
        )
    ).first()
    if grid.member_uuid and (found is None or grid.member_uuid != found[0]):
        other = conn.execute(select(Member.name).where(Member.uuid == grid.member_uuid)).scalar()
        if other is not None:
            raise SetupProblem(
                f"网格 {grid.code} 已由{other}负责 / grid {grid.code} is walked by {other}"
            )
    if found is None:
        uuid = stable_uuid("member", name)
        if conn.execute(select(Member.uuid).where(Member.uuid == uuid)).first():
            uuid = new_uuid()  # a retired member of that name keeps their row and history
        writer.insert(
            "member",
            {"name": name, "phone": phone, "role": "member", "grid_uuid": grid.uuid},
            uuid=uuid,
        )
    else:
        uuid = found[0]
        changes: dict[str, object] = {"grid_uuid": grid.uuid}
        if phone is not None:
            changes["phone"] = phone
        writer.update("member", uuid, changes)
    if grid.member_uuid != uuid:
        writer.update("grid", grid.uuid, {"member_uuid": uuid})
    return uuid


def merge_typed_grids(conn: Connection, actor: str, typed: set[str]) -> dict[str, str]:
    """A grid typed in at setup (never sent) that the hub's provisioning brought under another
    id, at the same path of names, becomes that grid: what points at it points at the hub's
    grid, and the typed one goes (one grid, not two). Returns {typed code: the hub's code}."""
    known = grids(conn)
    by_path: dict[str, list[GridRef]] = {}
    for g in known:
        by_path.setdefault(g.path, []).append(g)
    merged: dict[str, str] = {}
    writer = Writer(conn, actor)
    for mine in [g for g in known if g.uuid in typed]:
        theirs = [g for g in by_path[mine.path] if g.uuid != mine.uuid and g.uuid not in typed]
        if len(theirs) != 1:
            continue
        hub = theirs[0]
        for model in (Building, Issue, Member):
            for (uuid,) in conn.execute(
                select(model.uuid).where(model.grid_uuid == mine.uuid)
            ).all():
                writer.update(model.__tablename__, uuid, {"grid_uuid": hub.uuid})
        if hub.member_uuid is None and mine.member_uuid is not None:
            writer.update("grid", hub.uuid, {"member_uuid": mine.member_uuid})
        conn.execute(delete(Grid).where(Grid.uuid == mine.uuid))  # never sent: nobody knew it
        merged[mine.code] = hub.code
    return merged
