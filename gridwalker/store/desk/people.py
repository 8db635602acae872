"""The hub's people: members added, listed, moved to another grid and retired at the hub.

The hub writes these rows as an origin of its own, like a device: through `Writer` (rev,
audit, change number) and with each version kept in `hub_rev`, so a laptop that made the same
member at its setup (the same id: `writes.stable_uuid`) and the hub's version merge by the
usual rules. A member is retired, never deleted from history: the row becomes a tombstone,
the records they made keep their name, and their devices are revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, false, func, insert, select

from gridwalker.domain import clock, fields
from gridwalker.store import ledger, rls
from gridwalker.store.revs import json_value
from gridwalker.store.rounds.setup import GridRef, SetupProblem, find_grid, unknown_grid
from gridwalker.store.tables import (
    SYNCED_TABLES,
    Audit,
    Community,
    Grid,
    Member,
    Street,
    data_columns,
)
from gridwalker.store.tables.hub import HubDevice, HubRev, HubSupervisor
from gridwalker.store.writes import Writer, new_uuid, stable_uuid


class MemberProblem(ValueError):
    """A member command that cannot be done as asked (bilingual message)."""


@dataclass(frozen=True)
class MemberRow:
    """A member as `hub member list` shows them."""

    uuid: str
    name: str
    phone: str | None
    grid_code: str
    grid_path: str
    retired: bool
    devices: int

    def as_json(self) -> dict[str, Any]:
        """The `--json` object of one member."""
        return {
            "uuid": self.uuid,
            "name": self.name,
            "phone": self.phone,
            "grid": self.grid_code or None,
            "grid_path": self.grid_path or None,
            "retired": self.retired,
            "devices": self.devices,
        }


class HubWriter:
    """Writes of the hub as an origin: the row through `Writer`, its version into `hub_rev`."""

    def __init__(self, conn: Connection, actor: str) -> None:
        self.conn = conn
        self.actor = actor
        self.writer = Writer(conn, actor)

    def insert(self, entity: str, data: dict[str, Any], uuid: str) -> str:
        """A new row made at the hub."""
        self.writer.insert(entity, data, uuid=uuid)
        self._keep(entity, uuid)
        return uuid

    def update(self, entity: str, uuid: str, changes: dict[str, Any]) -> str | None:
        """Change a row at the hub; its new version is kept."""
        rev = self.writer.update(entity, uuid, changes)
        if rev is not None:
            self._keep(entity, uuid)
        return rev

    def delete(self, entity: str, uuid: str) -> str:
        """Tombstone a row at the hub; its new version is kept."""
        rev = self.writer.delete(entity, uuid)
        self._keep(entity, uuid)
        return rev

    def _keep(self, entity: str, uuid: str) -> None:
        table = SYNCED_TABLES[entity].__table__
        row = self.conn.execute(select(table).where(table.c.uuid == uuid)).mappings().one()
        self.conn.execute(
            insert(HubRev).values(
                entity=entity,
                uuid=uuid,
                rev=row["rev"],
                base_rev=row["base_rev"],
                origin=None,
                deleted=bool(row["deleted"]),
                data={name: json_value(row[name]) for name in data_columns(entity)},
                updated_at=row["updated_at"],
                updated_by=self.actor[:64],
                device_id=None,
                head=False,
            )
        )


def _live_member(conn: Connection, name: str) -> Any | None:
    return conn.execute(
        select(Member).where(Member.name == name.strip(), Member.deleted == false())
    ).first()


def _grid(conn: Connection, spec: str) -> GridRef:
    try:
        grid = find_grid(conn, spec)
    except SetupProblem as exc:
        raise MemberProblem(str(exc)) from None
    if grid is None:
        raise MemberProblem(str(unknown_grid(conn, spec)))
    return grid


def _assign(hub: HubWriter, member_uuid: str, grid: GridRef) -> None:
    """The member walks `grid` (and no other): the grid's member and the member's grid."""
    conn = hub.conn
    if grid.member_uuid and grid.member_uuid != member_uuid:
        other = conn.execute(
            select(Member.name).where(Member.uuid == grid.member_uuid, Member.deleted == false())
        ).scalar()
        if other is not None:
            raise MemberProblem(
                f"网格 {grid.code} 已由{other}负责：请先移走{other} / grid {grid.code} is walked "
                f"by {other}: move {other} first (gridwalker hub member move)"
            )
    for (old,) in conn.execute(
        select(Grid.uuid).where(
            Grid.member_uuid == member_uuid, Grid.uuid != grid.uuid, Grid.deleted == false()
        )
    ).all():
        hub.update("grid", old, {"member_uuid": None})
    hub.update("grid", grid.uuid, {"member_uuid": member_uuid})
    hub.update("member", member_uuid, {"grid_uuid": grid.uuid})


def add_member(
    conn: Connection, actor: str, name: str, grid_spec: str, phone: str | None = None
) -> tuple[str, GridRef]:
    """A new member who walks a grid (named by code or path); returns (uuid, grid)."""
    name = name.strip()
    if not name:
        raise MemberProblem("网格员姓名不能为空 / the member's name must not be empty")
    if _live_member(conn, name) is not None:
        raise MemberProblem(
            f"已有网格员{name}：同名请加区分，如 {name}（邮三）/ there is a member called {name} "
            f"already: give a distinguishing name, e.g. {name}(邮三)"
        )
    grid = _grid(conn, grid_spec)
    uuid = stable_uuid("member", name)
    if conn.execute(select(Member.uuid).where(Member.uuid == uuid)).first():
        uuid = new_uuid()  # a retired member of that name keeps their row and history
    hub = HubWriter(conn, actor)
    try:
        hub.insert(
            "member",
            {"name": name, "phone": (phone or "").strip() or None, "role": "member"},
            uuid,
        )
    except ValueError as exc:
        raise MemberProblem(str(exc)) from None
    _assign(hub, uuid, grid)
    return uuid, grid


def move_member(conn: Connection, actor: str, name: str, grid_spec: str) -> GridRef:
    """The member walks another grid from now on (their records stay where they were made)."""
    row = _live_member(conn, name)
    if row is None:
        raise MemberProblem(_no_member(conn, name))
    grid = _grid(conn, grid_spec)
    _assign(HubWriter(conn, actor), row.uuid, grid)
    return grid


def retire_member(conn: Connection, actor: str, name: str, at: datetime | None = None) -> list[str]:
    """Retire a member: their row becomes a tombstone, their grid free, their devices revoked.

    Returns the key ids revoked. The records they made keep their name (by uuid).
    """
    row = _live_member(conn, name)
    if row is None:
        raise MemberProblem(_no_member(conn, name))
    hub = HubWriter(conn, actor)
    for (grid,) in conn.execute(
        select(Grid.uuid).where(Grid.member_uuid == row.uuid, Grid.deleted == false())
    ).all():
        hub.update("grid", grid, {"member_uuid": None})
    hub.delete("member", row.uuid)
    when = at or clock.now()
    keys = [
        k
        for (k,) in conn.execute(
            select(HubDevice.key_id).where(
                HubDevice.member == row.name, HubDevice.revoked_at.is_(None)
            )
        ).all()
    ]
    for key in keys:
        ledger.revoke_device(conn, key, when, f"网格员已离任 / member {row.name} retired")
    return keys


def _no_member(conn: Connection, name: str) -> str:
    known = ", ".join(m.name for m in list_members(conn) if not m.retired) or "-"
    return f"没有网格员「{name}」/ no member called {name!r}; known: {known}"


def list_members(conn: Connection, *, with_retired: bool = True) -> list[MemberRow]:
    """Every member with their grid and enrolled devices (retired ones last)."""
    from gridwalker.store.rounds.setup import grids

    by_uuid = {g.uuid: g for g in grids(conn)}
    devices: dict[str, int] = {}
    for (member,) in conn.execute(
        select(HubDevice.member).where(HubDevice.revoked_at.is_(None))
    ).all():
        devices[member] = devices.get(member, 0) + 1
    rows = []
    for r in conn.execute(
        select(Member.uuid, Member.name, Member.phone, Member.grid_uuid, Member.deleted)
    ):
        if r.deleted and not with_retired:
            continue
        grid = by_uuid.get(r.grid_uuid or "")
        if r.deleted or grid is None:
            grid = next((g for g in by_uuid.values() if g.member_uuid == r.uuid), None)
        rows.append(
            MemberRow(
                r.uuid,
                r.name,
                r.phone,
                grid.code if grid and not r.deleted else "",
                grid.path if grid and not r.deleted else "",
                bool(r.deleted),
                devices.get(r.name, 0),
            )
        )
    rows.sort(key=lambda m: (m.retired, m.grid_code or "~", m.name))
    return rows


def audit_top(conn: Connection) -> int:
    """The newest audit id: what a hub write after this mark made is found by it."""
    return conn.execute(select(func.coalesce(func.max(Audit.id), 0))).scalar_one()


def keep_hub_versions(conn: Connection, above: int, actor: str) -> int:
    """Keep in `hub_rev` the version of every row the hub wrote after audit id `above` (a
    roster imported at the hub: the hub is the origin of those rows). Returns how many."""
    kept = 0
    pairs = conn.execute(select(Audit.entity, Audit.uuid).where(Audit.id > above).distinct()).all()
    by_entity: dict[str, list[str]] = {}
    for entity, uuid in pairs:
        if entity in SYNCED_TABLES:
            by_entity.setdefault(entity, []).append(uuid)
    for entity, uuids in by_entity.items():
        table = SYNCED_TABLES[entity].__table__
        for i in range(0, len(uuids), 500):
            chunk = uuids[i : i + 500]
            known = {
                (u, r)
                for u, r in conn.execute(
                    select(HubRev.uuid, HubRev.rev).where(
                        HubRev.entity == entity, HubRev.uuid.in_(chunk)
                    )
                )
            }
            rows = []
            for row in conn.execute(select(table).where(table.c.uuid.in_(chunk))).mappings():
                if (row["uuid"], row["rev"]) in known:
                    continue
                rows.append(
                    {
                        "entity": entity,
                        "uuid": row["uuid"],
                        "rev": row["rev"],
                        "base_rev": row["base_rev"],
                        "origin": None,
                        "deleted": bool(row["deleted"]),
                        "data": {n: json_value(row[n]) for n in data_columns(entity)},
                        "updated_at": row["updated_at"],
                        "updated_by": actor[:64],
                        "device_id": None,
                        "head": False,
                    }
                )
            if rows:
                conn.execute(insert(HubRev), rows)
                kept += len(rows)
    return kept


# --- supervisors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisorRow:
    """A supervisor of this hub and where they decide."""

    name: str
    street: str
    community: str


def add_supervisor(
    conn: Connection, name: str, street: str | None = None, community: str | None = None
) -> SupervisorRow:
    """Register someone who decides at this hub's desk (over a street or a community)."""
    name = name.strip()
    bad = fields.check_value("member", "name", name) if name else None
    if not name or bad is not None:
        why = f"{bad.zh} / {bad.en}" if bad else "姓名不能为空 / the name must not be empty"
        raise MemberProblem(why)
    if conn.execute(select(HubSupervisor.name).where(HubSupervisor.name == name)).first():
        raise MemberProblem(f"已有主管{name} / {name} is a supervisor here already")
    street_uuid = community_uuid = None
    if street:
        street_uuid = conn.execute(
            select(Street.uuid).where(Street.name == street.strip(), Street.deleted == false())
        ).scalar()
        if street_uuid is None:
            raise MemberProblem(f"未知街道「{street}」/ unknown street {street!r}")
    if community:
        stmt = select(Community.uuid).where(
            Community.name == community.strip(), Community.deleted == false()
        )
        if street_uuid:
            stmt = stmt.where(Community.street_uuid == street_uuid)
        found = conn.execute(stmt).scalars().all()
        if len(found) != 1:
            what = (
                "未知社区 / unknown community"
                if not found
                else "社区重名：请加 --street / give --street"
            )
            raise MemberProblem(f"{what}: {community!r}")
        community_uuid = found[0]
    conn.execute(
        insert(HubSupervisor).values(
            name=name,
            street_uuid=street_uuid,
            community_uuid=community_uuid,
            added_at=clock.now(),
        )
    )
    return SupervisorRow(name, street or "", community or "")


def supervisors(conn: Connection) -> list[SupervisorRow]:
    """The supervisors of this hub, by name."""
    streets = dict(conn.execute(select(Street.uuid, Street.name)).all())
    communities = dict(conn.execute(select(Community.uuid, Community.name)).all())
    return [
        SupervisorRow(
            r.name,
            streets.get(r.street_uuid or "", ""),
            communities.get(r.community_uuid or "", ""),
        )
        for r in conn.execute(select(HubSupervisor).order_by(HubSupervisor.name))
    ]


def desk_actor(conn: Connection, wanted: str | None, remembered: str | None) -> str:
    """Who decides at the desk: `--as NAME` (a known supervisor), else the one remembered for
    this hub user, else the only one there is; MemberProblem lists the names otherwise.

    On PostgreSQL, a login made by `hub user add` is who decides, whatever `--as` says:
    each decision records the database's `current_user` (`store.rls.hub_login`).
    """
    login = rls.hub_login(conn)
    if login is not None:
        return login
    known = [s.name for s in supervisors(conn)]
    listed = "、".join(known) or "-"
    if not known:
        raise MemberProblem(
            "本枢纽还没有主管 / this hub has no supervisor yet: gridwalker hub supervisor add NAME"
        )
    if wanted is not None:
        if wanted.strip() in known:
            return wanted.strip()
        raise MemberProblem(
            f"「{wanted}」不是本枢纽的主管 / {wanted!r} is not a supervisor here; known: {listed}"
        )
    if remembered and remembered in known:
        return remembered
    if len(known) == 1:
        return known[0]
    raise MemberProblem(f"请用 --as 说明您是谁 / say who you are with --as NAME; known: {listed}")
