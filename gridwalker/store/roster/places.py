"""The places a roster names: found, or planned to be created (with --create)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from gridwalker.domain.addresses import natural_key
from gridwalker.store.roster.checking import CheckedRow, RowChecker
from gridwalker.store.roster.columns import in_language
from gridwalker.store.tables import SYNCED_TABLES, Building, Community, Grid, Street
from gridwalker.store.writes import new_uuid, stable_uuid


@dataclass
class PlannedPlace:
    """A place or household to create."""

    entity: str
    uuid: str
    data: dict[str, Any]


class Places:
    """Streets, communities, grids and buildings of the database plus those to create."""

    def __init__(self, conn: Connection, create: bool, checker: RowChecker) -> None:
        """Load the live places of the database."""
        self.conn = conn
        self.create = create
        self.checker = checker
        self.lang = checker.lang
        self.planned: list[PlannedPlace] = []
        self.created: list[str] = []
        self.street_name: dict[str, str] = {}
        for uuid, name in conn.execute(
            select(Street.uuid, Street.name).where(Street.deleted.is_(False))
        ):
            self.street_name[uuid] = name
        self.communities: list[tuple[str, str, str]] = []  # (uuid, name, street uuid)
        for uuid, name, street in conn.execute(
            select(Community.uuid, Community.name, Community.street_uuid).where(
                Community.deleted.is_(False)
            )
        ):
            self.communities.append((uuid, name, street))
        self.community_name = {u: n for u, n, _ in self.communities}
        self.community_street = {u: s for u, _, s in self.communities}
        self.grids: dict[str, tuple[str, str]] = {}  # code -> (uuid, community uuid)
        for uuid, code, community in conn.execute(
            select(Grid.uuid, Grid.code, Grid.community_uuid).where(Grid.deleted.is_(False))
        ):
            self.grids[code.upper()] = (uuid, community)
        self.buildings: dict[tuple[str, str], str] = {}
        self.next_seq: dict[str, int] = {}
        for uuid, grid, name, seq, kind in conn.execute(
            select(
                Building.uuid, Building.grid_uuid, Building.name, Building.seq, Building.kind
            ).where(Building.deleted.is_(False))
        ):
            self.buildings[(grid, name)] = uuid
            if kind != "commercial":
                self.next_seq[grid] = max(self.next_seq.get(grid, 1), seq + 1)

    def _plan(self, entity: str, data: dict[str, Any], zh: str, en: str) -> str:
        """Register a place to create; returns its new uuid.

        A street, community or grid gets the id every database gives it (`stable_uuid`), so
        the hub's roster and a laptop's setup make the same place, not two.
        """
        if entity == "street":
            uuid = stable_uuid("street", data["name"])
        elif entity == "community":
            street = self.street_name.get(data["street_uuid"], data["street_uuid"])
            uuid = stable_uuid("community", street, data["name"])
        elif entity == "grid":
            uuid = stable_uuid("grid", data["code"])
        else:
            uuid = new_uuid()
        if entity != "building":
            table = SYNCED_TABLES[entity].__table__
            if self.conn.execute(select(table.c.uuid).where(table.c.uuid == uuid)).first():
                uuid = new_uuid()  # a deleted place of that name keeps its id
        self.planned.append(PlannedPlace(entity, uuid, data))
        self.created.append(in_language(self.lang, zh, en))
        return uuid

    def street(self, row: CheckedRow) -> str | None:
        """The street of a community to create: named, or the only one there is."""
        if row.street:
            for uuid, name in self.street_name.items():
                if name == row.street:
                    return uuid
            if not self.create:
                self.checker.error(
                    row.line,
                    "street",
                    f"未知街道「{row.street}」（加 --create 可新建）",
                    f"unknown street {row.street!r} (add --create to create it)",
                )
                return None
            uuid = self._plan(
                "street",
                {"name": row.street, "area_code": ""},
                f"街道 {row.street}",
                f"street {row.street}",
            )
            self.street_name[uuid] = row.street
            return uuid
        if len(self.street_name) == 1:
            return next(iter(self.street_name))
        self.checker.error(
            row.line,
            "street",
            f"新建社区「{row.community}」需要填写街道",
            f"a new community, {row.community!r}, needs its street",
        )
        return None

    def community(self, row: CheckedRow) -> str | None:
        """The community a new grid goes into (created with --create)."""
        if not row.community:
            self.checker.error(
                row.line,
                "community",
                f"新建网格 {row.grid} 需要填写所属社区",
                f"a new grid, {row.grid}, needs its community",
            )
            return None
        found = [(u, s) for u, n, s in self.communities if n == row.community]
        if row.street:
            found = [(u, s) for u, s in found if self.street_name.get(s) == row.street]
        if len(found) == 1:
            return found[0][0]
        if len(found) > 1:
            self.checker.error(
                row.line,
                "street",
                f"有多个「{row.community}」，请填写街道",
                f"more than one community is called {row.community!r}; give the street",
            )
            return None
        if not self.create:
            self.checker.error(
                row.line,
                "community",
                f"未知社区「{row.community}」（加 --create 可新建）",
                f"unknown community {row.community!r} (add --create to create it)",
            )
            return None
        street = self.street(row)
        if street is None:
            return None
        street_name = self.street_name[street]
        uuid = self._plan(
            "community",
            {"street_uuid": street, "name": row.community},
            f"社区 {row.community} ({street_name})",
            f"community {row.community} ({street_name})",
        )
        self.communities.append((uuid, row.community, street))
        self.community_name[uuid] = row.community
        self.community_street[uuid] = street
        return uuid

    def grid(self, row: CheckedRow) -> str | None:
        """The grid of a row (created with --create), checked against its 社区/街道 cells."""
        assert row.grid is not None
        found = self.grids.get(row.grid)
        if found is None:
            if not self.create:
                self.checker.error(
                    row.line,
                    "grid",
                    f"未知网格 {row.grid}（加 --create 可新建）",
                    f"unknown grid {row.grid} (add --create to create it)",
                )
                return None
            community = self.community(row)
            if community is None:
                return None
            tail = row.grid.rsplit("-", 1)[-1]
            name = f"第{int(tail)}网格" if tail.isdigit() else row.grid
            community_name = self.community_name[community]
            uuid = self._plan(
                "grid",
                {"community_uuid": community, "code": row.grid, "name": name},
                f"网格 {row.grid} ({community_name})",
                f"grid {row.grid} ({community_name})",
            )
            self.grids[row.grid] = (uuid, community)
            return uuid
        uuid, community = found
        if row.community and self.community_name.get(community) != row.community:
            actual = self.community_name.get(community, "?")
            self.checker.error(
                row.line,
                "community",
                f"网格 {row.grid} 属于{actual}，不是「{row.community}」",
                f"grid {row.grid} is in {actual}, not {row.community!r}",
            )
            return None
        street = self.street_name.get(self.community_street.get(community, ""), "?")
        if row.street and street != row.street:
            self.checker.error(
                row.line,
                "street",
                f"网格 {row.grid} 属于{street}，不是「{row.street}」",
                f"grid {row.grid} is in {street}, not {row.street!r}",
            )
            return None
        return uuid

    def walk_new_buildings_in_order(self) -> None:
        """Give the new buildings of each grid their walking order by name, naturally (1栋,
        2栋 … 10栋), whatever order the roster lists them in (Excel sorts 10栋 before 2栋)."""
        by_grid: dict[str, list[PlannedPlace]] = {}
        for place in self.planned:
            if place.entity == "building":
                by_grid.setdefault(place.data["grid_uuid"], []).append(place)
        for places in by_grid.values():
            seqs = sorted(p.data["seq"] for p in places)
            for seq, place in zip(
                seqs, sorted(places, key=lambda p: natural_key(p.data["name"])), strict=True
            ):
                place.data["seq"] = seq

    def building(self, row: CheckedRow) -> str | None:
        """The building of a row (created with --create), or None after an error."""
        grid = self.grid(row)
        if grid is None:
            return None
        uuid = self.buildings.get((grid, row.building))
        if uuid is not None:
            return uuid
        if not self.create:
            self.checker.error(
                row.line,
                "building",
                f"网格 {row.grid} 中没有楼栋「{row.building}」（加 --create 可新建）",
                f"grid {row.grid} has no building {row.building!r} (add --create to create it)",
            )
            return None
        seq = self.next_seq.get(grid, 1)
        self.next_seq[grid] = seq + 1
        uuid = self._plan(
            "building",
            {"grid_uuid": grid, "name": row.building, "seq": seq, "kind": "residential"},
            f"楼栋 {row.building} ({row.grid})",
            f"building {row.building} ({row.grid})",
        )
        self.buildings[(grid, row.building)] = uuid
        return uuid
