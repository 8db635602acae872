"""Who is signed in: the members of this laptop's street, one at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, false, select

from gridwalker.store.tables import Community, Grid, Member


@dataclass(frozen=True)
class MemberRef:
    """A member and the grid they walk."""

    uuid: str
    name: str
    grid_uuid: str | None
    grid_code: str
    grid_name: str
    community: str


def members(conn: Connection) -> list[MemberRef]:
    """Everyone who can sign in on this database, with their grid (for the first start)."""
    stmt = (
        select(Member.uuid, Member.name, Grid.uuid, Grid.code, Grid.name, Community.name)
        .outerjoin(Grid, Grid.member_uuid == Member.uuid)
        .outerjoin(Community, Community.uuid == Grid.community_uuid)
        .where(Member.deleted == false())
        .order_by(Grid.code, Member.name)
    )
    return [MemberRef(*(r[:3]), r[3] or "", r[4] or "", r[5] or "") for r in conn.execute(stmt)]


def member_ref(conn: Connection, member_uuid: str) -> MemberRef | None:
    """One member with their grid, or None when unknown."""
    return next((m for m in members(conn) if m.uuid == member_uuid), None)
